"""Schema versions: a fresh file gets the current schema, older ones are upgraded in place,
newer ones are refused, and a failed migration leaves the file as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from groq_tui.domain import Conversation, Message, MessageStatus
from groq_tui.store import (
    MIGRATIONS,
    SCHEMA_VERSION,
    HistoryStore,
    SchemaTooNewError,
    StoreError,
    StoreOpenError,
)

# A plausible next migration: a column, an index, and a table rebuild (the way SQLite's
# ALTER TABLE guide changes a constraint), which only works with foreign keys off.
NEXT = SCHEMA_VERSION + 1
MIGRATION_NEXT = """
ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
CREATE INDEX conversations_pinned ON conversations (pinned, updated_at DESC);
CREATE TABLE tags (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    tag TEXT NOT NULL
);
CREATE TABLE conversations_new AS SELECT * FROM conversations;
DROP TABLE conversations_new;
"""


def user_version(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return int(connection.execute("PRAGMA user_version").fetchone()[0])
    finally:
        connection.close()


def columns(path: Path, table: str) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
    finally:
        connection.close()


async def make_current(path: Path) -> tuple[int, int]:
    """A database at today's schema with a conversation and a cut-off reply."""
    store = await HistoryStore.open(path)
    saved = await store.create_conversation(Conversation("kept across upgrades", "llama"))
    assert saved.id is not None
    message = await store.add_message(
        Message("assistant", "upgrade me", conversation_id=saved.id, status=MessageStatus.STREAMING)
    )
    assert message.id is not None
    await store.close()
    assert user_version(path) == SCHEMA_VERSION
    return saved.id, message.id


async def test_a_new_file_gets_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    store = await HistoryStore.open(path)
    await store.close()
    assert store.schema_version == SCHEMA_VERSION == len(MIGRATIONS)
    assert user_version(path) == SCHEMA_VERSION
    assert {"reply_group", "compare_column"} <= set(columns(path, "messages"))
    assert columns(path, "comparison_models") == ["conversation_id", "position", "model"]
    assert columns(path, "conversations") == [
        "id",
        "title",
        "model",
        "parameters",
        "kind",
        "created_at",
        "updated_at",
    ]


async def test_reopening_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    conversation_id, message_id = await make_current(path)
    store = await HistoryStore.open(path)
    try:
        assert store.schema_version == SCHEMA_VERSION
        [message] = await store.messages(conversation_id)
        assert message.id == message_id
    finally:
        await store.close()


async def test_an_older_file_is_upgraded_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    conversation_id, message_id = await make_current(path)

    store = await HistoryStore.open(path, migrations=(*MIGRATIONS, MIGRATION_NEXT))
    try:
        assert store.schema_version == NEXT
        assert store.recovered_count == 1  # recovery runs after the upgrade
        conversation = await store.get_conversation(conversation_id)
        assert conversation is not None and conversation.title == "kept across upgrades"
        [message] = await store.messages(conversation_id)
        assert (message.id, message.content) == (message_id, "upgrade me")
        assert message.status is MessageStatus.INTERRUPTED
        # Search and cascades still work on the upgraded file.
        assert [h.message_id for h in await store.search("upgrade", per_conversation=None)] == [
            None,
            message_id,
        ]
        await store.delete_conversation(conversation_id)
        assert await store.messages(conversation_id) == []
    finally:
        await store.close()
    assert user_version(path) == NEXT
    assert "pinned" in columns(path, "conversations")


async def test_a_newer_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    await make_current(path)
    newer = await HistoryStore.open(path, migrations=(*MIGRATIONS, MIGRATION_NEXT))
    await newer.close()

    with pytest.raises(SchemaTooNewError) as caught:
        await HistoryStore.open(path)
    error = caught.value
    assert isinstance(error, StoreOpenError) and isinstance(error, StoreError)
    assert (error.path, error.found, error.supported) == (path, NEXT, SCHEMA_VERSION)
    assert str(path) in str(error) and "newer" in str(error)
    assert user_version(path) == NEXT


async def test_a_failing_migration_leaves_the_file_at_its_last_version(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    conversation_id, _ = await make_current(path)
    broken = "ALTER TABLE conversations ADD COLUMN half_done INTEGER;\nSELECT * FROM no_such_table;"
    with pytest.raises(StoreOpenError, match=f"migration {NEXT} failed") as caught:
        await HistoryStore.open(path, migrations=(*MIGRATIONS, broken))
    assert caught.value.path == path
    assert user_version(path) == SCHEMA_VERSION
    assert "half_done" not in columns(path, "conversations")  # rolled back as a whole

    store = await HistoryStore.open(path)
    try:
        assert len(await store.messages(conversation_id)) == 1
    finally:
        await store.close()


async def test_a_migration_that_breaks_foreign_keys_is_rolled_back(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    await make_current(path)
    orphaning = "DELETE FROM conversations;"  # foreign keys are off while migrating
    with pytest.raises(StoreOpenError, match="foreign key"):
        await HistoryStore.open(path, migrations=(*MIGRATIONS, orphaning))
    assert user_version(path) == SCHEMA_VERSION


async def test_each_step_runs_in_order_from_zero(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    steps = (
        *MIGRATIONS,
        "CREATE TABLE step_a (x);",
        "INSERT INTO step_a VALUES (1);",
        "ALTER TABLE step_a ADD COLUMN y;",
    )
    store = await HistoryStore.open(path, migrations=steps)
    await store.close()
    assert store.schema_version == len(steps)
    assert columns(path, "step_a") == ["x", "y"]
