"""The official ``groq`` SDK, pointed at the loopback server, sees what it sees live.

If the SDK Groq publishes parses our responses, maps our errors to its exception types and
retries where it would retry live, the server is a faithful stand-in for the real API. The
SDK appends ``/openai/v1/...`` itself, so it gets the server's origin, not ``base_url``.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import groq
import httpx
import numpy as np
import pytest
import soundfile as sf
from groq import AsyncGroq, Groq

from tests.loopback import LoopbackServer, Reply

MODEL = "llama-3.1-8b-instant"
USER: list[Any] = [{"role": "user", "content": "hello there"}]


@pytest.fixture
def client(loopback: LoopbackServer) -> Iterator[Groq]:
    with Groq(api_key="test-key", base_url=loopback.origin, max_retries=0) as sdk:
        yield sdk


@pytest.fixture
async def async_client(loopback: LoopbackServer) -> AsyncIterator[AsyncGroq]:
    async with AsyncGroq(api_key="test-key", base_url=loopback.origin, max_retries=0) as sdk:
        yield sdk


def flac() -> bytes:
    buffer = io.BytesIO()
    samples = (0.2 * np.sin(np.arange(24000) / 16000 * 2 * np.pi * 220)).astype(np.float32)
    sf.write(buffer, samples, 16000, format="FLAC")
    return buffer.getvalue()


# -- chat --------------------------------------------------------------------------------------


def test_chat_completion_parses(client: Groq, loopback: LoopbackServer) -> None:
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=USER, seed=5)
    completion = raw.parse()
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.content == "Echo: hello there"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_time is not None
    assert completion.x_groq is not None
    assert completion.x_groq.id == raw.headers["x-request-id"]
    assert completion.x_groq.seed == 5
    assert completion.service_tier == "on_demand"
    assert loopback.requests[-1].headers["authorization"] == "Bearer test-key"
    assert loopback.requests[-1].headers["user-agent"].startswith("Groq/Python")


async def test_async_stream_with_x_groq_usage(async_client: AsyncGroq) -> None:
    stream = await async_client.chat.completions.create(model=MODEL, messages=USER, stream=True)
    received = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in received if c.choices)
    assert text == "Echo: hello there"
    assert received[0].choices[0].delta.role == "assistant"
    last = received[-1]
    assert last.choices[0].finish_reason == "stop"
    assert last.x_groq is not None and last.x_groq.usage is not None
    assert last.x_groq.usage.completion_tokens == len(received) - 2
    assert last.usage is None


def test_sync_stream_with_include_usage(client: Groq) -> None:
    stream = client.chat.completions.create(
        model=MODEL,
        messages=USER,
        stream=True,
        extra_body={"stream_options": {"include_usage": True}},  # not a declared SDK param
    )
    received = list(stream)
    assert received[-1].choices == []
    assert received[-1].usage is not None and received[-1].usage.total_tokens > 0
    assert received[-2].usage == received[-1].usage


async def test_streamed_tool_calls_assemble(async_client: AsyncGroq) -> None:
    tools: Any = [
        {
            "type": "function",
            "function": {
                "name": name,
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
        for name in ("get_weather", "get_time")
    ]
    stream = await async_client.chat.completions.create(
        model=MODEL, messages=USER, tools=tools, tool_choice="required", stream=True
    )
    calls: dict[int, dict[str, str]] = {}
    finish = None
    async for chunk in stream:
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for delta in choice.delta.tool_calls or []:
                call = calls.setdefault(delta.index, {"name": "", "arguments": ""})
                if delta.function and delta.function.name:
                    call["name"] = delta.function.name
                if delta.function and delta.function.arguments:
                    call["arguments"] += delta.function.arguments
    assert finish == "tool_calls"
    assert [calls[i]["name"] for i in sorted(calls)] == ["get_weather", "get_time"]
    assert all(json.loads(c["arguments"]) == {"city": "example"} for c in calls.values())


def test_error_event_in_a_stream_raises(client: Groq, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.fault("error_event", after_chunks=2))
    stream = client.chat.completions.create(model=MODEL, messages=USER, stream=True)
    received: list[Any] = []
    with pytest.raises(groq.APIError, match="did not call a tool") as info:
        received.extend(stream)
    assert len(received) == 2
    assert isinstance(info.value.body, dict) and info.value.body["status_code"] == 400


def test_recorded_live_stream_parses(client: Groq, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.recorded("051_chat_stream__reqllm-llama-3-1-8b-instant-streaming"))
    received = list(client.chat.completions.create(model=MODEL, messages=USER, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in received if c.choices)
    assert text.startswith("A warm, shimmering light")
    assert received[-1].usage is not None and received[-1].usage.total_tokens == 77


# -- models ------------------------------------------------------------------------------------


def test_models(client: Groq) -> None:
    listing = client.models.list()
    ids = [m.id for m in listing.data]
    assert MODEL in ids and "whisper-large-v3" in ids
    model = client.models.retrieve("meta-llama/llama-4-scout-17b-16e-instruct")  # sent as %2F
    assert model.id == "meta-llama/llama-4-scout-17b-16e-instruct"
    assert model.owned_by == "Meta"
    assert (model.model_extra or {})["context_window"] == 131072


# -- audio -------------------------------------------------------------------------------------


async def test_transcription_json_text_and_verbose(
    async_client: AsyncGroq, loopback: LoopbackServer
) -> None:
    audio = ("clip.flac", flac())
    plain = await async_client.audio.transcriptions.create(file=audio, model="whisper-large-v3")
    assert plain.text == " " + loopback.transcript_text
    text = await async_client.audio.transcriptions.create(
        file=audio, model="whisper-large-v3", response_format="text"
    )
    assert isinstance(text, str)  # not a Transcription: the SDK returns text bodies as str
    assert text == " " + loopback.transcript_text
    verbose = await async_client.audio.transcriptions.create(
        file=audio,
        model="whisper-large-v3-turbo",
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
        language="en",
    )
    extra = verbose.model_extra or {}
    assert extra["duration"] == 1.5
    assert extra["segments"][0]["start"] == 0 and extra["words"][-1]["end"] == 1.5
    sent = loopback.requests[-1]
    assert sent.form["timestamp_granularities[]"] == ["word", "segment"]
    assert sent.files["file"].filename == "clip.flac"


def test_translation(client: Groq, loopback: LoopbackServer) -> None:
    result = client.audio.translations.create(file=("a.wav", flac()), model="whisper-large-v3")
    assert result.text.strip() == loopback.transcript_text
    assert loopback.requests[-1].path == "/openai/v1/audio/translations"


# -- errors ------------------------------------------------------------------------------------


def test_wrong_key_is_authentication_error(loopback: LoopbackServer) -> None:
    with (
        Groq(api_key="wrong", base_url=loopback.origin) as sdk,
        pytest.raises(groq.AuthenticationError) as info,
    ):
        sdk.models.list()
    assert info.value.status_code == 401
    # The whole body, unlike a streamed error whose body is the inner error object.
    assert info.value.body == {
        "error": {
            "message": "Invalid API Key", "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    }  # fmt: skip
    assert len(loopback.requests) == 1  # the SDK does not retry a 401


def test_unknown_model_is_not_found(client: Groq) -> None:
    with pytest.raises(groq.NotFoundError, match="does not exist or you do not have access"):
        client.chat.completions.create(model="llama-9", messages=USER)


def test_validation_is_bad_request(client: Groq) -> None:
    with pytest.raises(groq.BadRequestError) as info:
        client.chat.completions.create(model=MODEL, messages=USER, n=2)
    error = info.value.body["error"] if isinstance(info.value.body, dict) else {}
    assert error["message"] == "'n' : number must be at most 1"
    assert "param" not in error  # schema errors carry no param (071)


def test_rate_limit_is_rate_limit_error(client: Groq, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.rate_limited(retry_after=3))
    with pytest.raises(groq.RateLimitError) as info:
        client.chat.completions.create(model=MODEL, messages=USER)
    assert info.value.response.headers["retry-after"] == "3"


def test_oversized_upload_is_a_413_status_error(client: Groq, loopback: LoopbackServer) -> None:
    loopback.max_upload_bytes = 100
    with pytest.raises(groq.APIStatusError) as info:
        client.audio.transcriptions.create(file=("a.flac", flac()), model="whisper-large-v3")
    assert info.value.status_code == 413


def test_sdk_retries_a_429_after_the_servers_wait(loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.rate_limited(retry_after=0.2))
    with Groq(api_key="test-key", base_url=loopback.origin, max_retries=1) as sdk:
        completion = sdk.chat.completions.create(model=MODEL, messages=USER)
    assert completion.choices[0].message.content == "Echo: hello there"
    first, second = loopback.requests
    assert second.received_at - first.received_at >= 0.18
    assert second.headers["x-stainless-retry-count"] == "1"


@pytest.mark.parametrize("kind", ["http_500", "http_502", "http_503", "html_502"])
def test_server_faults_are_internal_server_errors(
    client: Groq, loopback: LoopbackServer, kind: Any
) -> None:
    loopback.enqueue(Reply.fault(kind))
    with pytest.raises(groq.InternalServerError):
        client.chat.completions.create(model=MODEL, messages=USER)


def test_reset_mid_stream_is_a_connection_level_failure(
    client: Groq, loopback: LoopbackServer
) -> None:
    loopback.enqueue(Reply.fault("reset_mid_stream", after_chunks=3))
    stream = client.chat.completions.create(model=MODEL, messages=USER, stream=True)
    received: list[Any] = []
    # The SDK lets httpx's own error through (no APIError of its own for a reset stream).
    with pytest.raises(httpx.ReadError, match="Connection reset by peer"):
        received.extend(stream)
    assert len(received) == 3


def test_closed_port_is_a_connection_error(loopback: LoopbackServer) -> None:
    origin = loopback.unused_port_url.removesuffix("/openai/v1")
    with (
        Groq(api_key="k", base_url=origin, max_retries=0) as sdk,
        pytest.raises(groq.APIConnectionError),
    ):
        sdk.models.list()
