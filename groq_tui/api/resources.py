"""The API's resources: chat completions, audio transcriptions/translations, models."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, overload

import httpx

from groq_tui.api.errors import InvalidRequestParameter
from groq_tui.api.params import (
    AudioResponseFormat,
    ReasoningEffort,
    ReasoningFormat,
    ServiceTier,
    audio_extension,
    check_audio_params,
    check_chat_params,
)
from groq_tui.api.speech import Speech
from groq_tui.api.streaming import ChatStream, open_chat_stream
from groq_tui.api.types import ChatCompletion, Model, ModelList, Transcription

if TYPE_CHECKING:
    from groq_tui.api.client import GroqClient

Message = Mapping[str, Any]
AudioFile = str | os.PathLike[str] | bytes | IO[bytes]

_AUDIO_MIME = {
    "flac": "audio/flac",
    "mp3": "audio/mpeg",
    "mp4": "audio/mp4",
    "mpeg": "audio/mpeg",
    "mpga": "audio/mpeg",
    "m4a": "audio/mp4",
    "ogg": "audio/ogg",
    "wav": "audio/wav",
    "webm": "audio/webm",
}


class Completions:
    """``POST /chat/completions``."""

    def __init__(self, client: GroqClient) -> None:
        self._client = client

    @overload
    async def create(
        self,
        *,
        model: str,
        messages: Sequence[Message],
        stream: Literal[False] = False,
        **params: Any,
    ) -> ChatCompletion: ...

    @overload
    async def create(
        self,
        *,
        model: str,
        messages: Sequence[Message],
        stream: Literal[True],
        **params: Any,
    ) -> ChatStream: ...

    async def create(
        self,
        *,
        model: str,
        messages: Sequence[Message],
        stream: bool = False,
        frequency_penalty: float | None = None,
        presence_penalty: float | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        max_tokens: int | None = None,
        n: int | None = None,
        seed: int | None = None,
        stop: str | Sequence[str] | None = None,
        stream_options: Mapping[str, Any] | None = None,
        response_format: Mapping[str, Any] | None = None,
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: str | Mapping[str, Any] | None = None,
        parallel_tool_calls: bool | None = None,
        user: str | None = None,
        logit_bias: Mapping[str, float] | None = None,
        logprobs: bool | None = None,
        top_logprobs: int | None = None,
        functions: Sequence[Mapping[str, Any]] | None = None,
        function_call: str | Mapping[str, Any] | None = None,
        reasoning_effort: ReasoningEffort | None = None,
        reasoning_format: ReasoningFormat | None = None,
        include_reasoning: bool | None = None,
        service_tier: ServiceTier | None = None,
        search_settings: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        on_its_way: Callable[[], None] | None = None,
        **unknown: Any,
    ) -> ChatCompletion | ChatStream:
        """Create a chat completion, or open a stream of chunks with ``stream=True``.

        Every parameter of the API reference is accepted and sent as given (None means
        "not sent"), and so are the newer ones: ``reasoning_effort`` (qwen3: none/default;
        gpt-oss: low/medium/high), ``reasoning_format`` (hidden/raw/parsed),
        ``include_reasoning``, ``service_tier`` (auto/on_demand/flex/performance) and a
        compound model's ``search_settings``. ``extra_body`` carries fields this signature
        does not list (``compound_custom``, ``documents``, ...). Values outside the
        documented limits, and combinations the service refuses (``reasoning_format`` with
        ``include_reasoning``; ``raw`` with JSON mode or tools), raise
        :class:`~groq_tui.api.errors.InvalidRequestParameter` before anything is sent.
        The deprecated ``functions``/``function_call`` are sent too, with a
        DeprecationWarning. ``on_its_way`` is called once the request has left (see
        :meth:`GroqClient.send`).
        """
        if unknown:
            raise TypeError(
                f"unknown chat parameter(s): {', '.join(sorted(unknown))}; "
                "send fields the API reference does not list through extra_body"
            )
        body: dict[str, Any] = {"model": model, "messages": list(messages)}
        optional = {
            "frequency_penalty": frequency_penalty,
            "presence_penalty": presence_penalty,
            "temperature": temperature,
            "top_p": top_p,
            "max_tokens": max_tokens,
            "n": n,
            "seed": seed,
            "stop": stop if stop is None or isinstance(stop, str) else list(stop),
            "stream_options": stream_options,
            "response_format": response_format,
            "tools": None if tools is None else list(tools),
            "tool_choice": tool_choice,
            "parallel_tool_calls": parallel_tool_calls,
            "user": user,
            "logit_bias": logit_bias,
            "logprobs": logprobs,
            "top_logprobs": top_logprobs,
            "functions": None if functions is None else list(functions),
            "function_call": function_call,
            "reasoning_effort": reasoning_effort,
            "reasoning_format": reasoning_format,
            "include_reasoning": include_reasoning,
            "service_tier": service_tier,
            "search_settings": search_settings,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        if stream:
            body["stream"] = True
        if extra_body:
            body.update(extra_body)
        check_chat_params(body)
        response = await self._client.send(
            "POST",
            "/chat/completions",
            json=body,
            stream=stream,
            timeout=timeout,
            max_retries=max_retries,
            on_its_way=on_its_way,
        )
        if not stream:
            return self._client.parse(response, ChatCompletion)
        return await open_chat_stream(response)


class Chat:
    """``client.chat``."""

    def __init__(self, client: GroqClient) -> None:
        self.completions = Completions(client)


async def _read_audio(file: AudioFile, filename: str | None) -> tuple[str, bytes]:
    """The upload's name and bytes; paths are read off the event loop."""
    if isinstance(file, bytes):
        if not filename:
            raise InvalidRequestParameter(
                "file", "bytes need filename= with an extension such as 'speech.wav'"
            )
        return filename, file
    if isinstance(file, str | os.PathLike):
        path = Path(file)
        name = filename or path.name
        audio_extension(name)  # refuse before reading a large unsupported file
        try:
            return name, await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raise InvalidRequestParameter("file", f"{str(path)!r} does not exist") from None
        except IsADirectoryError:
            raise InvalidRequestParameter("file", f"{str(path)!r} is a directory") from None
    name = filename or os.path.basename(str(getattr(file, "name", "") or ""))
    if not name:
        raise InvalidRequestParameter(
            "file", "a file object without a name needs filename= with an extension"
        )
    audio_extension(name)
    return name, await asyncio.to_thread(file.read)


