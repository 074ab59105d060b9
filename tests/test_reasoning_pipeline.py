"""Reasoning through the one reply pipeline: read, saved, reopened, searched, exported.

Against the loopback server (gpt-oss, qwen3 and compound shapes) and a real SQLite file;
the schema 3 migration against the schema 1 fixture upgraded through schema 2.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from groq_tui.api import GroqClient
from groq_tui.domain import (
    ChatParameters,
    Conversation,
    Message,
    MessageStatus,
    ReplyDelta,
    ReplyDone,
    ReplyEvent,
    ReplyParameters,
    ReplyReasoning,
    ReplyStats,
)
from groq_tui.services.chat import ChatService, request_messages
from groq_tui.services.export import to_json, to_markdown
from groq_tui.services.reply import ReplyEnded, ReplyRequest, read_reply
from groq_tui.store import SCHEMA_VERSION, HistoryStore
from groq_tui.store.migrations import MIGRATIONS, migrate
from tests.loopback import LoopbackServer, Reply

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_V1 = Path(__file__).parent / "fixtures" / "history-v1.sqlite3"
GPT_OSS, QWEN, COMPOUND = "openai/gpt-oss-20b", "qwen/qwen3-32b", "groq/compound"
USER = [{"role": "user", "content": "hello there"}]
THOUGHT = 'The user says: "hello there"'


@pytest.fixture
async def client(loopback: LoopbackServer) -> AsyncIterator[GroqClient]:
    async with GroqClient(api_key="test-key", base_url=loopback.base_url, max_retries=0) as opened:
        yield opened


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[HistoryStore]:
    opened = await HistoryStore.open(tmp_path / "history.db")
    try:
        yield opened
    finally:
        await opened.close()


async def read_all(
    client: GroqClient, model: str, *, stream: bool = True, **extra: Any
) -> tuple[list[ReplyReasoning | ReplyDelta], ReplyEnded]:
    request = ReplyRequest(model, USER, ReplyParameters(extra=extra), stream=stream)
    pieces: list[ReplyReasoning | ReplyDelta] = []
    async with contextlib.aclosing(read_reply(client, request)) as events:
        async for event in events:
            if isinstance(event, ReplyEnded):
                return pieces, event
            pieces.append(event)
    raise AssertionError("read_reply ends with ReplyEnded")


def joined(pieces: Sequence[ReplyReasoning | ReplyDelta], kind: type) -> str:
    return "".join(piece.text for piece in pieces if isinstance(piece, kind))


# -- read_reply --------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [GPT_OSS, QWEN])
async def test_reasoning_comes_first_as_its_own_events_and_never_in_the_answer(
    client: GroqClient, model: str
) -> None:
    pieces, ended = await read_all(client, model, stream_options={"include_usage": True})
    kinds = [type(piece) for piece in pieces]
    first_answer = kinds.index(ReplyDelta)
    assert kinds[:first_answer] == [ReplyReasoning] * first_answer and first_answer > 1
    assert ReplyReasoning not in kinds[first_answer:]
    assert joined(pieces, ReplyDelta) == ended.content == "Echo: hello there"
    assert joined(pieces, ReplyReasoning) == ended.reasoning
    assert ended.reasoning.startswith(THOUGHT) and "<think>" not in ended.reasoning
    assert ended.stats.thinking_time is not None and ended.stats.answering_time is not None
    assert ended.stats.time_to_first_token is not None
    assert ended.service_tier == "on_demand" and ended.usage is not None
    if model == GPT_OSS:  # qwen3's <think> content comes without token details (060, 054)
        assert ended.usage.reasoning_tokens == first_answer


async def test_raw_asked_explicitly_keeps_the_content_as_sent(client: GroqClient) -> None:
    pieces, ended = await read_all(client, QWEN, reasoning_format="raw")
    assert not any(isinstance(piece, ReplyReasoning) for piece in pieces)
    assert ended.reasoning == ""
    assert ended.content.startswith("<think>\n" + THOUGHT)
    assert ended.content.endswith("</think>\n\nEcho: hello there")


@pytest.mark.parametrize("model", [GPT_OSS, QWEN])
async def test_a_reply_not_streamed_splits_the_same_and_has_no_ttft(
    client: GroqClient, model: str
) -> None:
    pieces, ended = await read_all(client, model, stream=False)
    assert [type(piece) for piece in pieces] == [ReplyReasoning, ReplyDelta]
    assert ended.reasoning.startswith(THOUGHT) and ended.content == "Echo: hello there"
    assert ended.stats.time_to_first_token is None and ended.stats.tokens_per_second is None
    assert "TTFT" not in ended.stats.summary() and "tok/s" not in ended.stats.summary()


@pytest.mark.parametrize("stream", [True, False])
async def test_a_compound_reply_brings_its_executed_tools(client: GroqClient, stream: bool) -> None:
    _, ended = await read_all(
        client, COMPOUND, stream=stream, search_settings={"include_domains": ["arxiv.org"]}
    )
    [tool] = ended.executed_tools
    assert tool.type and tool.sources
    assert all(source.url.startswith("https://arxiv.org/") for source in tool.sources)
    assert tool.data["search_results"]["results"][0]["url"] == tool.sources[0].url


async def test_the_content_path_of_a_model_that_does_not_reason_is_unchanged(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.enqueue(Reply.stream_chunks(50))
    pieces, ended = await read_all(client, "llama-3.1-8b-instant")
    assert all(isinstance(piece, ReplyDelta) for piece in pieces) and len(pieces) == 50
    assert ended.reasoning == "" and ended.stats.thinking_time is None


# -- saved, reopened, searched, exported -------------------------------------------------------


async def chat_turn(service: ChatService, model: str, prompt: str) -> list[ReplyEvent]:
    conversation = Conversation(title="", model=model)
    history = [await service.add_user_message(conversation, prompt)]
    async with contextlib.aclosing(service.reply(conversation, history)) as events:
        return [event async for event in events]


async def test_reasoning_is_saved_reopened_and_found_by_search(
    client: GroqClient, tmp_path: Path
) -> None:
    path = tmp_path / "history.db"
    async with await HistoryStore.open(path) as store:
        events = await chat_turn(ChatService(client, store), COMPOUND, "what is new today")
    done = events[-1]
    assert isinstance(done, ReplyDone)
    assert done.message.reasoning and done.message.executed_tools
    async with await HistoryStore.open(path) as store:
        [hit] = await store.search("prefixed", per_conversation=None)  # only in the reasoning
        assert hit.message_id == done.message.id and "[prefixed]" in hit.snippet
        [_, reply] = await store.messages(hit.conversation_id)
    assert reply.reasoning == done.message.reasoning
    assert reply.executed_tools == done.message.executed_tools
    assert reply.service_tier == done.message.service_tier and reply.stats == done.message.stats
    assert reply.stats is not None and reply.stats.thinking_time is not None
    assert reply.usage is not None and reply.usage.reasoning_tokens


async def test_later_turns_do_not_send_the_reasoning_back(
    client: GroqClient, store: HistoryStore, loopback: LoopbackServer
) -> None:
    service = ChatService(client, store)
    conversation = Conversation(title="", model=QWEN)
    conversation.parameters = ChatParameters(reasoning_format="raw")
    history = [await service.add_user_message(conversation, "first")]
    async with contextlib.aclosing(service.reply(conversation, history)) as events:
        history += [e.message async for e in events if isinstance(e, ReplyDone)]
    assert history[-1].content.startswith("<think>")  # raw: kept as sent
    history.append(await service.add_user_message(conversation, "second"))
    conversation.parameters = ChatParameters()
    async with contextlib.aclosing(service.reply(conversation, history)) as events:
        history += [e.message async for e in events if isinstance(e, ReplyDone)]
    assert history[-1].reasoning
    sent = loopback.requests[-1].json["messages"]
    assert sent[1] == {"role": "assistant", "content": "Echo: first"}
    assert all("reasoning" not in message for message in sent)
    history.append(Message("user", "third"))
    assert request_messages(ChatParameters(), history)[3] == {
        "role": "assistant",
        "content": "Echo: second",
    }


async def test_exports_carry_the_reasoning_and_the_sources(
    client: GroqClient, store: HistoryStore
) -> None:
    service = ChatService(client, store)
    events = await chat_turn(service, COMPOUND, "what is new today")
    message = events[-1].message  # type: ignore[union-attr]
    opened = await service.open(message.conversation_id)
    assert opened is not None
    conversation, messages = opened
    markdown = to_markdown(conversation, messages)
    details = markdown.index("<details><summary>Reasoning</summary>")
    assert details < markdown.index(message.reasoning.strip()[:40]) < markdown.index("Echo:")
    assert markdown.index("</details>") < markdown.index("Echo:")
    source = message.executed_tools[0].sources[0]
    assert f"]({source.url})" in markdown
    [_, reply] = json.loads(to_json(conversation, messages))["messages"]
    assert reply["reasoning"] == message.reasoning
    assert reply["service_tier"] == message.service_tier
    assert reply["executed_tools"][0]["search_results"]["results"][0]["url"] == source.url


# -- kill -9 while the model thinks ------------------------------------------------------------

KILLED_WHILE_THINKING = """
import asyncio, sys
from pathlib import Path
from groq_tui.api import GroqClient
from groq_tui.domain import Conversation, Message, MessageStatus, ReplyReasoning
from groq_tui.services.reply import ReplyRequest, saved_reply
from groq_tui.store import HistoryStore

