"""Chat with a GGUF model through llama.cpp, run in-process by ``xllamacpp``.

``xllamacpp.Server`` embeds llama.cpp's own OpenAI-compatible server: its
``handle_chat_completions`` takes the request as a dict and returns the answer, or calls back
once per chunk when streaming. Those calls block (with the GIL released), so they run in a
worker thread of the model's own, one generation at a time; the time a request waits for it
is the ``queue_time`` the service reports.

llama.cpp's embedded server also listens on an ephemeral loopback port. It is given a random
key nobody else knows, and this module only asks it once for the model's properties (context
size, whether the chat template supports tools).
"""

from __future__ import annotations

import asyncio
import importlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast

import httpx

from groq_tui.local.chat_params import ChatCapabilities
from groq_tui.local.chat_shapes import assemble_completion
from groq_tui.local.errors import EngineError
from groq_tui.local.model_worker import ModelWorker
from groq_tui.local.models import ChatModelSpec, EngineConfig

ChunkCallback = Callable[[dict[str, Any]], bool]


class LlamaServer(Protocol):
    """The part of ``xllamacpp.Server`` used here (the package ships no type hints)."""

    @property
    def listening_address(self) -> str:
        """The embedded HTTP server's root URL."""
        ...

    def handle_chat_completions(
        self, request: dict[str, Any], callback: ChunkCallback | None = None
    ) -> Any:
        """Answer a chat request; with a callback, stream chunks to it."""
        ...


@dataclass(frozen=True, slots=True)
class ChatModelInfo:
    """What /models says about a chat model.

    Attributes:
        context_window: Tokens of context the engine gives the model.
        supports_tools: Whether its chat template supports tools.
        created: The model file's modification time (Unix seconds).
    """

    context_window: int
    supports_tools: bool
    created: int


class RawChatStream:
    """llama.cpp's stream chunks handed from the worker thread to the event loop.

    Iterate it with ``async for``; :meth:`aclose` (or leaving the loop and closing it) tells
    llama.cpp to stop generating at the next token.
    """

    _END = object()

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._cancel = threading.Event()
        self.queue_time = 0.0
        """Seconds the request waited for the model (set before the first chunk)."""

    @property
    def cancelled(self) -> bool:
        """Whether the consumer has gone away."""
        return self._cancel.is_set()

    def deliver(self, chunk: dict[str, Any]) -> bool:
        """Worker side: pass one chunk on; True asks llama.cpp to stop."""
        return self._post(chunk) or self._cancel.is_set()

    def finish(self, error: BaseException | None) -> None:
        """Worker side: the generation ended (with ``error`` if it failed)."""
        self._post(self._END if error is None else error)

    def _post(self, item: object) -> bool:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # the event loop is closed: nobody is listening any more
            self._cancel.set()
            return True
        return False

    def __aiter__(self) -> RawChatStream:
        return self

    async def __anext__(self) -> dict[str, Any]:
        item = await self._queue.get()
        if item is self._END:
            raise StopAsyncIteration
        if isinstance(item, BaseException):
            raise item
        return cast(dict[str, Any], item)

    async def aclose(self) -> None:
        """Stop the generation (idempotent)."""
        self._cancel.set()


