"""Scripted replies: what a test wants the next matching request to get instead of the default.

A ``Reply`` is plain data; ``tests.loopback.scripted`` turns it into bytes on the socket.
Each factory takes an optional ``path`` filter (a substring of the request path), so a test
can script, say, the ``/models`` call without consuming it with a chat request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tests.loopback import wire
from tests.loopback.corpus import load_recording, resolve

ReplyKind = Literal["body", "sse", "fault", "stream_chunks", "rate_limited"]
FaultKind = Literal[
    "reset_mid_stream",
    "stall_mid_stream",
    "malformed_event",
    "no_done",
    "error_event",
    "error_in_data",
    "close_before_response",
    "http_500",
    "http_502",
    "http_503",
    "html_502",
]
FAULT_KINDS: frozenset[str] = frozenset(FaultKind.__args__)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Reply:
    """One scripted reply. Build it with the classmethods, not the constructor."""

    kind: ReplyKind
    status: int = 200
    body: bytes = b""
    content_type: str = wire.JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    path: str | None = None
    # sse
    chunk_size: int | None = None
    delay: float = 0.0
    # fault
    fault_kind: FaultKind | None = None
    after_chunks: int = 3
    stall_seconds: float = 30.0
    # stream_chunks
    n_chunks: int = 0
    rate: float | None = None
    # rate_limited
    retry_after: float = 1.0
    retry_after_ms: float | None = None
    # success replies carry the live x-ratelimit-* headers unless replayed from the corpus
    add_rate_limits: bool = True

    def matches(self, path: str) -> bool:
        return self.path is None or self.path in path

    # -- plain bodies --------------------------------------------------------------------------

    @classmethod
    def json(
        cls,
        status: int,
        body: dict[str, Any] | list[Any],
        headers: dict[str, str] | None = None,
        *,
        path: str | None = None,
    ) -> Reply:
        """Any JSON body with any status."""
        return cls("body", status, wire.json_body(body), wire.JSON_TYPE, dict(headers or {}), path)

    @classmethod
    def raw(
        cls,
        status: int,
        body: bytes | str,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        path: str | None = None,
    ) -> Reply:
        """Bytes as given, e.g. a ``response_format=text`` transcript or a proxy's HTML page."""
        data = body.encode() if isinstance(body, str) else body
        return cls("body", status, data, content_type, dict(headers or {}), path)

    @classmethod
    def error(
        cls,
        status: int,
        message: str,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
        *,
        path: str | None = None,
        **extra_error_fields: Any,
    ) -> Reply:
        """An error in the live format: ``{"error": {"message", "type", "param"?, "code"?}}``."""
        body = wire.error_object(message, type, code, param, **extra_error_fields)
        return cls("body", status, wire.json_body(body), wire.JSON_TYPE, dict(headers or {}), path)

    @classmethod
    def rate_limited(
        cls,
        retry_after: float = 1.0,
        retry_after_ms: float | None = None,
        headers: dict[str, str] | None = None,
        *,
        path: str | None = None,
    ) -> Reply:
        """A 429 worded like corpus 064, with ``retry-after`` and the ``x-ratelimit-*`` headers.

        The message names the model of the request it answers, like the live one.
        """
        return cls(
            "rate_limited",
            429,
            headers=dict(headers or {}),
            path=path,
            retry_after=retry_after,
            retry_after_ms=retry_after_ms,
        )

    @classmethod
    def recorded(cls, name_or_path: str | Path, *, path: str | None = None) -> Reply:
        """Replay a corpus interaction: its status, headers and body bytes.

        ``name_or_path`` is a corpus name (``"034_chat_stream__vercel-groq-tool-call-chunks"``),
        a unique ``NNN`` prefix, or a path. Encoding and framing headers are dropped because
        the stored body is already decoded (see the corpus README).
        """
        recording = load_recording(resolve(name_or_path))
        kind: ReplyKind = "sse" if recording.content_type.startswith(wire.SSE_TYPE) else "body"
        return cls(
            kind,
            recording.status,
            recording.body,
            recording.content_type,
            dict(recording.headers),
            path,
            add_rate_limits=False,
        )

    # -- streams -------------------------------------------------------------------------------

    @classmethod
    def sse(
        cls,
        body: bytes | str,
        chunk_size: int | None = None,
        delay: float = 0.0,
        *,
        headers: dict[str, str] | None = None,
        path: str | None = None,
    ) -> Reply:
        """A 200 ``text/event-stream`` sending ``body`` verbatim, in network writes of
        ``chunk_size`` bytes with ``delay`` seconds between them (framing tests)."""
        if chunk_size is not None and chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        data = body.encode() if isinstance(body, str) else body
        return cls(
            "sse",
            200,
            data,
            wire.SSE_TYPE,
            dict(headers or {}),
            path,
            chunk_size=chunk_size,
            delay=delay,
        )

    @classmethod
    def stream_chunks(cls, n: int, rate: float | None = None, *, path: str | None = None) -> Reply:
        """A normal chat stream of ``markdown_reply(n)``: n content deltas, usage in the
        final chunk's ``x_groq``, then ``[DONE]``. As fast as possible, or ``rate`` chunks/s."""
        if n < 0 or (rate is not None and rate <= 0):
            raise ValueError(f"need n >= 0 and rate > 0, got n={n}, rate={rate}")
        return cls("stream_chunks", 200, path=path, n_chunks=n, rate=rate)

    @classmethod
    def fault(
        cls,
        kind: FaultKind,
        after_chunks: int = 3,
        stall_seconds: float = 30.0,
        *,
        path: str | None = None,
    ) -> Reply:
        """A failure: see ``tests.loopback.scripted`` for what each kind does on the wire.

        ``after_chunks`` counts stream events (the first, role-only chunk included) sent
        before a mid-stream fault.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; choose from {sorted(FAULT_KINDS)}")
        return cls(
            "fault",
            path=path,
            fault_kind=kind,
            after_chunks=after_chunks,
            stall_seconds=stall_seconds,
        )
