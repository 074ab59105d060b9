"""``POST /audio/speech``: text to speech, whole or streamed.

    audio = await client.audio.speech.create(
        model="canopylabs/orpheus-v1-english", input="Hello.", voice="troy"
    )
    audio.content_type, audio.rate_limits, bytes(audio)     # the audio file itself

    async with client.audio.speech.stream(model=..., input=..., voice=...) as speech:
        await speech.write_to("hello.wav")                   # or: async for chunk in speech

The body of a successful answer is the audio file in ``response_format``; errors use the
service's usual error body and map to the client's exception tree. Requests are checked
against the documented limits before anything is sent (see :func:`check_speech_params`).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, Required, TypedDict, Unpack

import httpx

from groq_tui.api.errors import (
    APIConnectionError,
    APIResponseError,
    APITimeoutError,
    InvalidRequestParameter,
)
from groq_tui.api.ratelimit import RateLimits

if TYPE_CHECKING:
    from groq_tui.api.client import GroqClient

SpeechFormat = Literal["flac", "mp3", "mulaw", "ogg", "wav"]
SPEECH_FORMATS: tuple[SpeechFormat, ...] = ("flac", "mp3", "mulaw", "ogg", "wav")
"""The ``response_format`` values the service offers."""

SPEECH_SAMPLE_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)
"""The ``sample_rate`` values the service documents (8 kHz to 48 kHz)."""

MIN_SPEED = 0.5
MAX_SPEED = 5.0

SPEECH_INPUT_LIMITS = {
    "canopylabs/orpheus-v1-english": 200,
    "canopylabs/orpheus-arabic-saudi": 200,
    "playai-tts": 10_000,
    "playai-tts-arabic": 10_000,
}
"""The longest ``input`` (characters) each of the service's speech models takes."""

DEFAULT_INPUT_LIMIT = 200
"""What a caller cutting text for a model not listed above should assume (the smallest)."""

SPEECH_CONTENT_TYPES: dict[str, str] = {
    "flac": "audio/flac",
    "mp3": "audio/mpeg",
    "mulaw": "audio/basic",
    "ogg": "audio/ogg",
    "wav": "audio/wav",
}

STREAM_CHUNK_BYTES = 64 * 1024


def speech_input_limit(model: str) -> int:
    """The longest input, in characters, to send ``model`` in one request."""
    return SPEECH_INPUT_LIMITS.get(model, DEFAULT_INPUT_LIMIT)


def check_speech_params(body: Mapping[str, Any]) -> None:
    """Refuse a speech request outside the documented limits; nothing is sent.

    Raises:
        InvalidRequestParameter: naming the parameter and what it must be.
    """
    for name in ("model", "voice"):
        value = body.get(name)
        if not isinstance(value, str) or not value.strip():
            raise InvalidRequestParameter(name, "is required (a non-empty string)")
    text = body.get("input")
    if not isinstance(text, str) or not text.strip():
        raise InvalidRequestParameter("input", "is required: the text to speak")
    limit = SPEECH_INPUT_LIMITS.get(body["model"])
    if limit is not None and len(text) > limit:
        raise InvalidRequestParameter(
            "input",
            f"is {len(text)} characters; {body['model']} takes at most {limit} "
            "(cut it at sentence ends into several requests)",
        )
    fmt = body.get("response_format")
    if fmt is not None and fmt not in SPEECH_FORMATS:
        raise InvalidRequestParameter(
            "response_format", f"must be one of {', '.join(SPEECH_FORMATS)}, got {fmt!r}"
        )
    rate = body.get("sample_rate")
    if rate is not None and (
        isinstance(rate, bool) or not isinstance(rate, int) or rate not in SPEECH_SAMPLE_RATES
    ):
        choices = ", ".join(str(r) for r in SPEECH_SAMPLE_RATES)
        raise InvalidRequestParameter("sample_rate", f"must be one of {choices}, got {rate!r}")
    speed = body.get("speed")
    if speed is not None and (
        isinstance(speed, bool)
        or not isinstance(speed, int | float)
        or not math.isfinite(speed)
        or not MIN_SPEED <= speed <= MAX_SPEED
    ):
        raise InvalidRequestParameter(
            "speed", f"must be between {MIN_SPEED:g} and {MAX_SPEED:g}, got {speed!r}"
        )


class SpeechAudio(bytes):
    """The audio file the service sent: ``bytes``, with the response's metadata.

    Attributes:
        content_type: The response's content type, e.g. ``audio/wav``.
        rate_limits: The ``x-ratelimit-*`` headers of the response.
        request_id: The server's ``x-request-id``.
    """

    content_type: str
    rate_limits: RateLimits
    request_id: str | None

    @classmethod
    def from_response(cls, content: bytes, response: httpx.Response) -> SpeechAudio:
        """Wrap ``content`` with the metadata of ``response``."""
        audio = cls(content)
        audio.content_type = response.headers.get("content-type", "")
        audio.rate_limits = RateLimits.from_headers(response.headers)
        audio.request_id = response.headers.get("x-request-id")
        return audio


def _check_audio_answer(response: httpx.Response) -> None:
    content_type = response.headers.get("content-type", "")
    if content_type.startswith(("application/json", "text/")):
        raise APIResponseError(
            f"asked for audio but the server answered {content_type}: {response.text[:200]!r}"
        )


