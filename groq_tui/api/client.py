"""The async client: one long-lived httpx.AsyncClient, resources as attributes, retries.

    async with GroqClient(api_key=key) as client:
        reply = await client.chat.completions.create(model=..., messages=[...])
        stream = await client.chat.completions.create(model=..., messages=[...], stream=True)
        async for chunk in stream: ...

It works against any OpenAI-compatible server: ``base_url`` is the root that ``/models`` and
``/chat/completions`` hang off (Groq's is https://api.groq.com/openai/v1).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import httpx

from groq_tui import __version__
from groq_tui.api.errors import (
    APIConnectionError,
    APIResponseError,
    APITimeoutError,
    error_from_response,
)
from groq_tui.api.resources import Audio, Chat, Models
from groq_tui.api.retries import retry_delay, should_retry
from groq_tui.api.types import APIResponse
from groq_tui.domain.closing import ClosedOnExit

DEFAULT_BASE_URL = "https://api.groq.com/openai/v1"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2

ON_ITS_WAY = ("send_request_body.complete", "connect_tcp.started", "connect_unix_socket.started")
"""httpcore's trace events after which a request is on its way: its body written to a
connection, or a new connection being made (the request follows it without more work here)."""

log = logging.getLogger(__name__)
ResponseT = TypeVar("ResponseT", bound=APIResponse)


class GroqClient(ClosedOnExit):
    """An async client for the Groq API and other OpenAI-compatible servers.

    Args:
        api_key: Sent as a bearer token; None sends no Authorization header (local servers).
        base_url: The OpenAI-compatible root URL.
        max_retries: Extra attempts after a connection error, 408, 409, 429 or 5xx.
        timeout: Seconds (or an httpx.Timeout) for connect/read/write/pool.
        http_client: An httpx.AsyncClient to use instead of creating one (not closed here).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        max_retries: int = DEFAULT_MAX_RETRIES,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
        headers = {"User-Agent": f"groq-tui/{__version__}", "Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            timeout=self.timeout,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            follow_redirects=True,
        )
        self._headers = headers
        self.chat = Chat(self)
        """``client.chat.completions.create(...)``."""
        self.audio = Audio(self)
        """``client.audio.transcriptions.create(...)`` and ``.translations.create(...)``."""
        self.models = Models(self)
        """``client.models.list()`` and ``client.models.retrieve(id)``."""

    def __repr__(self) -> str:
        # Never show the key, not even in a traceback's locals.
        return f"GroqClient(base_url={self.base_url!r}, max_retries={self.max_retries})"

    @property
    def is_closed(self) -> bool:
        """Whether the connection pool is closed (requests would fail)."""
        return self._http.is_closed

    async def aclose(self) -> None:
        """Close the connection pool (if this client created it)."""
        if self._owns_http:
            await self._http.aclose()

    # -- requests --------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    async def send(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        stream: bool = False,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        on_its_way: Callable[[], None] | None = None,
    ) -> httpx.Response:
        """Send a request, retrying what is worth retrying; return a 2xx response.

        With ``stream=True`` the body is left unread (the caller must close the response).
        Nothing is retried once a 2xx response has been handed over, so a stream that
        already delivered content is never sent twice.

        ``on_its_way`` is called once, as soon as the first attempt's body has been written
        to a connection or a new connection starts being made: from then on the request
        goes on without the event loop's help until its response arrives, so a caller can
        do other work on the loop without holding it back.
        """
        retries = self.max_retries if max_retries is None else max_retries
        headers = dict(self._headers)
        if stream:
            headers["Accept"] = "text/event-stream"
        request = self._http.build_request(
            method,
            self._url(path),
            json=json,
            data=data,
            files=files,
            headers=headers,
            timeout=self._timeout(timeout),
            extensions=None if on_its_way is None else {"trace": _tracer(on_its_way)},
        )
        attempt = 0
        while True:
            try:
                response = await self._http.send(request, stream=True)
            except httpx.TimeoutException as exc:
                if attempt < retries:
                    await self._sleep_before_retry(attempt, None, exc)
                    attempt += 1
                    continue
                raise APITimeoutError(
                    f"{self._host()} did not answer within the timeout ({type(exc).__name__})"
                ) from exc
            except httpx.TransportError as exc:
                if attempt < retries:
                    await self._sleep_before_retry(attempt, None, exc)
                    attempt += 1
                    continue
                raise APIConnectionError(
                    f"could not connect to {self._host()}: {exc or type(exc).__name__}"
                ) from exc
            if response.is_success:
                if not stream:
                    await self._read(response)
                return response
            try:
                body = await response.aread()
            except httpx.HTTPError:
                body = b""
            finally:
                await response.aclose()
            if attempt < retries and should_retry(response):
                await self._sleep_before_retry(attempt, response.headers, None)
                attempt += 1
                continue
            raise error_from_response(response.status_code, response.headers, body)

    async def _read(self, response: httpx.Response) -> None:
        try:
            await response.aread()
        except httpx.TimeoutException as exc:
            raise APITimeoutError(f"{self._host()} stopped sending the response") from exc
        except httpx.TransportError as exc:
            raise APIConnectionError(f"the connection to {self._host()} broke: {exc}") from exc
        finally:
            await response.aclose()

    async def _sleep_before_retry(
        self, attempt: int, headers: httpx.Headers | None, exc: Exception | None
    ) -> None:
        delay = retry_delay(attempt, headers)
        log.info(
            "retrying in %.2fs after %s (attempt %d)",
            delay,
            type(exc).__name__ if exc else "an error status",
            attempt + 1,
        )
        await asyncio.sleep(delay)

    def _timeout(self, timeout: float | httpx.Timeout | None) -> httpx.Timeout:
        if timeout is None:
            return self.timeout
        return timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)

    def _host(self) -> str:
        return httpx.URL(self.base_url).host or self.base_url

    def parse(self, response: httpx.Response, model: type[ResponseT]) -> ResponseT:
        """Validate a JSON body into ``model`` and attach the response's HTTP metadata."""
        try:
            result = model.model_validate_json(response.content)
        except ValueError as exc:
            snippet = response.text[:200]
            raise APIResponseError(
                f"{self._host()} sent a response this client cannot read as "
                f"{model.__name__}: {snippet!r}"
            ) from exc
        return attach_metadata(result, response)


def attach_metadata(result: ResponseT, response: httpx.Response) -> ResponseT:
    """Record the rate-limit headers and request id of ``response`` on ``result``."""
    from groq_tui.api.ratelimit import RateLimits

    result._rate_limits = RateLimits.from_headers(response.headers)
    result._request_id = response.headers.get("x-request-id")
    return result


def _tracer(on_its_way: Callable[[], None]) -> Callable[[str, dict[str, Any]], Awaitable[None]]:
    """httpcore's ``trace`` extension calling ``on_its_way`` once (see :data:`ON_ITS_WAY`)."""
    told = False

    async def trace(event: str, info: dict[str, Any]) -> None:
        nonlocal told
        if not told and event.endswith(ON_ITS_WAY):
            told = True
            on_its_way()

    return trace