async def main() -> None:
    store = await HistoryStore.open(Path(sys.argv[1]))
    conversation = await store.create_conversation(Conversation("killed", "m"))
    draft = Message("assistant", "", conversation_id=conversation.id,
                    status=MessageStatus.STREAMING)
    request = ReplyRequest("loopback-reasoning-40", [{"role": "user", "content": "hi"}])
    async with GroqClient(api_key="test-key", base_url=sys.argv[2], max_retries=0) as client:
        seen = 0
        async for event in saved_reply(client, store, request, draft, checkpoint_seconds=0):
            seen += isinstance(event, ReplyReasoning)
            if seen == 6:  # the checkpoint of the 5th is written before the 6th comes
                print("thinking", flush=True)
                await asyncio.Event().wait()

asyncio.run(main())
"""


async def test_a_kill_while_the_model_thinks_keeps_the_reasoning(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    path = tmp_path / "history.db"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", KILLED_WHILE_THINKING, str(path), loopback.base_url,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGKILL)
        _, errors = await process.communicate()
    assert line.strip() == b"thinking", errors.decode()
    async with await HistoryStore.open(path) as store:
        assert store.recovered_count == 1
        [conversation] = await store.list_conversations()
        [reply] = await store.messages(conversation.id)
    assert reply.status is MessageStatus.INTERRUPTED and reply.content == ""
    assert len(reply.reasoning) > 10


# -- schema 3 over an old history --------------------------------------------------------------


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


async def test_migration_3_keeps_a_schema_2_history_whole_and_searchable(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    shutil.copyfile(FIXTURE_V1, path)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        assert migrate(connection, path, MIGRATIONS[:2]) == 2
    finally:
        connection.close()
    columns = "id, conversation_id, role, content, model, status, tool_calls, usage, stats"
    before = rows(path, f"SELECT {columns} FROM messages ORDER BY id")
    word = before[0][3].split()[0]
    async with await HistoryStore.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 3
        found = await store.search(word, limit=100, per_conversation=None)
        conversations = {row[1] for row in before}
        loaded = [m for c in sorted(conversations) for m in await store.messages(c)]
        assert len(loaded) == len(before)
        assert all(m.reasoning == "" and m.executed_tools == () for m in loaded)
        reply = next(m for m in loaded if m.role == "assistant")
        assert reply.id is not None
        reply.reasoning = "pondering zebras before answering"
        reply.stats = ReplyStats(0.1, 1.0, 5, thinking_time=0.4)
        await store.update_message(reply)
        [hit] = await store.search("zebras")
        assert hit.message_id == reply.id
    after = rows(path, f"SELECT {columns} FROM messages ORDER BY id")
    changed = {reply.id}
    assert [r for r in after if r[0] not in changed] == [r for r in before if r[0] not in changed]
    assert {hit.message_id for hit in found} >= {
        row[0] for row in before if word.lower() in row[3].lower().split()
    }
    assert rows(path, "SELECT count(*) FROM messages_fts")[0][0] == len(before)


def sse_of(contents: Sequence[str], *, finish: bool = True) -> str:
    events = []
    for index, content in enumerate([None, *contents]):
        delta = {"role": "assistant", "content": ""} if content is None else {"content": content}
        last = finish and index == len(contents)
        chunk = {
            "id": "c1",
            "object": "chat.completion.chunk",
            "model": "deepseek-r1-distill-llama-70b",
            "choices": [{"index": 0, "delta": delta, "finish_reason": "stop" if last else None}],
        }
        events.append(f"data: {json.dumps(chunk)}\n\n")
    return "".join(events) + "data: [DONE]\n\n"


@pytest.mark.parametrize(
    ("contents", "reasoning", "answer"),
    [
        (["<thi", "nk>\nponder", "ing", "</th", "ink>\n\nThe ", "answer"], "pondering",
         "The answer"),
        (["\n<think>", "still thinking when it stopped"], "still thinking when it stopped", ""),
        (["<thi"], "", "<thi"),
        (["I say <think> mid-answer"], "", "I say <think> mid-answer"),
    ],
)  # fmt: skip
async def test_think_tags_cut_across_deltas_are_still_taken_out(
    client: GroqClient,
    loopback: LoopbackServer,
    contents: list[str],
    reasoning: str,
    answer: str,
) -> None:
    loopback.enqueue(Reply.sse(sse_of(contents)))
    pieces, ended = await read_all(client, "deepseek-r1-distill-llama-70b")
    assert (ended.reasoning, ended.content) == (reasoning, answer)
    assert joined(pieces, ReplyReasoning) == reasoning and joined(pieces, ReplyDelta) == answer
    assert ended.status is MessageStatus.COMPLETE
