"""Byte-level conventions of the live Groq API, shared by every part of the loopback server.

Kept in one place so that ids, JSON serialisation, error bodies, SSE framing and the
rate-limit headers look the same whichever endpoint or scripted reply produced them.
The corpus in ``tests/fixtures/groq-recorded`` is the source of every format here.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from typing import Any

# Crockford base32, lower case, as in live request ids such as ``req_01k7fpjftvfzsb589zv8m8bhwg``.
_ULID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_TOOL_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"

JSON_TYPE = "application/json"
SSE_TYPE = "text/event-stream"

# Limits of the free tier for llama-3.1-8b-instant, as in the headers of corpus 051.
LIMIT_REQUESTS = 14400
LIMIT_TOKENS = 6000
SECONDS_PER_REQUEST = 86400 / LIMIT_REQUESTS  # requests replenish over a day
TOKENS_PER_SECOND = LIMIT_TOKENS / 60  # tokens replenish over a minute


def request_id() -> str:
    """A live-looking request id (``x-request-id`` header and ``x_groq.id``)."""
    return "req_01" + "".join(secrets.choice(_ULID_ALPHABET) for _ in range(24))


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4()}"


def system_fingerprint() -> str:
    return "fp_" + secrets.token_hex(5)


def tool_call_id() -> str:
    """Nine lower-case characters, like the 2026 recordings (corpus 031: ``ax9fskhev``)."""
    return "".join(secrets.choice(_TOOL_ID_ALPHABET) for _ in range(9))


def now() -> int:
    return int(time.time())


def dumps(value: Any) -> str:
    """Compact JSON, as the live service sends it (no spaces, UTF-8 kept)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def json_body(value: Any) -> bytes:
    """A JSON response body: compact and newline-terminated (content-length 96 in corpus 045)."""
    return (dumps(value) + "\n").encode()


def error_object(
    message: str,
    type: str = "invalid_request_error",
    code: str | None = None,
    param: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """``{"error": {...}}`` with the live key order: message, type, param, code, extras."""
    error: dict[str, Any] = {"message": message, "type": type}
    if param is not None:
        error["param"] = param
    if code is not None:
        error["code"] = code
    error.update(extra)
    return {"error": error}


def sse_event(data: str, event: str | None = None) -> bytes:
    """One event-stream event as the live service frames it: ``data: ...`` then a blank line."""
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {data}\n\n".encode()


SSE_DONE = sse_event("[DONE]")


def go_duration(seconds: float) -> str:
    """Format like Go's ``time.Duration.String``, as the live headers do.

    The service turns float seconds into whole nanoseconds by truncation, which is where its
    ``11.739999999s`` (051) and ``224.999999ms`` (059) come from; so does this. Durations
    under a millisecond use ``µs``/``ns`` as Go does.
    """
    nanos = int(seconds * 1e9)
    if nanos <= 0:
        return "0s"
    if nanos < 1_000_000:
        unit, scale = ("ns", 1) if nanos < 1000 else ("µs", 1000)
        return _decimal(nanos, scale) + unit
    if nanos < 1_000_000_000:
        return _decimal(nanos, 1_000_000) + "ms"
    hours, nanos = divmod(nanos, 3_600 * 10**9)
    minutes, nanos = divmod(nanos, 60 * 10**9)
    text = f"{hours}h" if hours else ""
    if hours or minutes:
        text += f"{minutes}m"
    return text + _decimal(nanos, 10**9) + "s"


def _decimal(value: int, scale: int) -> str:
    """``value / scale`` written exactly, without trailing zeros (``11.739999999``)."""
    whole, fraction = divmod(value, scale)
    if not fraction:
        return str(whole)
    digits = len(str(scale)) - 1
    return f"{whole}.{fraction:0{digits}d}".rstrip("0")


def number_text(value: float) -> str:
    """A number without trailing zeros, at most millisecond precision (``7``, ``0.01``)."""
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def rate_limit_headers(remaining_requests: int, tokens_used: int) -> dict[str, str]:
    """The six ``x-ratelimit-*`` headers, named exactly as live (corpus 021, 051)."""
    used_requests = LIMIT_REQUESTS - remaining_requests
    return {
        "x-ratelimit-limit-requests": str(LIMIT_REQUESTS),
        "x-ratelimit-limit-tokens": str(LIMIT_TOKENS),
        "x-ratelimit-remaining-requests": str(max(remaining_requests, 0)),
        "x-ratelimit-remaining-tokens": str(max(LIMIT_TOKENS - tokens_used, 0)),
        # used / limit * window, in that order: the float rounding of this product is what
        # gives the live values their ``.739999999`` tails (051: 1174 of 6000 -> 11.739999999s).
        "x-ratelimit-reset-requests": go_duration(used_requests / LIMIT_REQUESTS * 86400),
        "x-ratelimit-reset-tokens": go_duration(tokens_used / LIMIT_TOKENS * 60),
    }


class ApiError(Exception):
    """A live-format error response, raised by validation anywhere in the request handling."""

    def __init__(
        self,
        status: int,
        message: str,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.payload = error_object(message, type, code, param)


def model_not_found(model: str) -> ApiError:
    """404 worded exactly like corpus 005/006."""
    return ApiError(
        404,
        f"The model `{model}` does not exist or you do not have access to it.",
        code="model_not_found",
    )


def missing_property(name: str) -> ApiError:
    """The live schema validator's wording for an absent required field."""
    return ApiError(400, f"'{name}' : property '{name}' is missing")
