"""What the first frame shows before the services are up: the history list, read-only from a
real SQLite file, and the models' max_tokens limits as the server last listed them."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import stat
from pathlib import Path

from groq_tui.domain import Conversation, Message
from groq_tui.services.start_snapshot import (
    LIMITS_FILE,
    StartSnapshotReader,
    read_limits,
    server_key,
)
from groq_tui.store import MIGRATIONS, HistoryStore
from groq_tui.store.peek import peek_conversations

SERVER = "https://api.example.test/openai/v1"


async def _history(path: Path, titles: list[str]) -> None:
    store = await HistoryStore.open(path)
    try:
        for title in titles:
            conversation = await store.create_conversation(Conversation(title=title, model="m"))
            assert conversation.id is not None
            await store.add_message(Message("user", title, conversation_id=conversation.id))
    finally:
        await store.close()


async def test_the_peek_lists_what_the_store_lists(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    await _history(path, ["first", "second", "third"])
    store = await HistoryStore.open(path)
    try:
        listed = await store.list_conversations()
    finally:
        await store.close()
    assert [s.title for s in listed] == ["third", "second", "first"]
    assert peek_conversations(path) == listed


async def test_the_peek_gives_up_on_a_history_the_store_must_open_first(tmp_path: Path) -> None:
    assert peek_conversations(tmp_path / "none.db") == []  # no history yet: nothing saved
    older = tmp_path / "older.db"
    await _history(older, ["kept"])
    with contextlib.closing(sqlite3.connect(older)) as connection:
        connection.execute(f"PRAGMA user_version = {len(MIGRATIONS) - 1}")
    assert peek_conversations(older) is None  # the store migrates it first
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not a database at all" * 100)
    assert peek_conversations(damaged) is None


async def test_the_reader_gives_the_history_and_the_limits_of_this_server(tmp_path: Path) -> None:
    await _history(tmp_path / "history.db", ["saved"])
    StartSnapshotReader(tmp_path, SERVER).remember_limits(SERVER, {"a": 131072, "b": 8192})
    StartSnapshotReader(tmp_path, "http://127.0.0.1:9/v1").remember_limits(
        "http://127.0.0.1:9/v1", {"a": 4096}
    )
    snapshot = StartSnapshotReader(tmp_path, SERVER).snapshot(wait=30)
    assert snapshot.saved is not None and [s.title for s in snapshot.saved] == ["saved"]
    assert snapshot.limits == {"a": 131072, "b": 8192}
    other = StartSnapshotReader(tmp_path, "http://127.0.0.1:9/v1").snapshot(wait=30)
    assert other.limits == {"a": 4096}
    # Only the user may read the file, like the history beside it.
    assert stat.S_IMODE((tmp_path / LIMITS_FILE).stat().st_mode) == 0o600


def test_limits_that_did_not_change_are_not_written_again(tmp_path: Path) -> None:
    StartSnapshotReader(tmp_path, SERVER).remember_limits(SERVER, {"a": 1000})
    written = (tmp_path / LIMITS_FILE).stat().st_ino
    reader = StartSnapshotReader(tmp_path, SERVER)
    reader.snapshot(wait=30)
    reader.remember_limits(SERVER, {"a": 1000})
    assert (tmp_path / LIMITS_FILE).stat().st_ino == written
    reader.remember_limits(SERVER, {"a": 2000})
    assert (tmp_path / LIMITS_FILE).stat().st_ino != written
    assert reader.snapshot(0).limits == {"a": 2000}


def test_a_limits_file_not_as_written_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / LIMITS_FILE
    path.write_text("{ not json")
    assert read_limits(path) == {}
    path.write_text(json.dumps({SERVER: {"a": "many", "b": 5}, "other": [1]}))
    assert read_limits(path) == {SERVER: {"b": 5}}
    assert StartSnapshotReader(tmp_path, SERVER).snapshot(wait=30).limits == {"b": 5}


def test_the_server_key_keeps_no_credentials() -> None:
    assert server_key("https://user:secret@host:8443/openai/v1", False) == (
        "https://host:8443/openai/v1"
    )
    assert server_key(SERVER, False) == SERVER
    assert server_key(SERVER, True) == "local engine"


def test_limits_that_cannot_be_written_are_not_kept(tmp_path: Path) -> None:
    # A regular file where the data folder should be: the app runs with its history in
    # memory, and the limits went unwritten (the model list raised out of the app, before).
    data = tmp_path / "data"
    data.write_text("not a folder")
    reader = StartSnapshotReader(data, SERVER)
    assert reader.snapshot(wait=30).saved == ()  # (the history will be in memory: empty)
    reader.remember_limits(SERVER, {"a": 1000})
    assert reader.snapshot(0).limits == {}
