"""A streamed chat completion: an async iterator of chunks that also keeps the whole picture.

Events are parsed by :mod:`groq_tui.api.sse`, which follows the event-stream rules of the
HTML standard (CR, LF and CRLF line endings, comment lines, unknown fields, ``data:`` with or
without the space). On top of that this module knows what the Groq stream means: ``[DONE]``
ends it, the usage arrives in the last chunk's ``x_groq.usage`` (or ``usage`` with
``stream_options.include_usage``), reasoning arrives in ``delta.reasoning`` before the
content, tool calls arrive in pieces addressed by index, a compound model's built-in tool runs
arrive in ``delta.executed_tools`` (the same index again once the tool finished), an
``error`` event (or a data object holding ``error``) is a failure after whatever came before,
and a stream that stops without ``[DONE]`` or a finish reason is an interrupted reply.

A body is read as a stream when its content type says so, or, without one (or with a wrong
one), when its first bytes are plainly event-stream lines, as the official SDK does; any
other body fails at once with the server's words.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import ValidationError

from groq_tui.api.errors import (
    APIConnectionError,
    APIResponseError,
    APITimeoutError,
    StreamInterrupted,
    StreamTimeout,
    stream_error,
)
from groq_tui.api.ratelimit import RateLimits
from groq_tui.api.sse import ServerSentEvent, SSEDecoder, looks_like_sse
from groq_tui.api.types import (
    ChatCompletionChunk,
    ExecutedTool,
    FunctionCall,
    ToolCall,
    Usage,
)
from groq_tui.domain.closing import ClosedOnExit

SNIFF_BYTES = 64
"""Bytes (past any blank lines) read to decide whether an untyped body is an event stream."""

_parse_chunk = ChatCompletionChunk.model_validate
_validate_chunk_json = ChatCompletionChunk.__pydantic_validator__.validate_json


@dataclass(slots=True)
class _ToolCallParts:
    id: str = ""
    type: str = "function"
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ChatStream(ClosedOnExit):
    """The chunks of one streamed reply, plus what they add up to.

    Use as ``async for chunk in stream`` (ideally inside ``async with stream``). Leaving the
    loop early, cancelling the task or calling :meth:`aclose` closes the connection, which
    tells the server to stop generating.
    """

    def __init__(
        self,
        response: httpx.Response,
        *,
        head: bytes = b"",
        body: AsyncIterator[bytes] | None = None,
    ) -> None:
        """Read ``response``'s body as a stream.

        Args:
            response: The open response (its body unread, or read up to ``head``).
            head: Bytes already taken from the body (to sniff it), decoded first.
            body: The body's byte iterator that ``head`` came from, if any.
        """
        self._response = response
        self._head = head
        self._body = body if body is not None else response.aiter_bytes()
        self._iterator = self._iterate()
        self._tool_parts: dict[int, _ToolCallParts] = {}
        self._text_parts: list[str] = []
        self._reasoning_parts: list[str] = []
        self._executed_tools: dict[int, dict[str, Any]] = {}
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
        self.service_tier: str | None = None
        """The tier that served the stream, when the server said (``include_usage`` streams)."""
        self.x_groq_id: str | None = None
        """``x_groq.id`` of the first chunk: the request id as the body states it."""
        self.seed: int | None = None
        """``x_groq.seed``, when the server sent one."""

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
    def executed_tools(self) -> list[ExecutedTool]:
        """Built-in tool runs of a compound model, merged by index, in index order."""
        return [
            ExecutedTool.model_validate(fields)
            for _, fields in sorted(self._executed_tools.items())
        ]

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

    async def aclose(self) -> None:
        """Stop reading and close the connection (idempotent)."""
        await self._iterator.aclose()
        await self._response.aclose()

    async def until_done(self) -> ChatStream:
        """Read the rest of the stream, for callers that only want the totals."""
        async for _ in self:
            pass
        return self

    async def _event_batches(self) -> AsyncGenerator[list[ServerSentEvent], None]:
        """The events each network read completes (a layer per read, not per event)."""
        decoder = SSEDecoder()
        if self._head:
            yield decoder.feed(self._head)
        async for raw in self._body:
            yield decoder.feed(raw)
        yield decoder.flush()

    async def _iterate(self) -> AsyncGenerator[ChatCompletionChunk, None]:
        batches = self._event_batches()
        try:
            async for events in batches:
                for event in events:
                    data = event.data
                    if not data:
                        continue  # "data:" with nothing after it carries no chunk
                    if data == "[DONE]":
                        self.completed = True
                        return
                    if event.event == "error" or '"error"' in data:
                        payload = self._decode(data)
                        if event.event == "error" or (
                            isinstance(payload, dict) and "error" in payload
                        ):
                            raise stream_error(payload)
                        chunk = self._validate(payload)
                    else:
                        # pydantic-core parses and validates in one pass, as fast as
                        # json.loads alone; the validator is called directly on this hot path.
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
            await batches.aclose()
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
        x_groq = chunk.x_groq
        if x_groq is not None:
            if x_groq.usage is not None and chunk.usage is None:
                self.usage = x_groq.usage
            if x_groq.id and self.x_groq_id is None:
                self.x_groq_id = x_groq.id
            if x_groq.seed is not None:
                self.seed = x_groq.seed
        if chunk.service_tier is not None:
            self.service_tier = chunk.service_tier
        choice = chunk.first_choice
        if choice is None:
            return
        delta = choice.delta
        content = delta.content
        if content:
            self._text_parts.append(content)
        if delta.reasoning:
            self._reasoning_parts.append(delta.reasoning)
        if delta.executed_tools:
            self._absorb_executed_tools(delta.executed_tools)
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

    def _absorb_executed_tools(self, pieces: list[ExecutedTool]) -> None:
        for piece in pieces:
            fields = self._executed_tools.setdefault(piece.index, {})
            fields.update(piece.model_dump(exclude_unset=True))


async def open_chat_stream(response: httpx.Response) -> ChatStream:
    """The stream in ``response``, or an :class:`APIResponseError` if its body is not one.

    A ``text/event-stream`` response is a stream. Any other content type (or none) is read
    as one when its first bytes are event-stream lines; otherwise the body is read and the
    error quotes its start.
    """
    content_type = response.headers.get("content-type", "")
    if "text/event-stream" in content_type:
        return ChatStream(response)
    body = response.aiter_bytes()
    head = b""
    try:
        async for raw in body:
            head += raw
            if len(head.lstrip()) >= SNIFF_BYTES:
                break
        if looks_like_sse(head):
            return ChatStream(response, head=head, body=body)
        async for raw in body:
            head += raw
            if len(head) > 4096:
                break
    except httpx.TimeoutException as exc:
        await response.aclose()
        raise APITimeoutError("the server stopped sending before the stream began") from exc
    except (httpx.TransportError, httpx.StreamError) as exc:
        await response.aclose()
        raise APIConnectionError(f"the connection broke before the stream began: {exc}") from exc
    await response.aclose()
    text = head.decode("utf-8", errors="replace")
    raise APIResponseError(
        f"asked for a stream but the server answered {content_type or 'without a content type'} "
        f"and the body is not an event stream: {text[:200]!r}"
    )
