"""A streamed chat completion: an async iterator of chunks that also keeps the whole picture.

Events are parsed by httpx-sse, which follows the event-stream rules of the HTML standard
(CR, LF and CRLF line endings, comment lines, unknown fields, ``data:`` with or without the
space). On top of that this module knows what the Groq stream means: ``[DONE]`` ends it, the
usage arrives in the last chunk's ``x_groq.usage`` (or ``usage`` with
``stream_options.include_usage``), tool calls arrive in pieces addressed by index, an
``error`` event (or a data object holding ``error``) is a failure after whatever came before,
and a stream that stops without ``[DONE]`` or a finish reason is an interrupted reply.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx
from httpx_sse import EventSource
from pydantic import ValidationError

from groq_tui.api.errors import (
    APIResponseError,
    StreamInterrupted,
    StreamTimeout,
    stream_error,
)
from groq_tui.api.ratelimit import RateLimits
from groq_tui.api.types import ChatCompletionChunk, FunctionCall, ToolCall, Usage

_parse_chunk = ChatCompletionChunk.model_validate
_validate_chunk_json = ChatCompletionChunk.__pydantic_validator__.validate_json


@dataclass(slots=True)
class _ToolCallParts:
    id: str = ""
    type: str = "function"
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ChatStream:
    """The chunks of one streamed reply, plus what they add up to.

    Use as ``async for chunk in stream`` (ideally inside ``async with stream``). Leaving the
    loop early, cancelling the task or calling :meth:`aclose` closes the connection, which
    tells the server to stop generating.
    """

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self._iterator = self._iterate()
        self._tool_parts: dict[int, _ToolCallParts] = {}
        self._text_parts: list[str] = []
        self._reasoning_parts: list[str] = []
        self.rate_limits = RateLimits.from_headers(response.headers)
        """Rate-limit headers of the response that carries the stream."""
        self.request_id: str | None = response.headers.get("x-request-id")
        """The server's x-request-id."""
        self.usage: Usage | None = None
        """Token counts and server timings, set when the last chunk has arrived."""
        self.finish_reason: str | None = None
        """Why the model stopped (stop, length, tool_calls, ...), once it said so."""
        self.model: str | None = None
        """The model that answered, as the server named it."""
        self.completed = False
        """True once the server marked the reply complete (``[DONE]`` or a finish reason)."""

    # -- what the chunks add up to ---------------------------------------------------------

    @property
    def text(self) -> str:
        """The content received so far."""
        return "".join(self._text_parts)

    @property
    def reasoning(self) -> str:
        """The reasoning received so far (models that send ``delta.reasoning``)."""
        return "".join(self._reasoning_parts)

    @property
    def tool_calls(self) -> list[ToolCall]:
        """Tool calls assembled from their streamed pieces, in index order."""
        return [
            ToolCall(
                id=parts.id,
                type=parts.type,
                function=FunctionCall(name=parts.name, arguments="".join(parts.arguments)),
            )
            for _, parts in sorted(self._tool_parts.items())
        ]

    # -- iteration -------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        # The generator itself, not a wrapper: one frame less per chunk on the hot path.
        return self._iterator

    async def __anext__(self) -> ChatCompletionChunk:
        return await self._iterator.__anext__()

    async def __aenter__(self) -> ChatStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop reading and close the connection (idempotent)."""
        await self._iterator.aclose()
        await self._response.aclose()

    async def until_done(self) -> ChatStream:
        """Read the rest of the stream, for callers that only want the totals."""
        async for _ in self:
            pass
        return self

    async def _iterate(self) -> AsyncGenerator[ChatCompletionChunk, None]:
        events = EventSource(self._response).aiter_sse()
        try:
            async for event in events:
                data = event.data
                if not data:
                    continue  # an event with no data is not dispatched (HTML standard)
                if data == "[DONE]":
                    self.completed = True
                    return
                if event.event == "error" or '"error"' in data:
                    payload = self._decode(data)
                    if event.event == "error" or (isinstance(payload, dict) and "error" in payload):
                        raise stream_error(payload)
                    chunk = self._validate(payload)
                else:
                    # pydantic-core parses and validates in one pass, as fast as json.loads
                    # alone; the validator is called directly on this hot path.
                    try:
                        chunk = _validate_chunk_json(data)
                    except ValidationError as exc:
                        raise self._invalid_event(data, exc) from exc
                self._absorb(chunk)
                yield chunk
        except httpx.TimeoutException as exc:
            raise StreamTimeout(
                "the server stopped sending the reply (read timed out); "
                "what arrived before is kept",
                partial_text=self.text,
            ) from exc
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise StreamInterrupted(
                f"the connection broke mid-reply ({type(exc).__name__}); "
                "what arrived before is kept",
                partial_text=self.text,
            ) from exc
        finally:
            await events.aclose()
            await self._response.aclose()
        if not self.completed:
            raise StreamInterrupted(
                "the reply ended before the server marked it complete (no [DONE], no finish "
                "reason); what arrived is kept",
                partial_text=self.text,
            )

    @staticmethod
    def _validate(payload: Any) -> ChatCompletionChunk:
        try:
            return _parse_chunk(payload)
        except ValidationError as exc:
            raise APIResponseError(
                f"the server sent a stream event that is not a chat chunk: {exc}"
            ) from exc

    def _invalid_event(self, data: str, exc: ValidationError) -> APIResponseError:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            self._decode(data)  # raises with the JSON parser's own words
        return APIResponseError(f"the server sent a stream event that is not a chat chunk: {exc}")

    def _decode(self, data: str) -> Any:
        try:
            return json.loads(data)
        except json.JSONDecodeError as exc:
            raise APIResponseError(
                f"the server sent a malformed stream event ({exc.msg}): {data[:120]!r}"
            ) from exc

    def _absorb(self, chunk: ChatCompletionChunk) -> None:
        # Called once per chunk (thousands a second): keep it to a few attribute reads.
        if self.model is None:
            self.model = chunk.model or None
        if chunk.usage is not None:
            self.usage = chunk.usage
        elif chunk.x_groq is not None and chunk.x_groq.usage is not None:
            self.usage = chunk.x_groq.usage
        for choice in chunk.choices:
            if choice.index != 0:
                continue
            delta = choice.delta
            content = delta.content
            if content:
                self._text_parts.append(content)
            if delta.reasoning:
                self._reasoning_parts.append(delta.reasoning)
            if delta.tool_calls:
                for piece in delta.tool_calls:
                    parts = self._tool_parts.setdefault(piece.index, _ToolCallParts())
                    if piece.id:
                        parts.id = piece.id
                    if piece.type:
                        parts.type = piece.type
                    if piece.function is not None:
                        if piece.function.name:
                            parts.name += piece.function.name
                        if piece.function.arguments:
                            parts.arguments.append(piece.function.arguments)
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason
                self.completed = True
