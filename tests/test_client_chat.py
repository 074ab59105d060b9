"""Chat completions through the real client against the loopback server, over real sockets."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from groq_tui.api import (
    ChatCompletion,
    GroqClient,
    InvalidRequestParameter,
)
from tests.loopback import LoopbackServer
from tests.loopback.wire import LIMIT_REQUESTS, LIMIT_TOKENS

MODEL = "llama-3.1-8b-instant"
USER = [{"role": "user", "content": "hello there"}]


@pytest.fixture
async def client(loopback: LoopbackServer) -> AsyncIterator[GroqClient]:
    async with GroqClient(api_key="test-key", base_url=loopback.base_url, max_retries=0) as c:
        yield c


async def test_plain_completion(client: GroqClient, loopback: LoopbackServer) -> None:
    reply = await client.chat.completions.create(model=MODEL, messages=USER)
    assert isinstance(reply, ChatCompletion)
    assert reply.text == "Echo: hello there"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None and reply.usage.completion_tokens > 0
    assert reply.usage.total_time is not None
    assert reply.request_id
    # The rate-limit headers, parsed: the loopback spends one request and the reply's tokens.
    limits = reply.rate_limits
    assert (limits.limit_requests, limits.limit_tokens) == (LIMIT_REQUESTS, LIMIT_TOKENS)
    assert limits.remaining_tokens == LIMIT_TOKENS - reply.usage.total_tokens
    assert limits.reset_tokens == pytest.approx(reply.usage.total_tokens / LIMIT_TOKENS * 60)
    again = await client.chat.completions.create(model=MODEL, messages=USER)
    assert limits.remaining_requests is not None
    assert again.rate_limits.remaining_requests == limits.remaining_requests - 1
    sent = loopback.requests[-1]
    assert sent.headers["authorization"] == "Bearer test-key"
    assert sent.json == {"model": MODEL, "messages": USER}


async def test_every_parameter_is_sent_as_given(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "weather in Oslo?", "name": "ann"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny", "name": "get_weather"},
    ]
    params: dict[str, Any] = {
        "frequency_penalty": 0.5,
        "presence_penalty": -0.5,
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 50,
        "n": 1,
        "seed": 42,
        "stop": ["END", "STOP"],
        "response_format": {"type": "json_object"},
        "tools": [tool],
        "tool_choice": "auto",
        "parallel_tool_calls": False,
        "user": "user-1",
        "logit_bias": {"1234": -10},
        "logprobs": True,
        "top_logprobs": 2,
    }
    await client.chat.completions.create(model=MODEL, messages=messages, **params)
    sent = loopback.requests[-1].json
    assert sent == {"model": MODEL, "messages": messages, **params}


async def test_streaming_with_every_stream_parameter(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    stream = await client.chat.completions.create(
        model=MODEL,
        messages=USER,
        stream=True,
        stream_options={"include_usage": True},
        seed=3,
    )
    pieces = [c.choices[0].delta.content async for c in stream if c.choices]
    assert "".join(p or "" for p in pieces) == "Echo: hello there"
    assert len([p for p in pieces if p]) > 1  # really streamed in pieces
    assert stream.text == "Echo: hello there"
    assert stream.completed
    assert stream.finish_reason == "stop"
    assert stream.usage is not None and stream.usage.completion_tokens > 0
    assert stream.rate_limits.remaining_requests is not None
    sent = loopback.requests[-1].json
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}


async def test_stream_usage_from_x_groq(client: GroqClient) -> None:
    stream = await client.chat.completions.create(model=MODEL, messages=USER, stream=True)
    await stream.until_done()
    assert stream.usage is not None
    assert stream.usage.prompt_tokens > 0
    assert stream.usage.completion_time is not None


async def test_max_tokens_and_stop(client: GroqClient, loopback: LoopbackServer) -> None:
    loopback.reply_text = "one two three four five six seven eight nine ten"
    short = await client.chat.completions.create(model=MODEL, messages=USER, max_tokens=2)
    assert short.choices[0].finish_reason == "length"
    assert len(short.text) < len(loopback.reply_text)
    stopped = await client.chat.completions.create(model=MODEL, messages=USER, stop="five")
    assert stopped.text.startswith("one two three four")
    assert "five" not in stopped.text


async def test_json_mode(client: GroqClient) -> None:
    reply = await client.chat.completions.create(
        model=MODEL, messages=USER, response_format={"type": "json_object"}
    )
    assert isinstance(json.loads(reply.text), dict)


@pytest.mark.parametrize("stream", [False, True])
async def test_tool_calls_are_assembled(client: GroqClient, stream: bool) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": name,
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
        for name in ("get_weather", "get_time")
    ]
    common: dict[str, Any] = {
        "model": MODEL,
        "messages": USER,
        "tools": tools,
        "tool_choice": "required",
        "parallel_tool_calls": True,
    }
    if stream:
        result = await client.chat.completions.create(stream=True, **common)
        await result.until_done()
        calls = result.tool_calls
        assert result.finish_reason == "tool_calls"
    else:
        reply = await client.chat.completions.create(**common)
        calls = reply.choices[0].message.tool_calls or []
        assert reply.choices[0].finish_reason == "tool_calls"
    assert [c.function.name for c in calls] == ["get_weather", "get_time"]
    for call in calls:
        assert call.id
        assert isinstance(json.loads(call.function.arguments), dict)


async def test_named_tool_choice(client: GroqClient, loopback: LoopbackServer) -> None:
    tools = [
        {"type": "function", "function": {"name": n, "parameters": {"type": "object"}}}
        for n in ("a", "b")
    ]
    choice = {"type": "function", "function": {"name": "b"}}
    stream = await client.chat.completions.create(
        model=MODEL, messages=USER, tools=tools, tool_choice=choice, stream=True
    )
    await stream.until_done()
    assert [c.function.name for c in stream.tool_calls] == ["b"]
    assert loopback.requests[-1].json["tool_choice"] == choice


async def test_deprecated_functions_are_sent_with_a_warning(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    functions = [{"name": "lookup", "parameters": {"type": "object", "properties": {}}}]
    with pytest.warns(DeprecationWarning, match="deprecated"):
        await client.chat.completions.create(
            model=MODEL, messages=USER, functions=functions, function_call={"name": "lookup"}
        )
    sent = loopback.requests[-1].json
    assert sent["functions"] == functions
    assert sent["function_call"] == {"name": "lookup"}


async def test_invalid_values_send_nothing(client: GroqClient, loopback: LoopbackServer) -> None:
    for bad in ({"temperature": 3}, {"n": 2}, {"stop": list("abcde")}, {"top_logprobs": 5}):
        with pytest.raises(InvalidRequestParameter):
            await client.chat.completions.create(model=MODEL, messages=USER, **bad)
    assert loopback.requests == []


async def test_unknown_parameter_is_a_type_error(client: GroqClient) -> None:
    with pytest.raises(TypeError, match="extra_body"):
        await client.chat.completions.create(model=MODEL, messages=USER, temprature=1)


async def test_extra_body_reaches_the_server(client: GroqClient, loopback: LoopbackServer) -> None:
    await client.chat.completions.create(
        model=MODEL, messages=USER, extra_body={"reasoning_format": "parsed"}
    )
    assert loopback.requests[-1].json["reasoning_format"] == "parsed"


async def test_no_key_sends_no_authorization(loopback: LoopbackServer) -> None:
    loopback_open = LoopbackServer(api_key=None)
    loopback_open.start()
    try:
        async with GroqClient(base_url=loopback_open.base_url) as c:
            reply = await c.chat.completions.create(model=MODEL, messages=USER)
        assert reply.text
        assert "authorization" not in loopback_open.requests[-1].headers
    finally:
        loopback_open.stop()


def test_repr_hides_the_key() -> None:
    client = GroqClient(api_key="gsk_secret_value", base_url="http://127.0.0.1:9/v1")
    assert "gsk_secret_value" not in repr(client)
