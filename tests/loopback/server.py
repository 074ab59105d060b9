"""The loopback server: a real HTTP server on 127.0.0.1 that behaves like the Groq API.

It runs aiohttp in a daemon thread with its own event loop, so tests on any event loop (or
none) - and subprocesses such as the ``groq-tui`` CLI - talk to it over real sockets.
Requests are recorded; scripted replies (``enqueue``) take precedence over the default,
live-like behaviour, authentication included, so a test gets exactly what it scripted.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from types import TracebackType

from aiohttp import web

from tests.loopback import audio, chat, corpus, rules, scripted, speech, wire
from tests.loopback.exchange import ClientGone, Exchange
from tests.loopback.records import RecordedRequest, record
from tests.loopback.replies import Reply

API_ROOT = "/openai/v1"
DEFAULT_TRANSCRIPT = "The quick brown fox jumps over the lazy dog."
DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
# Far above any upload limit a test sets, so our own 413 logic decides, not aiohttp's.
_CLIENT_MAX_SIZE = 1024**3

log = logging.getLogger(__name__)


def closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{API_ROOT}"


class LoopbackServer:
    """A Groq-compatible server on ``127.0.0.1``; see the package docstring for the API."""

    def __init__(self, api_key: str | None = "test-key", *, port: int = 0) -> None:
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self._wanted_port = port
        self._port: int | None = None
        self._queue: list[Reply] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._set_defaults()

    def _set_defaults(self) -> None:
        self.reply_text: str | None = None
        self.reasoning_text: str | None = None
        """What reasoning models think (default: a sentence about the question)."""
        self.flex_capacity: bool = True
        """False: ``service_tier: flex`` requests fail fast with 498 ``capacity_exceeded``."""
        self.transcript_text: str = DEFAULT_TRANSCRIPT
        self.max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
        self._remaining_requests = wire.LIMIT_REQUESTS

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> LoopbackServer:
        """Bind and start serving; returns once the socket accepts connections."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._serve, args=(ready, failure), name="loopback-server", daemon=True
        )
        self._thread.start()
        ready.wait()
        if failure:
            self._thread = None
            raise RuntimeError("loopback server failed to start") from failure[0]
        return self

    def stop(self) -> None:
        """Stop serving, cutting any streams still open. Safe to call twice."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        try:
            future.result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            self._loop = self._thread = self._runner = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _serve(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._startup())
        except BaseException as exc:  # reported to start() in the calling thread
            failure.append(exc)
            loop.close()
            ready.set()
            return
        self._loop = loop
        ready.set()
        try:
            loop.run_forever()
        finally:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _startup(self) -> None:
        app = web.Application(client_max_size=_CLIENT_MAX_SIZE)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self._wanted_port))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- addresses -----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the loopback server is not started")
        return self._port

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT`` - the base URL the official SDK wants (it adds /openai/v1)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible root, like ``https://api.groq.com/openai/v1``."""
        return self.origin + API_ROOT

    @property
    def unused_port_url(self) -> str:
        return closed_port_url()

    # -- scripting -----------------------------------------------------------------------------

    def enqueue(self, *replies: Reply) -> None:
        """Queue replies for the next matching requests, first in first out."""
        with self._lock:
            self._queue.extend(replies)

    def reset(self) -> None:
        """Forget requests and queued replies; restore every setting to its default."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self._set_defaults()

    def _take(self, path: str) -> Reply | None:
        for i, reply in enumerate(self._queue):
            if reply.matches(path):
                return self._queue.pop(i)
        return None

    # -- request handling ----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        received_at = time.monotonic()
        recorded = await record(request, received_at)
        with self._lock:
            self.requests.append(recorded)
            self._remaining_requests = max(self._remaining_requests - 1, 0)
            remaining = self._remaining_requests
            reply = self._take(recorded.path)
        ex = Exchange(request, recorded, wire.request_id(), remaining)
        try:
            if reply is not None:
                return await scripted.send(reply, ex, self.reply_text)
            return await self._default(ex)
        except wire.ApiError as error:
            return ex.error(error)
        except ClientGone:
            return web.Response()
        except Exception:  # a bug here must still answer like a server would
            log.exception("loopback server failed on %s %s", request.method, recorded.path)
            return ex.error(wire.ApiError(500, "Internal Server Error", "internal_server_error"))

    def _authorised(self, ex: Exchange) -> bool:
        if self.api_key is None:
            return True
        return ex.recorded.headers.get("authorization") == f"Bearer {self.api_key}"

    async def _default(self, ex: Exchange) -> web.StreamResponse:
        """What the live service does: auth, then route."""
        if not self._authorised(ex):
            raise wire.ApiError(401, "Invalid API Key", code="invalid_api_key")
        method, path = ex.recorded.method, ex.recorded.path
        if method == "GET" and path == f"{API_ROOT}/models":
            return ex.json(200, {"object": "list", "data": corpus.models()})
        if method == "GET" and path.startswith(f"{API_ROOT}/models/"):
            model_id = path.removeprefix(f"{API_ROOT}/models/")
            model = corpus.find_model(model_id)
            if model is None and chat.chunks_model(model_id):  # unlisted, but it answers
                model = {"id": model_id, "object": "model", "owned_by": "loopback", "active": True}
            if model is None:
                raise wire.model_not_found(model_id)
            return ex.json(200, model)
        if method == "POST" and path == f"{API_ROOT}/chat/completions":
            return await self._chat(ex)
        if method == "POST" and path == f"{API_ROOT}/audio/transcriptions":
            return self._audio(ex, "transcribe")
        if method == "POST" and path == f"{API_ROOT}/audio/translations":
            return self._audio(ex, "translate")
        if method == "POST" and path == f"{API_ROOT}/audio/speech":
            return await speech.respond(ex)
        raise wire.ApiError(
            404,
            f"Unknown request URL: {method} {path}. Please check the URL for typos, "
            "or see the docs at https://console.groq.com/docs/",
            code="unknown_url",
        )

    async def _chat(self, ex: Exchange) -> web.StreamResponse:
        body = chat.validate(ex.recorded.json)
        if body.get("service_tier") == "flex" and not self.flex_capacity:
            raise rules.FLEX_CAPACITY_EXCEEDED
        result = chat.answer(body, self.reply_text, self.reasoning_text)
        ids = chat.Ids(request_id=ex.request_id)
        tokens = result.prompt_tokens + result.completion_tokens
        if not body.get("stream"):
            return ex.json(200, chat.completion(result, ids), tokens)
        bench = chat.chunks_model(result.model)
        response = await ex.open_stream(ex.headers(200, tokens))
        rate = bench.rate if bench else None
        await ex.write_events(response, chat.stream_events(result, ids), rate)
        return await ex.finish(response)

    def _audio(self, ex: Exchange, task: audio.Task) -> web.Response:
        request = audio.validate(ex.recorded, task, self.max_upload_bytes)
        body, content_type = audio.respond(request, self.transcript_text, ex.request_id)
        return ex.body(200, body, content_type, ex.headers(200))