class SpeechStream:
    """An open speech response, read chunk by chunk (``client.audio.speech.stream``).

    Attributes:
        content_type: The response's content type.
        rate_limits: The ``x-ratelimit-*`` headers.
        request_id: The server's ``x-request-id``.
    """

    def __init__(self, response: httpx.Response, host: str) -> None:
        self._response = response
        self._host = host
        self.content_type = response.headers.get("content-type", "")
        self.rate_limits = RateLimits.from_headers(response.headers)
        self.request_id = response.headers.get("x-request-id")

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.iter_bytes()

    async def iter_bytes(self, chunk_size: int = STREAM_CHUNK_BYTES) -> AsyncIterator[bytes]:
        """The audio as it arrives; a broken connection raises APIConnectionError."""
        try:
            async for chunk in self._response.aiter_bytes(chunk_size):
                yield chunk
        except httpx.TimeoutException as exc:
            raise APITimeoutError(f"{self._host} stopped sending the audio") from exc
        except httpx.TransportError as exc:
            raise APIConnectionError(f"the connection to {self._host} broke: {exc}") from exc
        finally:
            await self._response.aclose()

    async def write_to(self, file: str | os.PathLike[str] | IO[bytes]) -> int:
        """Write the audio to a path or a binary file object as it arrives.

        Only one chunk is held in memory at a time; writes run off the event loop.

        Returns:
            The number of bytes written.
        """
        if isinstance(file, str | os.PathLike):
            handle = await asyncio.to_thread(Path(file).open, "wb")
            try:
                return await self._copy(handle)
            finally:
                await asyncio.to_thread(handle.close)
        return await self._copy(file)

    async def _copy(self, handle: IO[bytes]) -> int:
        written = 0
        async for chunk in self.iter_bytes():
            await asyncio.to_thread(handle.write, chunk)
            written += len(chunk)
        return written

    async def aclose(self) -> None:
        """Close the response (idempotent)."""
        await self._response.aclose()


class SpeechRequest(TypedDict, total=False):
    """What :meth:`Speech.create` and :meth:`Speech.stream` take (keywords only).

    None, for any optional field, means "not sent" (the server's default).
    """

    model: Required[str]
    input: Required[str]
    """The text to speak."""
    voice: Required[str]
    response_format: SpeechFormat | None
    """``wav`` when not given."""
    sample_rate: int | None
    speed: float | None
    extra_body: Mapping[str, Any] | None
    """More body fields, sent as given."""
    timeout: float | httpx.Timeout | None
    max_retries: int | None


_SPEECH_REQUEST_KEYS = SpeechRequest.__required_keys__ | SpeechRequest.__optional_keys__


class Speech:
    """``client.audio.speech``: ``POST /audio/speech``."""

    def __init__(self, client: GroqClient) -> None:
        self._client = client

    @staticmethod
    def _body(request: SpeechRequest) -> dict[str, Any]:
        unknown = request.keys() - _SPEECH_REQUEST_KEYS
        if unknown:
            raise TypeError(f"unexpected keyword arguments: {', '.join(sorted(unknown))}")
        body: dict[str, Any] = {
            "model": request.get("model"),
            "input": request.get("input"),
            "voice": request.get("voice"),
        }
        optional = {
            "response_format": request.get("response_format", "wav"),
            "sample_rate": request.get("sample_rate"),
            "speed": request.get("speed"),
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        check_speech_params(body)
        extra_body = request.get("extra_body")
        if extra_body:
            body.update(extra_body)
        return body

    async def _send(
        self, body: dict[str, Any], request: SpeechRequest, *, stream: bool
    ) -> httpx.Response:
        return await self._client.send(
            "POST",
            "/audio/speech",
            json=body,
            stream=stream,
            timeout=request.get("timeout"),
            max_retries=request.get("max_retries"),
        )

    async def create(self, **request: Unpack[SpeechRequest]) -> SpeechAudio:
        """Speak ``input`` with ``voice``; returns the whole audio file.

        Values outside the documented limits raise :class:`InvalidRequestParameter` before
        anything is sent; error statuses raise the client's usual exceptions, after the
        usual retries.
        """
        response = await self._send(self._body(request), request, stream=False)
        _check_audio_answer(response)
        return SpeechAudio.from_response(response.content, response)

    def stream(
        self, **request: Unpack[SpeechRequest]
    ) -> contextlib.AbstractAsyncContextManager[SpeechStream]:
        """Like :meth:`create`, but the audio is read as it arrives: ``async with``.

        The parameters are checked at once (before ``async with`` sends anything). Retries
        happen only before the audio starts: a response that began is never sent twice.
        """
        return self._open(self._body(request), request)

    @contextlib.asynccontextmanager
    async def _open(
        self, body: dict[str, Any], request: SpeechRequest
    ) -> AsyncIterator[SpeechStream]:
        response = await self._send(body, request, stream=True)
        try:
            content_type = response.headers.get("content-type", "")
            if content_type.startswith(("application/json", "text/")):
                text = (await response.aread()).decode("utf-8", errors="replace")
                raise APIResponseError(
                    f"asked for audio but the server answered {content_type}: {text[:200]!r}"
                )
            yield SpeechStream(response, httpx.URL(self._client.base_url).host or "the server")
        finally:
            await response.aclose()
