"""The client's exceptions: a small tree, one type per kind of failure a user must tell apart.

Every error raised from a server response carries the server's own ``message``, ``type`` and
``code`` from its ``{"error": {...}}`` body (or the raw body when a proxy answered with HTML).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from groq_tui.api.ratelimit import RateLimits

if TYPE_CHECKING:
    import httpx


class GroqError(Exception):
    """Base of everything this client raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequestParameter(GroqError, ValueError):
    """A request parameter is out of the range the API allows; nothing was sent."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param


class UnsupportedAudioFormat(InvalidRequestParameter):
    """The audio file's extension is not one the service accepts; nothing was uploaded."""


class APIConnectionError(GroqError):
    """The server could not be reached, or the connection broke."""


class APITimeoutError(APIConnectionError):
    """The server did not answer (or stopped streaming) within the timeout."""


class StreamInterrupted(APIConnectionError):
    """A streamed reply ended before the server said it was complete.

    Raised after every chunk that did arrive has been delivered; ``partial_text`` holds the
    content received so far.
    """

    def __init__(self, message: str, partial_text: str = "") -> None:
        super().__init__(message)
        self.partial_text = partial_text


class StreamTimeout(StreamInterrupted, APITimeoutError):
    """The server went silent mid-reply for longer than the read timeout."""


class APIResponseError(GroqError):
    """The server answered with something the client cannot read as the API's format."""


class APIError(GroqError):
    """The server reported an error, in its body or inside a stream."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        body: Any = None,
        headers: httpx.Headers | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error_type = error_type
        self.code = code
        self.param = param
        self.body = body
        if headers is None:
            import httpx  # here: the app's first frame checks parameters without loading httpx

            headers = httpx.Headers()
        self.headers = headers
        self.rate_limits = RateLimits.from_headers(self.headers)
        self.request_id: str | None = self.headers.get("x-request-id")

    def __str__(self) -> str:
        prefix = f"{self.status_code} " if self.status_code else ""
        kind = f" ({self.code or self.error_type})" if (self.code or self.error_type) else ""
        return f"{prefix}{self.message}{kind}"


class APIStatusError(APIError):
    """An HTTP error status without a more specific type here."""


class BadRequestError(APIStatusError):
    """400: the server rejected the request (bad parameter, decommissioned model, ...)."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing or invalid."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not use this resource (or the network is blocked)."""


class NotFoundError(APIStatusError):
    """404: unknown model or path."""


class RequestTimeoutError(APIStatusError):
    """408: the server timed out waiting for the request."""


class ConflictError(APIStatusError):
    """409: a conflicting request is in progress."""


class RequestTooLargeError(APIStatusError):
    """413: the upload or the prompt is too large."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but could not be processed."""


class RateLimitError(APIStatusError):
    """429: a request or token limit was hit; ``retry_after`` says how long to wait."""

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait, if it said."""
        return self.rate_limits.retry_after


class FlexCapacityError(APIStatusError):
    """498 ``capacity_exceeded``: the flex tier has no capacity for this request right now.

    Flex fails fast by design, so the client does not retry it; the way on is to resend the
    request with ``service_tier="on_demand"`` (or to try flex again later).
    """

    hint = "the flex tier is at capacity: resend with service_tier on_demand, or retry later"

    def __str__(self) -> str:
        return f"{super().__str__()} - {self.hint}"


class InternalServerError(APIStatusError):
    """5xx: the service (or a proxy in front of it) failed."""


class StreamError(APIError):
    """The server reported an error inside a stream, after the content already delivered."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    409: ConflictError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    498: FlexCapacityError,
}


def _describe_non_json(status: int, text: str, content_type: str) -> str:
    """A one-line description of a body that is not the API's JSON (a proxy's HTML page)."""
    if "html" in content_type or text.lstrip().startswith("<"):
        import re

        title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
        heading = title.group(1).strip() if title else f"HTTP {status}"
        return f"{heading} (an HTML page from a proxy or gateway, not the API)"
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    return first_line[:300] or f"HTTP {status} with an empty body"


def error_from_response(status: int, headers: httpx.Headers, body: bytes) -> APIStatusError:
    """Build the exception for an error response, keeping the server's own words."""
    text = body.decode("utf-8", errors="replace")
    parsed: Any = None
    try:
        parsed = json.loads(text) if text.strip() else None
    except ValueError:
        parsed = None
    message: str | None = None
    error_type = code = param = None
    if isinstance(parsed, dict):
        error = parsed.get("error", parsed)
        if isinstance(error, dict):
            message = str(error["message"]) if error.get("message") is not None else None
            error_type = _opt_str(error.get("type"))
            code = _opt_str(error.get("code"))
            param = _opt_str(error.get("param"))
        elif isinstance(error, str):
            message = error
    if message is None:
        message = _describe_non_json(status, text, headers.get("content-type", ""))
    cls = _STATUS_ERRORS.get(status)
    if cls is None:
        cls = InternalServerError if status >= 500 else APIStatusError
    return cls(
        message,
        status_code=status,
        error_type=error_type,
        code=code,
        param=param,
        body=parsed if parsed is not None else text,
        headers=headers,
    )


def stream_error(payload: Any) -> StreamError:
    """Build the exception for an ``error`` event (or error object) inside a stream."""
    error = payload.get("error", payload) if isinstance(payload, dict) else payload
    if isinstance(error, dict):
        status = error.get("status_code")
        return StreamError(
            str(error.get("message") or "the server reported an error during streaming"),
            status_code=status if isinstance(status, int) else None,
            error_type=_opt_str(error.get("type")),
            code=_opt_str(error.get("code")),
            param=_opt_str(error.get("param")),
            body=payload,
        )
    return StreamError(str(error or "the server reported an error during streaming"), body=payload)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