class ChatEngine:
    """One loaded GGUF chat model.

    Args:
        spec: The model's id and file.
        server: The loaded llama.cpp server.
        info: Its properties for /models.
    """

    def __init__(self, spec: ChatModelSpec, server: LlamaServer, info: ChatModelInfo) -> None:
        self.spec = spec
        self.info = info
        self.capabilities = ChatCapabilities(model_id=spec.id, supports_tools=info.supports_tools)
        self._server: LlamaServer | None = server
        # Generations queue here, one at a time; a queued request holds no thread.
        self._worker = ModelWorker(f"chat-{spec.id}")

    @classmethod
    def load(cls, spec: ChatModelSpec, config: EngineConfig) -> ChatEngine:
        """Load the model (blocking: call it from a worker thread).

        Raises:
            EngineError: llama.cpp could not load the file.
        """
        xllamacpp: Any = importlib.import_module("xllamacpp")
        params = xllamacpp.CommonParams()
        params.model.path = str(spec.path)
        params.n_ctx = config.context_size
        params.n_parallel = 1
        params.cpuparams.n_threads = config.thread_count
        params.cpuparams_batch.n_threads = config.thread_count
        params.verbosity = 0  # llama.cpp's log lines would land on the TUI's terminal
        params.hostnames = ["127.0.0.1"]
        params.port = 0
        params.ui = False
        params.endpoint_slots = False
        key = secrets.token_urlsafe(32)
        params.api_keys = [key]
        try:
            server = cast(LlamaServer, xllamacpp.Server(params))
        except RuntimeError as exc:
            raise EngineError(
                f"llama.cpp could not load {str(spec.path)!r}: {exc}",
                status=500,
                error_type="internal_server_error",
            ) from exc
        return cls(spec, server, _model_info(server, key, spec, config))

    async def complete(self, payload: dict[str, Any]) -> tuple[dict[str, Any], float]:
        """Answer a non-streamed request.

        The generation runs as a stream underneath and is added up here, so that cancelling
        this call (the engine stopping) stops llama.cpp at the next token.

        Returns:
            The answer (or llama.cpp's error object) and the seconds spent queued.
        """
        stream = self.open_stream(
            {**payload, "stream": True, "stream_options": {"include_usage": True}}
        )
        try:
            chunks = [chunk async for chunk in stream]
        finally:
            await stream.aclose()
        return assemble_completion(chunks), stream.queue_time

    def open_stream(self, payload: dict[str, Any]) -> RawChatStream:
        """Start a streamed generation; its chunks arrive through the returned stream."""
        server = self._require_server()
        stream = RawChatStream(asyncio.get_running_loop())
        submitted = time.perf_counter()

        def run() -> None:
            stream.queue_time = time.perf_counter() - submitted
            try:
                if not stream.cancelled:  # the client may have left while queued
                    server.handle_chat_completions(payload, stream.deliver)
            except (RuntimeError, ValueError) as exc:
                stream.finish(EngineError(str(exc), code="invalid_request"))
            except Exception as exc:  # reported to the client rather than lost in a thread
                stream.finish(exc)
            else:
                stream.finish(None)

        self._worker.submit(run)  # not awaited: run() reports everything through the stream
        return stream

    async def aclose(self) -> None:
        """Unload the model after the generations already queued for it (idempotent)."""
        if self._server is None:
            return

        def drop() -> None:
            self._server = None  # xllamacpp stops its server when the object goes

        await self._worker.unload(drop)

    def _require_server(self) -> LlamaServer:
        if self._server is None:
            raise EngineError(
                f"the model `{self.spec.id}` has been unloaded",
                status=503,
                error_type="internal_server_error",
                code="model_unloaded",
            )
        return self._server


def _model_info(
    server: LlamaServer, key: str, spec: ChatModelSpec, config: EngineConfig
) -> ChatModelInfo:
    """Ask the embedded llama.cpp server for the model's context size and template caps."""
    context = config.context_size
    supports_tools = False
    headers = {"Authorization": f"Bearer {key}"}
    try:
        with httpx.Client(base_url=server.listening_address, headers=headers, timeout=10) as http:
            props = http.get("/props").raise_for_status().json()
            models = http.get("/v1/models").raise_for_status().json()
        caps = props.get("chat_template_caps") or {}
        supports_tools = bool(caps.get("supports_tools") and caps.get("supports_tool_calls"))
        context = int(props.get("default_generation_settings", {}).get("n_ctx") or context)
        trained = (models.get("data") or [{}])[0].get("meta", {}).get("n_ctx_train")
        if isinstance(trained, int) and trained > 0:
            context = min(context, trained)
    except (httpx.HTTPError, ValueError, TypeError, AttributeError, IndexError):
        pass  # keep the configured size and no tools: the safe answer
    return ChatModelInfo(
        context_window=context,
        supports_tools=supports_tools,
        created=int(spec.path.stat().st_mtime),
    )
