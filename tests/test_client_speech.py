"""client.audio.speech against the loopback server: formats, streaming, limits, errors."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import soundfile as sf

from groq_tui.api import (
    APIResponseError,
    AuthenticationError,
    BadRequestError,
    GroqClient,
    InvalidRequestParameter,
    NotFoundError,
    RateLimitError,
)
from tests.loopback import LoopbackServer, Reply

MODEL = "canopylabs/orpheus-v1-english"
SPEECH_PATH = "/audio/speech"


@pytest.fixture
async def client(loopback: LoopbackServer) -> AsyncIterator[GroqClient]:
    async with GroqClient(api_key="test-key", base_url=loopback.base_url, max_retries=2) as c:
        yield c


@pytest.mark.parametrize(
    ("fmt", "container"), [("wav", "WAV"), ("flac", "FLAC"), ("mp3", "MP3"), ("ogg", "OGG")]
)
async def test_create_returns_audio_of_the_asked_format(
    client: GroqClient, loopback: LoopbackServer, fmt: str, container: str
) -> None:
    audio = await client.audio.speech.create(
        model=MODEL, input="Hello there.", voice="troy", response_format=fmt, sample_rate=24000
    )
    info = sf.info(io.BytesIO(audio))
    assert info.format == container and info.samplerate == 24000 and info.duration > 0.3
    assert audio.content_type.startswith("audio/")
    assert audio.rate_limits.remaining_requests is not None and audio.request_id
    sent = loopback.requests[-1].json
    assert sent == {
        "model": MODEL,
        "input": "Hello there.",
        "voice": "troy",
        "response_format": fmt,
        "sample_rate": 24000,
    }


async def test_parameters_left_out_are_not_sent(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    await client.audio.speech.create(
        model=MODEL, input="Hi.", voice="troy", response_format=None, speed=1.5
    )
    assert loopback.requests[-1].json == {
        "model": MODEL,
        "input": "Hi.",
        "voice": "troy",
        "speed": 1.5,
    }


async def test_stream_writes_the_file_as_it_arrives(
    client: GroqClient, loopback: LoopbackServer, tmp_path: Path
) -> None:
    whole = await client.audio.speech.create(model=MODEL, input="Streamed speech.", voice="troy")
    target = tmp_path / "speech.wav"
    async with client.audio.speech.stream(
        model=MODEL, input="Streamed speech.", voice="troy"
    ) as speech:
        assert speech.content_type == "audio/wav" and speech.request_id
        written = await speech.write_to(target)
    assert written == target.stat().st_size == len(whole)
    assert sf.info(str(target)).duration > 0.5
    chunks: list[bytes] = []
    async with client.audio.speech.stream(
        model=MODEL, input="Streamed speech.", voice="troy"
    ) as speech:
        chunks.extend([chunk async for chunk in speech])
    assert b"".join(chunks) == bytes(whole)


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"input": ""}, "input"),
        ({"input": "x" * 201}, "input"),
        ({"voice": ""}, "voice"),
        ({"response_format": "aac"}, "response_format"),
        ({"sample_rate": 12345}, "sample_rate"),
        ({"speed": 0.1}, "speed"),
        ({"speed": 9}, "speed"),
    ],
)
async def test_values_outside_the_documented_limits_are_refused_before_sending(
    client: GroqClient, loopback: LoopbackServer, params: dict[str, object], param: str
) -> None:
    request: dict[str, object] = {"model": MODEL, "input": "Hello.", "voice": "troy", **params}
    with pytest.raises(InvalidRequestParameter) as caught:
        await client.audio.speech.create(**request)  # type: ignore[arg-type]
    assert caught.value.param == param
    with pytest.raises(InvalidRequestParameter):
        client.audio.speech.stream(**request)  # type: ignore[arg-type]
    assert loopback.requests == []


async def test_an_unknown_keyword_is_refused_before_sending(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    request: dict[str, object] = {"model": MODEL, "input": "Hello.", "voice": "troy", "sped": 2}
    with pytest.raises(TypeError, match="sped"):
        await client.audio.speech.create(**request)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sped"):
        client.audio.speech.stream(**request)  # type: ignore[arg-type]
    assert loopback.requests == []


async def test_the_services_errors_map_to_the_client_exceptions(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    with pytest.raises(BadRequestError, match="voice must be one of") as bad:
        await client.audio.speech.create(model=MODEL, input="Hello.", voice="nobody")
    assert bad.value.param == "voice" and bad.value.request_id
    with pytest.raises(NotFoundError, match="does not exist"):
        await client.audio.speech.create(model="no-such-model", input="Hello.", voice="troy")
    async with GroqClient(api_key="wrong", base_url=loopback.base_url) as wrong:
        with pytest.raises(AuthenticationError):
            await wrong.audio.speech.create(model=MODEL, input="Hello.", voice="troy")


async def test_rate_limits_are_retried_then_answered(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.enqueue(
        Reply.error(429, "Rate limit reached", code="rate_limit_exceeded",
                    headers={"retry-after": "0"}, path=SPEECH_PATH),
    )  # fmt: skip
    audio = await client.audio.speech.create(model=MODEL, input="After a retry.", voice="troy")
    assert sf.info(io.BytesIO(audio)).duration > 0.3
    assert len(loopback.requests) == 2
    loopback.enqueue(
        *[Reply.error(429, "Rate limit reached", code="rate_limit_exceeded",
                      headers={"retry-after": "0"}, path=SPEECH_PATH)] * 3
    )  # fmt: skip
    with pytest.raises(RateLimitError):
        await client.audio.speech.create(model=MODEL, input="Never.", voice="troy")
    loopback.enqueue(*[Reply.error(429, "Slow down", headers={"retry-after": "0"})] * 3)
    with pytest.raises(RateLimitError):
        async with client.audio.speech.stream(model=MODEL, input="Never.", voice="troy"):
            pass


async def test_a_json_answer_where_audio_was_expected_is_an_error(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.enqueue(Reply.json(200, {"text": "not audio"}, path=SPEECH_PATH))
    with pytest.raises(APIResponseError, match="asked for audio"):
        await client.audio.speech.create(model=MODEL, input="Hello.", voice="troy")
