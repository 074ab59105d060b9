"""The saved history on a real SQLite file: conversations, messages, recovery, speed.

Search lives in test_store_search.py, schema versions in test_store_migrations.py.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from groq_tui.domain import (
    ChatParameters,
    Conversation,
    Message,
    MessageStatus,
    ReplyParameters,
    ReplyStats,
    ToolCall,
    Usage,
)
from groq_tui.store import (
    SCHEMA_VERSION,
    ConversationSummary,
    HistoryStore,
    StoreClosedError,
    StoreError,
    StoreOpenError,
)
from groq_tui.store.codec import chat_parameters_to_json

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[HistoryStore]:
    opened = await HistoryStore.open(db_path)
    yield opened
    await opened.close()


def raw(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows straight from the file, bypassing the store (a second connection, as WAL allows)."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


async def new_conversation(store: HistoryStore, title: str = "chat", **kwargs: Any) -> int:
    saved = await store.create_conversation(Conversation(title=title, model="llama", **kwargs))
    assert saved.id is not None
    return saved.id


async def add(store: HistoryStore, conversation_id: int, content: str, **kwargs: Any) -> Message:
    kwargs.setdefault("role", "user")
    return await store.add_message(
        Message(content=content, conversation_id=conversation_id, **kwargs)
    )


# -- opening ---------------------------------------------------------------------------------


async def test_open_creates_folders_and_a_wal_database(db_path: Path) -> None:
    store = await HistoryStore.open(db_path)
    try:
        assert db_path.is_file()
        assert store.schema_version == SCHEMA_VERSION
        assert store.recovered_count == 0
        assert store.path == db_path
        assert raw(db_path, "PRAGMA journal_mode") == [("wal",)]
        assert raw(db_path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    finally:
        await store.close()


async def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    path.write_bytes(b"this is a text file, not SQLite\n" * 100)
    with pytest.raises(StoreOpenError) as caught:
        await HistoryStore.open(path)
    error = caught.value
    assert isinstance(error, StoreError)
    assert error.path == path
    assert "not a database" in error.reason
    assert str(path) in str(error)
    assert isinstance(error.__cause__, sqlite3.DatabaseError)
    assert path.read_bytes().startswith(b"this is a text file")  # left as it was


async def test_a_damaged_database_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    store = await HistoryStore.open(path)
    conversation_id = await new_conversation(store)
    for index in range(200):
        await add(store, conversation_id, f"message {index} " + "x" * 500)
    await store.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # wipe the schema page after the header
    path.write_bytes(bytes(data))
    with pytest.raises(StoreOpenError) as caught:
        await HistoryStore.open(path)
    assert caught.value.path == path
    assert caught.value.reason == (
        "database disk image is malformed (the file is damaged or is not a groq-tui history)"
    )


async def test_a_folder_at_the_path_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    path.mkdir()
    with pytest.raises(StoreOpenError, match="folder") as caught:
        await HistoryStore.open(path)
    assert caught.value.path == path


async def test_a_file_where_the_folder_should_be_gives_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("not a folder")
    path = tmp_path / "data" / "history.db"
    with pytest.raises(StoreOpenError, match="folder") as caught:
        await HistoryStore.open(path)
    assert caught.value.path == path


async def test_a_closed_store_refuses_work_and_closes_twice(db_path: Path) -> None:
    async with await HistoryStore.open(db_path) as store:
        await new_conversation(store)
    with pytest.raises(StoreClosedError):
        await store.list_conversations()
    await store.close()


# -- conversations ---------------------------------------------------------------------------


async def test_conversation_round_trip(store: HistoryStore) -> None:
    parameters = ChatParameters(
        temperature=0.3,
        top_p=0.9,
        max_tokens=512,
        frequency_penalty=0.5,
        presence_penalty=-0.5,
        seed=1234,
        stop=["END", "\n\n"],
        json_mode=True,
        stream=False,
        system_prompt="Be brief. Ünïcødé ✓",
    )
    conversation = Conversation(
        title="Comparing models", model="llama-3.3-70b", parameters=parameters, kind="compare"
    )
    saved = await store.create_conversation(conversation)
    assert saved.id is not None
    assert conversation.id is None  # the argument is not changed
    loaded = await store.get_conversation(saved.id)
    assert loaded == saved
    assert loaded.parameters == parameters
    assert await store.get_conversation(saved.id + 1000) is None


async def test_search_settings_round_trip_and_are_saved_only_when_set(
    store: HistoryStore,
) -> None:
    parameters = ChatParameters(
        search_include_domains=["arxiv.org", "*.edu"],
        search_exclude_domains=["example.com"],
        search_country="germany",
        include_reasoning=False,
    )
    saved = await store.create_conversation(
        Conversation(title="search", model="groq/compound", parameters=parameters)
    )
    assert saved.id is not None
    loaded = await store.get_conversation(saved.id)
    assert loaded is not None and loaded.parameters == parameters
    assert chat_parameters_to_json(parameters)["include_reasoning"] is False
    unset = chat_parameters_to_json(ChatParameters())
    assert not {"search_include_domains", "search_exclude_domains", "search_country"} & set(unset)


async def test_creating_a_saved_conversation_is_refused(store: HistoryStore) -> None:
    with pytest.raises(ValueError, match="already saved"):
        await store.create_conversation(Conversation(title="x", model="m", id=3))


async def test_update_conversation_saves_settings_and_bumps_updated_at(
    store: HistoryStore,
) -> None:
    saved = await store.create_conversation(
        Conversation(title="old", model="a", created_at=100.0, updated_at=100.0)
    )
    saved.title = "new"
    saved.model = "b"
    saved.kind = "compare"
    saved.parameters = ChatParameters(temperature=0.1, stop=["x"])
    await store.update_conversation(saved)
    assert saved.updated_at > 100.0
    assert saved.id is not None
    loaded = await store.get_conversation(saved.id)
    assert loaded is not None
    assert (loaded.title, loaded.model, loaded.kind) == ("new", "b", "compare")
    assert loaded.parameters == ChatParameters(temperature=0.1, stop=["x"])
    assert loaded.updated_at == saved.updated_at
    assert loaded.created_at == 100.0


async def test_rename_keeps_the_conversation_in_its_place(store: HistoryStore) -> None:
    first = await new_conversation(store, "first", updated_at=100.0)
    await new_conversation(store, "second", updated_at=200.0)
    await store.rename_conversation(first, "renamed")
    listed = await store.list_conversations()
    assert [c.title for c in listed] == ["second", "renamed"]


async def test_delete_conversation_cascades_to_messages(store: HistoryStore, db_path: Path) -> None:
    doomed = await new_conversation(store, "doomed")
    kept = await new_conversation(store, "kept")
    for index in range(3):
        await add(store, doomed, f"doomed {index}")
    await add(store, kept, "kept message")
    await store.delete_conversation(doomed)
    assert await store.get_conversation(doomed) is None
    assert await store.messages(doomed) == []
    assert raw(db_path, "SELECT count(*) FROM messages") == [(1,)]
    assert [m.content for m in await store.messages(kept)] == ["kept message"]
    await store.delete_conversation(doomed)  # already gone: nothing happens


async def test_list_is_newest_first_with_counts_paging_and_kind(store: HistoryStore) -> None:
    ids = [
        await new_conversation(store, f"c{index}", updated_at=float(index), kind=kind)
        for index, kind in enumerate(["chat", "compare", "chat", "compare", "chat"])
    ]
    await add(store, ids[0], "one")
    await add(store, ids[0], "two")  # adding bumps c0 to the top
    listed = await store.list_conversations()
    assert [c.title for c in listed] == ["c0", "c4", "c3", "c2", "c1"]
    assert listed[0] == ConversationSummary(
        id=ids[0],
        title="c0",
        model="llama",
        kind="chat",
        updated_at=listed[0].updated_at,
        message_count=2,
    )
    assert [c.message_count for c in listed[1:]] == [0, 0, 0, 0]
    assert [c.title for c in await store.list_conversations(limit=2, offset=1)] == ["c4", "c3"]
    assert [c.title for c in await store.list_conversations(kind="compare")] == ["c3", "c1"]
    assert [c.title for c in await store.list_conversations(kind="chat")] == ["c0", "c4", "c2"]


async def test_last_conversation_is_the_most_recently_updated(store: HistoryStore) -> None:
    assert await store.last_conversation() is None
    older = await new_conversation(store, "older", updated_at=100.0)
    await new_conversation(store, "newer", updated_at=200.0)
    last = await store.last_conversation()
    assert last is not None and last.title == "newer"
    await add(store, older, "a new message")
    last = await store.last_conversation()
    assert last is not None and last.title == "older" and last.id == older


# -- messages --------------------------------------------------------------------------------


async def test_every_message_field_round_trips(store: HistoryStore) -> None:
    conversation_id = await new_conversation(store)
    tool_calls = (ToolCall("call_1", "weather", '{"city": "Zürich"}'),)
    originals = [
        Message(
            role="system",
            content="You are terse.",
            conversation_id=conversation_id,
            created_at=1.0,
        ),
        Message(
            role="assistant",
            content="Let me check 🌦 **markdown** `code`",
            conversation_id=conversation_id,
            model="llama-3.3-70b",
            status=MessageStatus.COMPLETE,
            created_at=2.0,
            tool_calls=tool_calls,
            parameters=ReplyParameters(
                temperature=0.2,
                stop=("END",),
                json_mode=True,
                tools=({"type": "function", "function": {"name": "weather"}},),
                extra={"tool_choice": "auto"},
            ),
            usage=Usage(
                prompt_tokens=10,
                completion_tokens=20,
                total_time=0.05,
                extra={"prompt_tokens_details": {"cached_tokens": 4}},
            ),
            stats=ReplyStats(time_to_first_token=0.1, duration=0.5, completion_tokens=20),
            reply_group="group-1",
            column=2,
        ),
        Message(
            role="tool",
            content='{"temp": 21}',
            conversation_id=conversation_id,
            created_at=3.0,
            name="weather",
            tool_call_id="call_1",
        ),
        Message(
            role="assistant",
            content="half a repl",
            conversation_id=conversation_id,
            status=MessageStatus.FAILED,
            created_at=4.0,
            error="Rate limited: try again in 2 s",
        ),
    ]
    saved = [await store.add_message(message) for message in originals]
    assert all(message.id is None for message in originals)  # arguments not changed
    assert len({message.id for message in saved}) == len(saved)
    assert await store.messages(conversation_id) == saved


@pytest.mark.parametrize("status", list(MessageStatus))
async def test_every_status_round_trips(store: HistoryStore, status: MessageStatus) -> None:
    conversation_id = await new_conversation(store)
    saved = await add(store, conversation_id, "text", role="assistant", status=status)
    [loaded] = await store.messages(conversation_id)
    assert loaded.status is status
    assert loaded == saved


async def test_messages_come_in_created_order_then_id(store: HistoryStore) -> None:
    conversation_id = await new_conversation(store)
    other = await new_conversation(store, "other")
    await add(store, conversation_id, "third", created_at=30.0)
    await add(store, conversation_id, "first", created_at=10.0)
    await add(store, other, "elsewhere", created_at=15.0)
    await add(store, conversation_id, "second-a", created_at=20.0)
    await add(store, conversation_id, "second-b", created_at=20.0)
    contents = [m.content for m in await store.messages(conversation_id)]
    assert contents == ["first", "second-a", "second-b", "third"]


async def test_add_message_needs_an_existing_conversation(store: HistoryStore) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        await store.add_message(Message(role="user", content="x", conversation_id=999))
    with pytest.raises(ValueError, match="no id"):
        await store.add_message(Message(role="user", content="x"))
    conversation_id = await new_conversation(store)
    saved = await add(store, conversation_id, "x")
    with pytest.raises(ValueError, match="already saved"):
        await store.add_message(saved)


async def test_add_message_bumps_the_conversation(store: HistoryStore) -> None:
    conversation_id = await new_conversation(store, updated_at=100.0)
    before = time.time()
    await add(store, conversation_id, "hello")
    conversation = await store.get_conversation(conversation_id)
    assert conversation is not None and conversation.updated_at >= before


async def test_update_message_saves_what_a_reply_changes(store: HistoryStore) -> None:
    conversation_id = await new_conversation(store)
    reply = await add(
        store,
        conversation_id,
        "",
        role="assistant",
        status=MessageStatus.STREAMING,
        name="kept-name",
        reply_group="g",
    )
    reply.content = "The full answer."
    reply.status = MessageStatus.COMPLETE
    reply.model = "llama-3.1-8b-instant"
    reply.tool_calls = (ToolCall("c", "f"),)
    reply.parameters = ReplyParameters(temperature=0.7)
    reply.usage = Usage(completion_tokens=4)
    reply.stats = ReplyStats(time_to_first_token=None, duration=0.2, completion_tokens=4)
    reply.error = None
    await store.update_message(reply)
    assert await store.messages(conversation_id) == [reply]

    reply.status = MessageStatus.INTERRUPTED
    reply.error = "connection lost"
    reply.tool_calls = ()
    await store.update_message(reply)
    [loaded] = await store.messages(conversation_id)
    assert (loaded.status, loaded.error, loaded.tool_calls) == (
        MessageStatus.INTERRUPTED,
        "connection lost",
        (),
    )

    await store.delete_message(reply.id or 0)
    await store.update_message(reply)  # gone meanwhile: ignored
    assert await store.messages(conversation_id) == []


async def test_save_partial_changes_only_the_text(store: HistoryStore) -> None:
    conversation_id = await new_conversation(store)
    reply = await add(
        store, conversation_id, "", role="assistant", status=MessageStatus.STREAMING, model="m"
    )
    assert reply.id is not None
    for text in ("Hel", "Hello, wor", "Hello, world"):
        await store.save_partial(reply.id, text)
    [loaded] = await store.messages(conversation_id)
    assert loaded.content == "Hello, world"
    assert loaded.status is MessageStatus.STREAMING
    assert loaded.model == "m"


async def test_delete_message(store: HistoryStore) -> None:
    conversation_id = await new_conversation(store)
    keep = await add(store, conversation_id, "keep")
    drop = await add(store, conversation_id, "drop")
    await store.delete_message(drop.id or 0)
    assert await store.messages(conversation_id) == [keep]


async def test_delete_messages_from_cuts_the_tail(store: HistoryStore) -> None:
    conversation_id = await new_conversation(store)
    other = await new_conversation(store, "other")
    saved = [
        await add(store, conversation_id, f"m{index}", created_at=float(index))
        for index in range(6)
    ]
    elsewhere = await add(store, other, "later, elsewhere", created_at=100.0)
    assert saved[3].id is not None and elsewhere.id is not None
    assert await store.delete_messages_from(other, saved[3].id) == 0  # wrong conversation
    assert await store.delete_messages_from(conversation_id, saved[3].id) == 3
    assert await store.messages(conversation_id) == saved[:3]
    assert await store.messages(other) == [elsewhere]
    assert await store.delete_messages_from(conversation_id, saved[3].id) == 0  # gone


async def test_delete_messages_from_follows_display_order_not_ids(store: HistoryStore) -> None:
    conversation_id = await new_conversation(store)
    late = await add(store, conversation_id, "late", created_at=50.0)
    early = await add(store, conversation_id, "early", created_at=10.0)  # higher id, earlier
    middle = await add(store, conversation_id, "middle", created_at=20.0)
    assert middle.id is not None
    assert await store.delete_messages_from(conversation_id, middle.id) == 2
    assert await store.messages(conversation_id) == [early]
    assert late.id is not None


# -- recovery of replies cut off by a dead app ----------------------------------------------


async def test_streaming_replies_left_behind_are_marked_interrupted(db_path: Path) -> None:
    store = await HistoryStore.open(db_path)
    conversation_id = await new_conversation(store)
    await add(store, conversation_id, "question")
    reply = await add(store, conversation_id, "", role="assistant", status=MessageStatus.STREAMING)
    failed = await add(
        store, conversation_id, "x", role="assistant", status=MessageStatus.STREAMING, error="e"
    )
    await store.save_partial(reply.id or 0, "the first half")
    await store.close()  # never finished

    store = await HistoryStore.open(db_path)
    try:
        assert store.recovered_count == 2
        by_id = {m.id: m for m in await store.messages(conversation_id)}
        recovered = by_id[reply.id]
        assert recovered.status is MessageStatus.INTERRUPTED
        assert recovered.content == "the first half"
        assert recovered.error and "stopped" in recovered.error
        assert by_id[failed.id].error == "e"  # an error already recorded is kept
        assert by_id[failed.id].status is MessageStatus.INTERRUPTED
    finally:
        await store.close()
    again = await HistoryStore.open(db_path)
    assert again.recovered_count == 0
    await again.close()


async def test_a_second_instance_leaves_a_live_reply_streaming(db_path: Path) -> None:
    first = await HistoryStore.open(db_path)
    conversation_id = await new_conversation(first)
    reply = await add(first, conversation_id, "", role="assistant", status=MessageStatus.STREAMING)
    await first.save_partial(reply.id or 0, "still coming")

    second = await HistoryStore.open(db_path)
    try:
        assert second.recovered_count == 0
        assert await second.recover_interrupted() == 0
        [seen] = await second.messages(conversation_id)
        assert seen.status is MessageStatus.STREAMING and seen.content == "still coming"

        await first.close()  # its writer is gone, the reply never finished
        [seen] = await second.messages(conversation_id)
        assert seen.status is MessageStatus.INTERRUPTED and seen.content == "still coming"
    finally:
        await first.close()
        await second.close()


async def test_a_finished_reply_forgets_its_writer(store: HistoryStore, db_path: Path) -> None:
    conversation_id = await new_conversation(store)
    reply = await add(store, conversation_id, "", role="assistant", status=MessageStatus.STREAMING)
    assert raw(db_path, "SELECT writer FROM messages") == [(store.writer_id,)]
    reply.status = MessageStatus.COMPLETE
    await store.update_message(reply)
    assert raw(db_path, "SELECT writer FROM messages") == [(None,)]


async def test_replies_saved_before_writers_were_recorded_are_recovered(db_path: Path) -> None:
    store = await HistoryStore.open(db_path)
    conversation_id = await new_conversation(store)
    await add(store, conversation_id, "old", role="assistant", status=MessageStatus.STREAMING)
    await store.close()
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE messages SET writer = NULL")
    store = await HistoryStore.open(db_path)
    try:
        assert store.recovered_count == 1
    finally:
        await store.close()


async def test_lock_files_of_gone_writers_are_swept(db_path: Path) -> None:
    first = await HistoryStore.open(db_path)
    folder = db_path.with_name(db_path.name + "-writers")
    (folder / "0123abcd.lock").touch()  # what a killed instance leaves behind
    second = await HistoryStore.open(db_path)
    try:
        assert sorted(path.stem for path in folder.iterdir()) == sorted(
            [first.writer_id, second.writer_id]
        )
    finally:
        await first.close()
        await second.close()
    assert list(folder.iterdir()) == []


KILLED_WRITER = """
import asyncio, sys, time
from pathlib import Path
from groq_tui.domain import Conversation, Message, MessageStatus
from groq_tui.store import HistoryStore

