"""When and how long to wait before retrying a failed request (as the official SDKs do)."""

from __future__ import annotations

import random

import httpx

from groq_tui.api.ratelimit import RateLimits

RETRYABLE_STATUS = frozenset({408, 409, 429})
NEVER_RETRIED_STATUS = frozenset({498})
"""Flex's capacity failure: it fails fast so the caller can switch tiers, not wait."""
INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
MAX_SERVER_DELAY = 60.0
"""A retry-after longer than this is not waited for: the error goes to the user instead."""


def should_retry(response: httpx.Response) -> bool:
    """Whether an error response is worth another attempt."""
    if response.status_code in NEVER_RETRIED_STATUS:
        return False
    hint = response.headers.get("x-should-retry")
    if hint == "true":
        return True
    if hint == "false":
        return False
    return response.status_code in RETRYABLE_STATUS or response.status_code >= 500


def retry_delay(attempt: int, headers: httpx.Headers | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based).

    The server's ``retry-after-ms`` / ``retry-after`` wins when it is sensible; otherwise
    exponential backoff from 0.5 s capped at 8 s, with up to 25 % jitter so that many
    clients do not retry in lock-step.
    """
    if headers is not None:
        wait = RateLimits.from_headers(headers).retry_after
        if wait is not None and 0 <= wait <= MAX_SERVER_DELAY:
            return wait
    delay = min(INITIAL_DELAY * 2.0**attempt, MAX_DELAY)
    return delay * (1.0 - 0.25 * random.random())
