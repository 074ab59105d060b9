"""Rate-limit headers and Go-style durations, as the live service sends them."""

from __future__ import annotations

import httpx
import pytest

from groq_tui.api import RateLimits, parse_go_duration
from groq_tui.api.retries import retry_delay, should_retry


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2m59.56s", 179.56),
        ("26ms", 0.026),
        ("7.66s", 7.66),
        ("1h2m3s", 3723.0),
        ("9m38.016s", 578.016),
        ("50.597142857s", 50.597142857),
        ("250us", 0.00025),
        ("12", 12.0),
        ("0.5", 0.5),
        ("-1.5s", -1.5),
    ],
)
def test_go_durations(text: str, seconds: float) -> None:
    assert parse_go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "5 minutes", "1x", "m", "2m59.56"])
def test_not_durations(text: str) -> None:
    assert parse_go_duration(text) is None


def test_headers_are_parsed() -> None:
    headers = httpx.Headers(
        {
            "X-RateLimit-Limit-Requests": "14400",
            "x-ratelimit-limit-tokens": "18000",
            "x-ratelimit-remaining-requests": "14399",
            "x-ratelimit-remaining-tokens": "17997",
            "x-ratelimit-reset-requests": "6s",
            "x-ratelimit-reset-tokens": "10ms",
            "retry-after": "3",
        }
    )
    limits = RateLimits.from_headers(headers)
    assert limits == RateLimits(14400, 18000, 14399, 17997, 6.0, 0.010, 3.0)
    assert limits.known


def test_retry_after_ms_wins_over_retry_after() -> None:
    headers = httpx.Headers({"retry-after": "30", "retry-after-ms": "1500"})
    assert RateLimits.from_headers(headers).retry_after == pytest.approx(1.5)


def test_retry_after_http_date() -> None:
    headers = httpx.Headers({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert RateLimits.from_headers(headers).retry_after == 0.0  # in the past: no wait


def test_missing_headers_are_none() -> None:
    limits = RateLimits.from_headers(httpx.Headers({"x-ratelimit-remaining-tokens": "junk"}))
    assert limits == RateLimits()
    assert not limits.known


def test_retry_delay_honours_server_then_backs_off() -> None:
    assert retry_delay(0, httpx.Headers({"retry-after": "2"})) == 2.0
    # A wait the server asks for beyond a minute is not slept through silently.
    assert retry_delay(0, httpx.Headers({"retry-after": "600"})) <= 0.5
    delays = [retry_delay(attempt) for attempt in range(6)]
    assert 0.375 <= delays[0] <= 0.5
    assert 0.75 <= delays[1] <= 1.0
    assert all(d <= 8.0 for d in delays)
    assert delays[5] >= 6.0  # capped at 8 s less up to 25 % jitter


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (408, {}, True),
        (409, {}, True),
        (429, {}, True),
        (500, {}, True),
        (503, {}, True),
        (400, {}, False),
        (401, {}, False),
        (404, {}, False),
        (413, {}, False),
        (498, {}, False),
        (400, {"x-should-retry": "true"}, True),
        (503, {"x-should-retry": "false"}, False),
    ],
)
def test_which_statuses_are_retried(status: int, headers: dict[str, str], expected: bool) -> None:
    assert should_retry(httpx.Response(status, headers=headers)) is expected
