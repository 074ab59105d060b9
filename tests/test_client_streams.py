"""Streams: event-stream framing by the HTML standard's rules, and every fault mode.

Each fault is produced by the loopback server on a real socket; the client must deliver
what arrived before it, then raise the right error.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from groq_tui.api import (
    APIResponseError,
    ChatStream,
    GroqClient,
    StreamError,
    StreamInterrupted,
    StreamTimeout,
)
from tests.loopback import LoopbackServer, Reply

MODEL = "llama-3.1-8b-instant"
USER = [{"role": "user", "content": "hi"}]


def chunk(content: str | None = None, finish: str | None = None, **extra: object) -> str:
    delta = {} if content is None else {"content": content}
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **extra,
    }
    return json.dumps(body)


USAGE = {
    "x_groq": {
        "id": "req_1",
        "usage": {
            "prompt_tokens": 3,
            "completion_tokens": 2,
            "total_tokens": 5,
            "total_time": 0.01,
        },
    }
}


@pytest.fixture
async def client(loopback: LoopbackServer) -> AsyncIterator[GroqClient]:
    async with GroqClient(
        api_key="test-key", base_url=loopback.base_url, max_retries=0, timeout=5
    ) as c:
        yield c


async def open_stream(client: GroqClient) -> ChatStream:
    return await client.chat.completions.create(model=MODEL, messages=USER, stream=True)


async def collect(stream: ChatStream) -> list[str]:
    return [c.choices[0].delta.content or "" async for c in stream if c.choices]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("chunk_size", [None, 1, 7])
async def test_line_endings_and_network_splits(
    client: GroqClient, loopback: LoopbackServer, newline: str, chunk_size: int | None
) -> None:
    events = [chunk("Hel"), chunk("lo"), chunk(None, "stop", **USAGE), "[DONE]"]
    body = "".join(f"data: {e}{newline}{newline}" for e in events)
    loopback.enqueue(Reply.sse(body, chunk_size=chunk_size))
    stream = await open_stream(client)
    assert "".join(await collect(stream)) == "Hello"
    assert stream.completed
    assert stream.usage is not None and stream.usage.total_tokens == 5


async def test_comments_other_fields_no_space_and_empty_events(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    body = (
        ": keep-alive comment\n\n"
        "retry: 1000\nid: 7\nevent: message\n"
        f"data:{chunk('A')}\n\n"  # no space after the colon
        "event: ping\n\n"  # an event with no data is not dispatched
        "data\n\n"  # a bare field name: empty data, ignored
        "foo: bar\n"
        f"data: {chunk('B')}\n\n"
        # one JSON object spread over two data lines (joined by a newline: still valid JSON)
        f"data: {chunk('C')[:20]}\ndata: {chunk('C')[20:]}\n\n"
        f"data: {chunk(None, 'stop')}\n\n"
        "data: [DONE]\n\n"
    )
    loopback.enqueue(Reply.sse(body))
    stream = await open_stream(client)
    assert await collect(stream) == ["A", "B", "C", ""]
    assert stream.completed


async def test_finish_reason_without_done_is_complete(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.enqueue(Reply.sse(f"data: {chunk('x')}\n\ndata: {chunk(None, 'length')}\n\n"))
    stream = await open_stream(client)
    assert await collect(stream) == ["x", ""]
    assert stream.finish_reason == "length"


async def test_end_without_done_or_finish_is_interrupted(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.enqueue(Reply.fault("no_done", after_chunks=3))
    stream = await open_stream(client)
    got: list[str] = []
    with pytest.raises(StreamInterrupted) as info:
        async for c in stream:
            got.append(c.choices[0].delta.content or "" if c.choices else "")
    assert len(got) == 3  # everything that arrived was delivered first
    assert info.value.partial_text == stream.text
    assert not stream.completed


async def test_reset_mid_stream(client: GroqClient, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.fault("reset_mid_stream", after_chunks=4))
    stream = await open_stream(client)
    got = 0
    with pytest.raises(StreamInterrupted, match="connection broke|ended before"):
        async for _ in stream:
            got += 1
    assert got == 4
    assert len(loopback.requests) == 1  # never retried once content was delivered


async def test_stall_mid_stream_times_out(loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.fault("stall_mid_stream", after_chunks=2, stall_seconds=5))
    async with GroqClient(
        api_key="test-key", base_url=loopback.base_url, max_retries=2, timeout=0.5
    ) as c:
        stream = await open_stream(c)
        got = 0
        with pytest.raises(StreamTimeout) as info:
            async for _ in stream:
                got += 1
    assert got == 2
    assert info.value.partial_text == stream.text
    assert len(loopback.requests) == 1


async def test_malformed_event(client: GroqClient, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.fault("malformed_event", after_chunks=2))
    stream = await open_stream(client)
    got = 0
    with pytest.raises(APIResponseError, match="malformed"):
        async for _ in stream:
            got += 1
    assert got == 2


@pytest.mark.parametrize("kind", ["error_event", "error_in_data"])
async def test_error_inside_stream(client: GroqClient, loopback: LoopbackServer, kind: str) -> None:
    loopback.enqueue(Reply.fault(kind, after_chunks=3))
    stream = await open_stream(client)
    got = 0
    with pytest.raises(StreamError) as info:
        async for _ in stream:
            got += 1
    assert got == 3
    assert info.value.message
    assert info.value.error_type


async def test_breaking_out_closes_the_connection(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.enqueue(Reply.stream_chunks(500, rate=200))
    stream = await open_stream(client)
    async with stream:
        async for _ in stream:
            break
    assert stream._response.is_closed


async def test_cancelling_the_task_closes_the_connection(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.enqueue(Reply.stream_chunks(500, rate=100))
    stream = await open_stream(client)
    received = asyncio.Event()

    async def consume() -> None:
        async for _ in stream:
            received.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(received.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stream._response.is_closed
    # The pool is free again: the next request goes straight through.
    reply = await client.chat.completions.create(model=MODEL, messages=USER)
    assert reply.text


async def test_long_stream_is_complete(client: GroqClient, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.stream_chunks(2000))
    stream = await open_stream(client)
    pieces = await collect(stream)
    assert len([p for p in pieces if p]) == 2000
    assert stream.completed and stream.usage is not None
