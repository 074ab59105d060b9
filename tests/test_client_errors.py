"""Error responses map to the exception tree with the server's own words; retries."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from groq_tui.api import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FlexCapacityError,
    GroqClient,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeoutError,
    RequestTooLargeError,
    UnprocessableEntityError,
)
from tests.loopback import LoopbackServer, Reply

MODEL = "llama-3.1-8b-instant"
USER = [{"role": "user", "content": "hi"}]
FAST = {"retry-after-ms": "5"}


@pytest.fixture
async def client(loopback: LoopbackServer) -> AsyncIterator[GroqClient]:
    async with GroqClient(api_key="test-key", base_url=loopback.base_url, max_retries=0) as c:
        yield c


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (408, RequestTimeoutError),
        (409, ConflictError),
        (413, RequestTooLargeError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (498, FlexCapacityError),
        (500, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (418, APIStatusError),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
async def test_status_maps_to_type_with_server_words(
    client: GroqClient,
    loopback: LoopbackServer,
    status: int,
    error_class: type[APIStatusError],
    stream: bool,
) -> None:
    loopback.enqueue(
        Reply.error(status, f"words from the server {status}", type="some_type", code="some_code")
    )
    with pytest.raises(error_class) as info:
        await client.chat.completions.create(model=MODEL, messages=USER, stream=stream)
    error = info.value
    assert type(error) is error_class
    assert error.status_code == status
    assert error.message == f"words from the server {status}"
    assert error.error_type == "some_type"
    assert error.code == "some_code"
    assert error.request_id


async def test_invalid_key(loopback: LoopbackServer) -> None:
    async with GroqClient(api_key="wrong", base_url=loopback.base_url) as c:
        with pytest.raises(AuthenticationError) as info:
            await c.models.list()
    assert info.value.code == "invalid_api_key"
    assert "Invalid API Key" in info.value.message
    assert len(loopback.requests) == 1  # 401 is not retried


async def test_unknown_model(client: GroqClient) -> None:
    with pytest.raises(NotFoundError) as info:
        await client.chat.completions.create(model="no-such-model", messages=USER)
    assert info.value.code == "model_not_found"
    assert "no-such-model" in info.value.message


async def test_validation_error_from_the_server_keeps_param(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.enqueue(Reply.error(400, "'messages' : is required", param="messages"))
    with pytest.raises(BadRequestError) as info:
        await client.chat.completions.create(model=MODEL, messages=USER)
    assert info.value.param == "messages"


@pytest.mark.parametrize("kind", ["http_500", "http_502", "http_503"])
async def test_server_errors(client: GroqClient, loopback: LoopbackServer, kind: str) -> None:
    loopback.enqueue(Reply.fault(kind))
    with pytest.raises(InternalServerError) as info:
        await client.chat.completions.create(model=MODEL, messages=USER)
    assert info.value.status_code == int(kind[-3:])
    assert info.value.message


async def test_html_error_page_from_a_proxy(client: GroqClient, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.fault("html_502"))
    with pytest.raises(InternalServerError) as info:
        await client.chat.completions.create(model=MODEL, messages=USER, stream=True)
    assert info.value.status_code == 502
    assert "HTML page" in info.value.message
    assert "<html" not in info.value.message.lower()


async def test_rate_limit_carries_the_wait(client: GroqClient, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.rate_limited(retry_after=7))
    with pytest.raises(RateLimitError) as info:
        await client.chat.completions.create(model=MODEL, messages=USER)
    assert info.value.retry_after == pytest.approx(7)
    assert info.value.rate_limits.remaining_tokens is not None
    assert "rate limit" in info.value.message.lower()


async def test_connection_refused(loopback: LoopbackServer) -> None:
    async with GroqClient(base_url=loopback.unused_port_url, max_retries=0) as c:
        with pytest.raises(APIConnectionError, match="could not connect to 127.0.0.1"):
            await c.models.list()


async def test_connection_closed_before_response(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.enqueue(Reply.fault("close_before_response"))
    with pytest.raises(APIConnectionError):
        await client.chat.completions.create(model=MODEL, messages=USER)


# -- retries ----------------------------------------------------------------------------


async def retrying_client(loopback: LoopbackServer, retries: int = 2) -> GroqClient:
    return GroqClient(api_key="test-key", base_url=loopback.base_url, max_retries=retries)


@pytest.mark.parametrize(
    "failure",
    [
        Reply.rate_limited(retry_after=0.01),
        Reply.error(408, "timeout", headers=FAST),
        Reply.error(409, "conflict", headers=FAST),
        Reply.error(500, "boom", type="internal_server_error", headers=FAST),
        Reply.error(503, "unavailable", headers=FAST),
    ],
    ids=["429", "408", "409", "500", "503"],
)
async def test_retryable_failures_are_retried(loopback: LoopbackServer, failure: Reply) -> None:
    loopback.enqueue(failure)
    async with await retrying_client(loopback) as c:
        reply = await c.chat.completions.create(model=MODEL, messages=USER)
    assert reply.text
    assert len(loopback.requests) == 2


async def test_stream_request_is_retried_before_any_content(loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.rate_limited(retry_after=0.01))
    async with await retrying_client(loopback) as c:
        stream = await c.chat.completions.create(model=MODEL, messages=USER, stream=True)
        await stream.until_done()
    assert stream.text
    assert len(loopback.requests) == 2


async def test_retries_give_up_after_max_retries(loopback: LoopbackServer) -> None:
    for _ in range(3):
        loopback.enqueue(Reply.error(500, "still down", headers=FAST))
    async with await retrying_client(loopback, retries=2) as c:
        with pytest.raises(InternalServerError, match="still down"):
            await c.models.list()
    assert len(loopback.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 404, 413, 422])
async def test_client_errors_are_not_retried(loopback: LoopbackServer, status: int) -> None:
    loopback.enqueue(Reply.error(status, "no", headers=FAST))
    async with await retrying_client(loopback) as c:
        with pytest.raises(APIStatusError):
            await c.models.list()
    assert len(loopback.requests) == 1


async def test_x_should_retry_false_is_honoured(loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.error(503, "no", headers={"x-should-retry": "false"}))
    async with await retrying_client(loopback) as c:
        with pytest.raises(InternalServerError):
            await c.models.list()
    assert len(loopback.requests) == 1


async def test_backoff_without_server_hint_is_exponential(loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.error(500, "a"), Reply.error(500, "b"))
    async with await retrying_client(loopback) as c:
        await c.models.list()
    arrivals = [r.received_at for r in loopback.requests]
    assert len(arrivals) == 3
    first_wait, second_wait = arrivals[1] - arrivals[0], arrivals[2] - arrivals[1]
    # Lower bounds only (a busy machine adds to a wait, never takes away): 0.5 s then 1 s,
    # each less up to 25 % jitter; a constant backoff could not wait 0.7 s the second time.
    # How close the waits come to their targets is measured in benchmarks/bench_timings.py.
    assert first_wait >= 0.375 - 0.01
    assert second_wait >= 0.75 - 0.01


async def test_retry_after_is_honoured(loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.rate_limited(retry_after=0.6))
    async with await retrying_client(loopback) as c:
        await c.models.list()
    wait = loopback.requests[1].received_at - loopback.requests[0].received_at
    assert wait >= 0.55


async def test_connection_refused_is_retried_then_reported(loopback: LoopbackServer) -> None:
    async with GroqClient(base_url=loopback.unused_port_url, max_retries=1) as c:
        started = time.monotonic()
        with pytest.raises(APIConnectionError):
            await c.models.list()
    assert time.monotonic() - started >= 0.3  # it waited once before giving up
