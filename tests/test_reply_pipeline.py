"""The one reply pipeline (services/reply.py) against the loopback server and a real SQLite file.

However a consumer stops reading, no reply is left STREAMING in the history: it is cancelled
at each of its own await points and at each of the pipeline's (store calls included), and it
closes the iterator after each event.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Literal

import pytest

from groq_tui.api import GroqClient
from groq_tui.domain import (
    Conversation,
    Message,
    MessageStatus,
    ReplyDelta,
    ReplyDone,
    ReplyEvent,
    ReplyFailed,
    ReplyStarted,
)
from groq_tui.services.chat import ChatService
from groq_tui.services.compare import ColumnDelta, ColumnDone, ColumnFailed, CompareRun
from groq_tui.services.export import compare_to_markdown
from groq_tui.services.reply import ReplyEnded, ReplyRequest, read_reply, saved_reply
from groq_tui.store import HistoryStore, StoreError
from tests.loopback import LoopbackServer, Reply

FAST = "llama-3.1-8b-instant"
DELTAS = 5
EVENTS = 1 + DELTAS + 1  # started, the deltas, done


class ObservedStore(HistoryStore):
    """The real store, announcing each write the pipeline makes as it starts it."""

    entered: asyncio.Queue[str]
    fail_checkpoints = False
    fail_updates = False

    async def add_message(self, message: Message) -> Message:
        self.entered.put_nowait("add_message")
        return await super().add_message(message)

    async def save_partial(self, message_id: int, content: str, reasoning: str = "") -> None:
        self.entered.put_nowait("save_partial")
        if self.fail_checkpoints:
            raise StoreError("disk full")
        await super().save_partial(message_id, content, reasoning)

    async def update_message(self, message: Message) -> None:
        self.entered.put_nowait("update_message")
        if self.fail_updates:
            raise StoreError("disk still full")
        await super().update_message(message)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[ObservedStore]:
    opened = await ObservedStore.open(tmp_path / "history.db")
    opened.entered = asyncio.Queue()
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def client(loopback: LoopbackServer) -> AsyncIterator[GroqClient]:
    async with GroqClient(api_key="test-key", base_url=loopback.base_url, max_retries=0) as opened:
        yield opened


async def statuses(store: HistoryStore, conversation_id: int | None) -> list[MessageStatus]:
    assert conversation_id is not None
    return [m.status for m in await store.messages(conversation_id) if m.role == "assistant"]


async def start_turn(service: ChatService) -> tuple[Conversation, list[Message]]:
    conversation = Conversation(title="", model=FAST)
    return conversation, [await service.add_user_message(conversation, "hello")]


Stop = Literal["aclose", "cancel_in_own_work", "cancel_in_pipeline"]


@pytest.mark.parametrize("how", ["aclose", "cancel_in_own_work", "cancel_in_pipeline"])
@pytest.mark.parametrize("after", range(EVENTS))
async def test_stopping_after_any_event_leaves_no_reply_streaming(
    loopback: LoopbackServer, client: GroqClient, store: ObservedStore, how: Stop, after: int
) -> None:
    loopback.enqueue(Reply.stream_chunks(DELTAS, rate=100))
    service = ChatService(client, store)
    conversation, history = await start_turn(service)
    received: list[ReplyEvent] = []
    reached = asyncio.Event()

    async def consume() -> None:
        async with contextlib.aclosing(service.reply(conversation, history)) as events:
            async for event in events:
                received.append(event)
                if len(received) - 1 != after:
                    continue
                if how == "aclose":
                    return  # leaving the block closes the iterator
                reached.set()
                if how == "cancel_in_own_work":
                    await asyncio.Event().wait()  # e.g. the screen mounting the reply's view

    consumer = asyncio.create_task(consume())
    if how != "aclose":
        await reached.wait()
        consumer.cancel()
    await asyncio.gather(consumer, return_exceptions=True)

    last = received[-1]
    ended = isinstance(last, ReplyDone)
    assert await statuses(store, conversation.id) == [
        MessageStatus.COMPLETE if ended else MessageStatus.STOPPED
    ]
    started = received[0]
    assert isinstance(started, ReplyStarted)
    saved = started.message
    delivered = "".join(e.text for e in received if isinstance(e, ReplyDelta))
    # Stopped replies keep their figures too, once some text came.
    assert (saved.stats is not None) is bool(delivered or ended)
    [row] = [m for m in await store.messages(conversation.id or 0) if m.role == "assistant"]
    assert row.content.startswith(delivered) and row.stats == saved.stats


@pytest.mark.parametrize("stream", [True, False])
async def test_the_request_goes_out_while_the_consumer_shows_the_reply(
    loopback: LoopbackServer, client: GroqClient, store: ObservedStore, stream: bool
) -> None:
    # The reply's first text waits for the server, not for the consumer's work on
    # ReplyStarted (the chat screen mounts the reply's view then) nor for the row's write.
    service = ChatService(client, store)
    conversation, history = await start_turn(service)
    conversation.parameters.stream = stream
    async with contextlib.aclosing(service.reply(conversation, history)) as events:
        started = await anext(events)
        assert isinstance(started, ReplyStarted)
        deadline = time.monotonic() + 10
        while not loopback.requests:  # the consumer is still busy with ReplyStarted
            assert time.monotonic() < deadline, "no request until the consumer asked for more"
            await asyncio.sleep(0.01)
        rest = [event async for event in events]
    assert len(loopback.requests) == 1
    done = rest[-1]
    assert isinstance(done, ReplyDone) and done.message.content == "Echo: hello"
    assert await statuses(store, conversation.id) == [MessageStatus.COMPLETE]


@pytest.mark.parametrize("call", range(2 + DELTAS))
async def test_cancelled_during_any_store_write_leaves_no_reply_streaming(
    loopback: LoopbackServer, client: GroqClient, store: ObservedStore, call: int
) -> None:
    """Writes: the STREAMING row, a checkpoint per delta (every one here), the final state."""
    loopback.enqueue(Reply.stream_chunks(DELTAS, rate=100))
    service = ChatService(client, store)
    conversation, history = await start_turn(service)
    while not store.entered.empty():
        store.entered.get_nowait()
    draft = Message(
        role="assistant",
        content="",
        conversation_id=conversation.id,
        model=FAST,
        status=MessageStatus.STREAMING,
    )
    request = ReplyRequest(FAST, [m.to_api() for m in history])

    async def consume() -> None:
        events = saved_reply(client, store, request, draft, checkpoint_seconds=0)
        async with contextlib.aclosing(events):
            async for _ in events:
                pass

    consumer = asyncio.create_task(consume())
    for _ in range(call + 1):
        write = await store.entered.get()
    consumer.cancel()
    await asyncio.gather(consumer, return_exceptions=True)
    [status] = await statuses(store, conversation.id)
    expected = MessageStatus.COMPLETE if write == "update_message" else MessageStatus.STOPPED
    assert status is expected


@pytest.mark.parametrize("final_save_fails", [False, True])
async def test_a_failing_checkpoint_stops_the_saving_not_the_reply(
    loopback: LoopbackServer, client: GroqClient, store: ObservedStore, final_save_fails: bool
) -> None:
    """A full disk mid-reply: the reply streams on whole, and its end says once that it was
    not saved (unless the final save found room after all), instead of raising."""
    loopback.enqueue(Reply.stream_chunks(DELTAS, rate=100))
    service = ChatService(client, store)
    conversation, history = await start_turn(service)
    store.fail_checkpoints = True
    store.fail_updates = final_save_fails
    draft = Message(
        "assistant", "", conversation_id=conversation.id, status=MessageStatus.STREAMING
    )
    request = ReplyRequest(FAST, [m.to_api() for m in history])
    events = saved_reply(client, store, request, draft, checkpoint_seconds=0)
    async with contextlib.aclosing(events):
        seen = [event async for event in events]
    assert sum(isinstance(event, ReplyDelta) for event in seen) == DELTAS
    done = seen[-1]
    assert isinstance(done, ReplyDone) and done.message.status is MessageStatus.COMPLETE
    [reply] = [m for m in await store.messages(conversation.id or 0) if m.role == "assistant"]
    if final_save_fails:
        assert done.not_saved == "disk still full"
        # What the disk took last: the STREAMING row, marked interrupted by the next start.
        assert (reply.status, reply.content) == (MessageStatus.STREAMING, "")
    else:
        assert done.not_saved is None
        assert (reply.status, reply.content) == (MessageStatus.COMPLETE, done.message.content)


async def test_a_consumer_that_raises_leaves_its_reply_stopped(
    loopback: LoopbackServer, client: GroqClient, store: ObservedStore
) -> None:
    loopback.enqueue(Reply.stream_chunks(DELTAS, rate=100))
    service = ChatService(client, store)
    conversation, history = await start_turn(service)
    with pytest.raises(RuntimeError, match="view broke"):
        async with contextlib.aclosing(service.reply(conversation, history)) as events:
            async for event in events:
                if isinstance(event, ReplyDelta):
                    raise RuntimeError("view broke")
    assert await statuses(store, conversation.id) == [MessageStatus.STOPPED]


# -- the pure iterator -----------------------------------------------------------------------


async def read_all(client: GroqClient, request: ReplyRequest) -> tuple[str, ReplyEnded]:
    text: list[str] = []
    async with contextlib.aclosing(read_reply(client, request)) as events:
        async for event in events:
            if isinstance(event, ReplyDelta):
                text.append(event.text)
            else:
                return "".join(text), event
    raise AssertionError("no ReplyEnded")


@pytest.mark.parametrize("stream", [True, False])
async def test_a_complete_reply_brings_its_usage_whole(
    loopback: LoopbackServer, client: GroqClient, stream: bool
) -> None:
    request = ReplyRequest(FAST, [{"role": "user", "content": "hi"}], stream=stream)
    text, ended = await read_all(client, request)
    assert ended.status is MessageStatus.COMPLETE and ended.error is None
    assert text == ended.content == "Echo: hi"
    usage = ended.usage
    assert usage is not None and usage.completion_tokens > 0 and usage.total_time is not None
    assert usage.queue_time is not None and usage.prompt_time is not None
    assert ended.stats.completion_tokens == usage.completion_tokens
    assert ended.remaining_requests is not None
    assert (ended.completion is None) is stream


async def test_the_servers_unknown_usage_fields_are_kept(
    loopback: LoopbackServer, client: GroqClient
) -> None:
    body = {
        "id": "c",
        "object": "chat.completion",
        "model": FAST,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
        "usage": {
            "prompt_tokens": 3,
            "completion_tokens": 1,
            "total_tokens": 4,
            "queue_time": 0.5,
            "prompt_tokens_details": {"cached_tokens": 2},
        },
    }
    loopback.enqueue(Reply.json(200, body))
    request = ReplyRequest(FAST, [{"role": "user", "content": "hi"}], stream=False)
    _, ended = await read_all(client, request)
    assert ended.usage is not None and ended.usage.queue_time == 0.5
    assert dict(ended.usage.extra) == {"prompt_tokens_details": {"cached_tokens": 2}}


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        (Reply.fault("reset_mid_stream", after_chunks=3), MessageStatus.INTERRUPTED),
        (Reply.rate_limited(retry_after=7), MessageStatus.FAILED),
    ],
)
async def test_failures_end_the_reply_instead_of_raising(
    loopback: LoopbackServer, client: GroqClient, reply: Reply, status: MessageStatus
) -> None:
    loopback.enqueue(reply)
    request = ReplyRequest(FAST, [{"role": "user", "content": "hi"}])
    text, ended = await read_all(client, request)
    assert ended.status is status and ended.error is not None
    assert ended.content == text
    if status is MessageStatus.FAILED:
        assert ended.retry_after == 7


async def test_a_failed_reply_is_saved_failed_with_its_reason(
    loopback: LoopbackServer, client: GroqClient, store: ObservedStore
) -> None:
    loopback.enqueue(Reply.rate_limited(retry_after=7))
    service = ChatService(client, store)
    conversation, history = await start_turn(service)
    async with contextlib.aclosing(service.reply(conversation, history)) as events:
        last = [event async for event in events][-1]
    assert isinstance(last, ReplyFailed) and last.retry_after == 7
    [reply] = [m for m in await store.messages(conversation.id or 0) if m.role == "assistant"]
    assert reply.status is MessageStatus.FAILED and reply.error == last.error
    assert "wait 7s" in last.error


# -- compare -------------------------------------------------------------------------------------


@pytest.mark.parametrize("after", range(6))
async def test_stopping_a_comparison_after_any_event_leaves_no_reply_streaming(
    loopback: LoopbackServer, client: GroqClient, store: ObservedStore, after: int
) -> None:
    loopback.enqueue(Reply.stream_chunks(40, rate=200), Reply.stream_chunks(40, rate=200))
    run = CompareRun(client, store, [FAST, "llama-3.3-70b-versatile"])
    turn = await run.add_prompt("hello")
    seen: list[Any] = []
    async with contextlib.aclosing(run.run_turn(turn)) as events:
        async for event in events:
            seen.append(event)
            if len(seen) > after:
                break
    messages = await store.messages(run.conversation.id or 0)
    replies = [m for m in messages if m.role == "assistant"]
    assert MessageStatus.STREAMING not in [m.status for m in replies]
    assert all(m.column in (0, 1) for m in replies)
    for reply in replies:
        assert (reply.stats is not None) is bool(reply.content)


async def test_a_stopped_column_keeps_its_figures_when_reopened(
    loopback: LoopbackServer, client: GroqClient, store: ObservedStore
) -> None:
    loopback.enqueue(Reply.stream_chunks(400, rate=100))
    run = CompareRun(client, store, [FAST, "llama-3.3-70b-versatile"])
    turn = await run.add_prompt("hello")
    done: set[int] = set()
    stopped: set[int] = set()
    async with contextlib.aclosing(run.run_turn(turn)) as events:
        async for event in events:
            if isinstance(event, ColumnDone):
                done.add(event.column)
            elif isinstance(event, ColumnDelta) and done and event.column not in done:
                if event.deltas >= 3 and not stopped:  # the slow one, with some text
                    run.stop_column(event.column)
                    stopped.add(event.column)
            elif isinstance(event, ColumnFailed):
                assert event.stopped and event.column in stopped
    [slow] = stopped
    conversation = await store.get_conversation(run.conversation.id or 0)
    assert conversation is not None
    assert conversation.models == [FAST, "llama-3.3-70b-versatile"]
    reopened = CompareRun.from_saved(
        client, store, conversation, await store.messages(conversation.id or 0)
    )
    reply = reopened.columns[slow].replies[0]
    assert reply.status is MessageStatus.STOPPED and reply.content
    assert reply.stats is not None and reply.stats.completion_tokens > 0
    assert reply.stats.time_to_first_token is not None
    [row] = [line for line in compare_to_markdown(reopened).splitlines() if "| stopped |" in line]
    ttft, tps, tokens = [cell.strip() for cell in row.split("|")[2:5]]
    assert "-" not in (ttft, tps, tokens)  # the stopped column's figures are exported


async def test_compare_columns_on_a_full_disk_stream_on_and_say_not_saved(
    loopback: LoopbackServer, client: GroqClient, store: ObservedStore
) -> None:
    run = CompareRun(client, store, [FAST, "llama-3.3-70b-versatile"])
    turn = await run.add_prompt("hello")
    store.fail_checkpoints = store.fail_updates = True  # the disk fills after the prompt
    ends: list[ColumnDone | ColumnFailed] = []
    async with contextlib.aclosing(run.run_turn(turn)) as events:
        async for event in events:
            if isinstance(event, ColumnDone | ColumnFailed):
                ends.append(event)
    assert sorted(end.column for end in ends) == [0, 1]
    for end in ends:
        assert isinstance(end, ColumnDone) and end.message.content.startswith("Echo: hello")
        assert end.not_saved == "disk still full"