class _AudioEndpoint:
    def __init__(self, client: GroqClient, path: str) -> None:
        self._client = client
        self._path = path

    async def _create(
        self,
        *,
        file: AudioFile,
        model: str,
        filename: str | None,
        language: str | None,
        prompt: str | None,
        response_format: AudioResponseFormat | None,
        temperature: float | None,
        timestamp_granularities: Sequence[str] | None,
        extra_body: Mapping[str, Any] | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | None,
    ) -> Transcription:
        check_audio_params(
            model=model,
            response_format=response_format,
            temperature=temperature,
            timestamp_granularities=timestamp_granularities,
            language=language,
        )
        name, content = await _read_audio(file, filename)
        ext = audio_extension(name)
        if not content:
            raise InvalidRequestParameter("file", f"{name!r} is empty")
        fields: dict[str, Any] = {"model": model}
        if language is not None:
            fields["language"] = language
        if prompt is not None:
            fields["prompt"] = prompt
        if response_format is not None:
            fields["response_format"] = response_format
        if temperature is not None:
            fields["temperature"] = str(temperature)
        if timestamp_granularities:
            fields["timestamp_granularities[]"] = list(timestamp_granularities)
        if extra_body:
            fields.update({key: str(value) for key, value in extra_body.items()})
        response = await self._client.send(
            "POST",
            self._path,
            data=fields,
            files={"file": (name, content, _AUDIO_MIME[ext])},
            timeout=timeout,
            max_retries=max_retries,
        )
        content_type = response.headers.get("content-type", "")
        if response_format == "text" and "json" not in content_type:
            from groq_tui.api.client import attach_metadata

            return attach_metadata(Transcription(text=response.text), response)
        return self._client.parse(response, Transcription)


class Transcriptions(_AudioEndpoint):
    """``POST /audio/transcriptions``: speech to text in its own language."""

    async def create(
        self,
        *,
        file: AudioFile,
        model: str = "whisper-large-v3",
        filename: str | None = None,
        language: str | None = None,
        prompt: str | None = None,
        response_format: AudioResponseFormat | None = None,
        temperature: float | None = None,
        timestamp_granularities: Sequence[Literal["word", "segment"]] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
    ) -> Transcription:
        """Transcribe ``file`` (a path, bytes with ``filename=``, or a binary file object).

        ``timestamp_granularities`` ("word", "segment") needs ``response_format="verbose_json"``;
        the result then carries typed ``segments`` and ``words``.
        """
        return await self._create(
            file=file,
            model=model,
            filename=filename,
            language=language,
            prompt=prompt,
            response_format=response_format,
            temperature=temperature,
            timestamp_granularities=timestamp_granularities,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
        )


class Translations(_AudioEndpoint):
    """``POST /audio/translations``: speech in any language to English text."""

    async def create(
        self,
        *,
        file: AudioFile,
        model: str = "whisper-large-v3",
        filename: str | None = None,
        prompt: str | None = None,
        response_format: AudioResponseFormat | None = None,
        temperature: float | None = None,
        extra_body: Mapping[str, Any] | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
    ) -> Transcription:
        """Translate the speech in ``file`` into English text."""
        return await self._create(
            file=file,
            model=model,
            filename=filename,
            language=None,
            prompt=prompt,
            response_format=response_format,
            temperature=temperature,
            timestamp_granularities=None,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
        )


class Audio:
    """``client.audio``."""

    def __init__(self, client: GroqClient) -> None:
        self.transcriptions = Transcriptions(client, "/audio/transcriptions")
        self.translations = Translations(client, "/audio/translations")
        self.speech = Speech(client)


class Models:
    """``GET /models`` and ``GET /models/{id}``."""

    def __init__(self, client: GroqClient) -> None:
        self._client = client

    async def list(self) -> ModelList:
        """Every model the server offers."""
        response = await self._client.send("GET", "/models")
        return self._client.parse(response, ModelList)

    async def retrieve(self, model: str) -> Model:
        """One model by id (404 -> NotFoundError)."""
        if not model:
            raise InvalidRequestParameter("model", "is required")
        response = await self._client.send("GET", f"/models/{model}")
        return self._client.parse(response, Model)
