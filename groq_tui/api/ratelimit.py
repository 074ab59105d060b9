"""Rate-limit and retry headers, as the service sends them.

Groq reports its limits in ``x-ratelimit-*`` headers on every successful response; the resets
are Go-style durations (``2m59.56s``, ``26ms``, ``7.66s``, ``1h2m3s``). A 429 adds
``retry-after`` (seconds) and sometimes ``retry-after-ms``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

_GO_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_GO_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_go_duration(text: str) -> float | None:
    """Seconds in a Go ``time.Duration`` string such as ``2m59.56s``; None if it is not one.

    A bare number is taken as seconds, which is what some proxies send.
    """
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        pass
    sign = -1.0 if text.startswith("-") else 1.0
    body = text.lstrip("+-")
    total = 0.0
    pos = 0
    for match in _GO_PART.finditer(body):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _GO_UNITS[match.group(2)]
        pos = match.end()
    if pos != len(body) or pos == 0:
        return None
    return sign * total


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except ValueError:
        return None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait, from ``retry-after-ms`` or ``retry-after`` (seconds or HTTP date)."""
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = parse_go_duration(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import UTC, datetime

    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@dataclass(frozen=True, slots=True)
class RateLimits:
    """What the server said about its limits in one response's headers (None: not sent)."""

    limit_requests: int | None = None
    limit_tokens: int | None = None
    remaining_requests: int | None = None
    remaining_tokens: int | None = None
    reset_requests: float | None = None
    """Seconds until the request budget is refilled."""
    reset_tokens: float | None = None
    """Seconds until the token budget is refilled."""
    retry_after: float | None = None
    """Seconds the server asked us to wait before retrying (429, 503)."""

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimits:
        """Parse the headers of a response (header names are case-insensitive in httpx)."""
        reset_requests = headers.get("x-ratelimit-reset-requests")
        reset_tokens = headers.get("x-ratelimit-reset-tokens")
        return cls(
            limit_requests=_int_header(headers, "x-ratelimit-limit-requests"),
            limit_tokens=_int_header(headers, "x-ratelimit-limit-tokens"),
            remaining_requests=_int_header(headers, "x-ratelimit-remaining-requests"),
            remaining_tokens=_int_header(headers, "x-ratelimit-remaining-tokens"),
            reset_requests=parse_go_duration(reset_requests) if reset_requests else None,
            reset_tokens=parse_go_duration(reset_tokens) if reset_tokens else None,
            retry_after=_retry_after(headers),
        )

    @property
    def known(self) -> bool:
        """Whether the response carried any rate-limit information at all."""
        return any(
            value is not None
            for value in (
                self.limit_requests,
                self.limit_tokens,
                self.remaining_requests,
                self.remaining_tokens,
                self.retry_after,
            )
        )