async def main() -> None:
    store = await HistoryStore.open(Path(sys.argv[1]))
    conversation = await store.create_conversation(Conversation("killed", "llama"))
    await store.add_message(Message("user", "tell me a story", conversation_id=conversation.id))
    reply = await store.add_message(
        Message("assistant", "", conversation_id=conversation.id,
                status=MessageStatus.STREAMING)
    )
    text = ""
    for word in "Once upon a time there was a terminal".split():
        text += word + " "
        await store.save_partial(reply.id, text)
    print("checkpointed", flush=True)
    while True:
        await asyncio.sleep(1)

asyncio.run(main())
"""


async def test_a_killed_app_keeps_the_partial_reply(db_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        KILLED_WRITER,
        str(db_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
    except TimeoutError:
        process.kill()
        raise
    if line.strip() != b"checkpointed":
        process.kill()
        _, errors = await process.communicate()
        pytest.fail(f"writer failed: {line!r} {errors.decode()}")
    process.send_signal(signal.SIGKILL)
    await process.communicate()
    assert process.returncode == -signal.SIGKILL
    assert Path(f"{db_path}-wal").exists()  # killed: the log was never checkpointed away

    store = await HistoryStore.open(db_path)
    try:
        assert store.recovered_count == 1
        last = await store.last_conversation()
        assert last is not None and last.id is not None and last.title == "killed"
        question, reply = await store.messages(last.id)
        assert question.content == "tell me a story"
        assert reply.content == "Once upon a time there was a terminal "
        assert reply.status is MessageStatus.INTERRUPTED
    finally:
        await store.close()


LOADS = 4
"""How many loads of the 2,000 messages the heartbeat watches."""


# -- concurrency and speed -------------------------------------------------------------------


async def test_concurrent_tasks_are_serialised(store: HistoryStore) -> None:
    conversation_ids = [await new_conversation(store, f"c{index}") for index in range(5)]

    async def writer(conversation_id: int, worker: int) -> list[int]:
        ids = []
        for index in range(20):
            message = await add(store, conversation_id, f"w{worker} m{index}")
            assert message.id is not None
            ids.append(message.id)
            if index % 5 == 0:
                await store.search("m1")
                await store.list_conversations()
        return ids

    results = await asyncio.gather(
        *(writer(conversation_ids[worker % 5], worker) for worker in range(10))
    )
    all_ids = [message_id for ids in results for message_id in ids]
    assert len(set(all_ids)) == 200
    listed = await store.list_conversations()
    assert sorted(c.message_count for c in listed) == [40] * 5
    for position, conversation_id in enumerate(conversation_ids):
        messages = await store.messages(conversation_id)
        for worker in range(10):
            mine = [m.content for m in messages if m.content.startswith(f"w{worker} ")]
            wrote_here = worker % 5 == position
            assert mine == ([f"w{worker} m{index}" for index in range(20)] if wrote_here else [])


async def test_cancelled_calls_leave_the_store_usable(store: HistoryStore) -> None:
    conversation_id = await new_conversation(store)
    tasks = [asyncio.create_task(add(store, conversation_id, f"m{i}")) for i in range(50)]
    await asyncio.sleep(0)  # every call is queued on the thread
    for task in tasks[::2]:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    saved = {r.id for r in results if isinstance(r, Message)}
    assert len(saved) >= 25
    stored = {m.id for m in await store.messages(conversation_id)}
    assert saved <= stored  # a cancelled call either ran whole or not at all
    await add(store, conversation_id, "still works")
    assert len(await store.messages(conversation_id)) == len(stored) + 1


async def test_close_finishes_the_queued_work_first(db_path: Path) -> None:
    store = await HistoryStore.open(db_path)
    conversation_id = await new_conversation(store)
    pending = [asyncio.create_task(add(store, conversation_id, f"m{i}")) for i in range(20)]
    await asyncio.sleep(0)  # all queued before the close
    await store.close()
    assert len(await asyncio.gather(*pending)) == 20
    assert raw(db_path, "SELECT count(*) FROM messages") == [(20,)]


async def test_two_thousand_messages_load_without_blocking_the_loop(
    store: HistoryStore,
) -> None:
    conversation_id = await new_conversation(store)
    body = (
        "## Heading\n\nSome **markdown** text with a list:\n\n- one\n- two\n\n"
        "```python\nprint('hello')\n```\n"
    )
    for index in range(2000):
        await add(
            store,
            conversation_id,
            f"{index}: " + (body * 6)[:500],
            role="user" if index % 2 == 0 else "assistant",
            usage=None if index % 2 == 0 else Usage(completion_tokens=index),
            stats=None if index % 2 == 0 else ReplyStats(None, 0.5, index),
        )

    messages = await store.messages(conversation_id)
    assert len(messages) == 2000
    assert [m.content.split(":")[0] for m in messages[:3]] == ["0", "1", "2"]
    assert messages[1].usage == Usage(completion_tokens=1)

    # Nothing of the load runs on the event loop's thread: no SQLite call, no store code
    # turning rows into messages. Watched, not timed (a gap between heartbeats, compared with
    # the load's duration, failed on a loaded machine: the OS deschedules a thread for tens
    # of ms). How fast the load is is measured in benchmarks/bench_store.py.
    assert await store_calls_on_the_loop(lambda: store.messages(conversation_id)) == []


async def store_calls_on_the_loop(load: Callable[[], Awaitable[object]]) -> list[str]:
    """Await ``load()`` ``LOADS`` times; the store calls made meanwhile on this thread (the
    event loop's)."""
    on_the_loop: list[str] = []
    store_code = str(Path(HistoryStore.__module__.replace(".", "/")).parent)

    def watch(frame: FrameType, event: str, arg: object) -> None:
        if event == "c_call" and isinstance(
            getattr(arg, "__self__", None), (sqlite3.Connection, sqlite3.Cursor)
        ):
            on_the_loop.append(f"sqlite3 {getattr(arg, '__name__', arg)}")
        elif event == "call" and frame.f_code.co_name != "__init__":
            path = frame.f_code.co_filename
            if f"{store_code}/" in path and Path(path).name in ("queries.py", "records.py"):
                on_the_loop.append(f"{Path(path).name}:{frame.f_code.co_name}")

    previous = sys.getprofile()
    sys.setprofile(watch)  # this thread only
    try:
        for _ in range(LOADS):
            await load()
    finally:
        sys.setprofile(previous)
    return on_the_loop
