"""The engine's HTTP face: the Groq API surface on aiohttp, in the caller's event loop.

Routes (under ``/v1``, the OpenAI-compatible root):

- ``GET /models``, ``GET /models/{id}``
- ``POST /chat/completions`` (JSON or server-sent events)
- ``POST /audio/transcriptions``, ``POST /audio/translations`` (multipart/form-data)
- ``POST /audio/speech`` (JSON in, the audio file out; with the ``voice`` extra)

and ``GET /health`` outside it. Inference runs in worker threads, so the loop that serves
HTTP never waits on a model. The app and ``--local`` run this in a ``groq-tui serve`` child
process (``groq_tui.services.local_engine``), not on their own loop.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web

from groq_tui.local.audio_params import AudioRequest, parse_audio_form, shape_transcript, too_large
from groq_tui.local.binding import DEFAULT_HOST, check_bind, url_host
from groq_tui.local.chat_engine import ChatEngine
from groq_tui.local.chat_params import ChatRequest, build_chat_request, requested_model
from groq_tui.local.chat_shapes import StreamShaper, new_request_id, shape_completion
from groq_tui.local.errors import EngineError
from groq_tui.local.models import EngineConfig
from groq_tui.local.registry import LocalModels
from groq_tui.local.speech_engine import Task
from groq_tui.local.voice_engine import parse_speech_body

log = logging.getLogger(__name__)

API_ROOT = "/v1"
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
"""The largest audio upload accepted (the service's limit for uploads)."""

STOP_GRACE_SECONDS = 1.0
"""How long ``RunningEngine.stop`` lets running requests finish before cancelling them."""

MODELS_KEY = web.AppKey("models", LocalModels)
API_KEY_KEY = web.AppKey("api_key", str)
REQUEST_ID_KEY = web.RequestKey("request_id", str)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error_response(error: EngineError, request_id: str | None = None) -> web.Response:
    headers = {"x-request-id": request_id} if request_id else None
    return web.json_response(error.to_body(), status=error.status, headers=headers)


def _internal_error(exc: BaseException) -> EngineError:
    return EngineError(
        f"the local engine failed: {type(exc).__name__}: {exc}",
        status=500,
        error_type="internal_server_error",
    )


@web.middleware
async def _errors_and_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give every request an id, and every failure the service's error format."""
    request_id = new_request_id()
    request[REQUEST_ID_KEY] = request_id
    try:
        response = await handler(request)
    except EngineError as exc:
        return _error_response(exc, request_id)
    except web.HTTPException as exc:
        if exc.status == 404:
            message = f"Unknown request URL: {request.method} {request.path}"
            code = "unknown_url"
        else:
            message, code = exc.reason, None
        return _error_response(EngineError(message, status=exc.status, code=code), request_id)
    except ConnectionResetError:
        raise  # the client went away mid-answer
    except Exception as exc:
        log.exception("local engine: %s %s failed", request.method, request.path)
        return _error_response(_internal_error(exc), request_id)
    if not response.prepared:
        response.headers["x-request-id"] = request_id
    return response


@web.middleware
async def _check_key(request: web.Request, handler: Handler) -> web.StreamResponse:
    """With an API key set, every API request must carry it as a bearer token."""
    key = request.app.get(API_KEY_KEY)
    if key and request.path.startswith(API_ROOT):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), key.encode()):
            raise EngineError(
                "Invalid API Key",
                status=401,
                code="invalid_api_key",
                error_type="invalid_request_error",
            )
    return await handler(request)


def _models(request: web.Request) -> LocalModels:
    return request.app[MODELS_KEY]


async def _list_models(request: web.Request) -> web.Response:
    return web.json_response({"object": "list", "data": _models(request).describe_all()})


async def _retrieve_model(request: web.Request) -> web.Response:
    return web.json_response(_models(request).describe(request.match_info["model"]))


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _json_body(request: web.Request) -> Any:
    try:
        return await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EngineError(
            f"the request body is not valid JSON: {exc}", code="invalid_json"
        ) from exc


async def _chat_completions(request: web.Request) -> web.StreamResponse:
    body = await _json_body(request)
    engine = _models(request).chat_engine(requested_model(body))
    chat = build_chat_request(body, engine.capabilities)
    request_id: str = request[REQUEST_ID_KEY]
    if chat.stream:
        return await _stream_chat(request, engine, chat, request_id)
    raw, queue_time = await engine.complete(chat.payload)
    answer = shape_completion(
        raw, model_id=engine.spec.id, request_id=request_id, queue_time=queue_time
    )
    return web.json_response(answer)


def _event(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


async def _stream_chat(
    request: web.Request, engine: ChatEngine, chat: ChatRequest, request_id: str
) -> web.StreamResponse:
    """Relay a generation as server-sent events, ending with ``data: [DONE]``.

    The first chunk is awaited before the response starts, so a request llama.cpp refuses
    still gets an ordinary JSON error with its status code.
    """
    stream = engine.open_stream(chat.payload)
    try:
        first = await anext(stream, None)
        shaper = StreamShaper(
            model_id=engine.spec.id,
            request_id=request_id,
            queue_time=stream.queue_time,
            include_usage=chat.include_usage,
        )
        pending = shaper.feed(first) if first is not None else []
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "x-request-id": request_id,
            }
        )
        await response.prepare(request)
        try:
            for chunk in pending:
                await response.write(_event(chunk))
            async for raw in stream:
                for chunk in shaper.feed(raw):
                    await response.write(_event(chunk))
            for chunk in shaper.close():
                await response.write(_event(chunk))
        except EngineError as exc:
            # Past the headers the status cannot change: the error travels as an event.
            await response.write(_event(exc.to_body()))
            return response
        except ConnectionResetError:
            raise  # the client went away: nothing more can be sent
        except Exception as exc:
            log.exception("local engine: a streamed generation failed")
            await response.write(_event(_internal_error(exc).to_body()))
            return response
        await response.write(b"data: [DONE]\n\n")
        return response
    finally:
        await stream.aclose()  # a client that went away stops the generation


async def _read_form(request: web.Request) -> tuple[dict[str, list[str]], bytes | None]:
    """The text fields and the ``file`` part of a multipart upload, within the size limit."""
    if request.content_length is not None and request.content_length > MAX_UPLOAD_BYTES:
        raise too_large(MAX_UPLOAD_BYTES)
    if not request.content_type.startswith("multipart/"):
        raise EngineError(
            "the audio endpoints take multipart/form-data with a 'file' part",
            code="invalid_content_type",
        )
    fields: dict[str, list[str]] = defaultdict(list)
    audio: bytes | None = None
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader):
            raise EngineError("nested multipart bodies are not accepted", code="invalid_body")
        name = part.name or ""
        data = bytearray()
        while chunk := await part.read_chunk():
            data.extend(chunk)
            if len(data) > MAX_UPLOAD_BYTES:
                raise too_large(MAX_UPLOAD_BYTES)
        if name == "file":
            audio = bytes(data)
        else:
            fields[name].append(data.decode("utf-8", errors="replace"))
    return dict(fields), audio


def _audio_handler(task: Task) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        fields, audio = await _read_form(request)
        audio_request: AudioRequest = parse_audio_form(fields, audio, task)
        engine = _models(request).speech_engine(audio_request.model)
        transcript = await engine.transcribe(audio_request.audio, audio_request.options)
        answer = shape_transcript(transcript, audio_request, request[REQUEST_ID_KEY])
        if isinstance(answer, str):
            return web.Response(text=answer, content_type="text/plain")
        return web.json_response(answer)

    return handle


async def _speech(request: web.Request) -> web.StreamResponse:
    body = await _json_body(request)
    models = _models(request)
    model_id = body.get("model") if isinstance(body, dict) else None
    if not isinstance(model_id, str) or not model_id:
        raise EngineError("'model' : property 'model' is missing", param="model")
    engine = models.voice_engine(model_id)
    spoken = await engine.speak(parse_speech_body(body, engine.voices))
    return web.Response(body=spoken.data, content_type=spoken.content_type)


def build_app(models: LocalModels, api_key: str | None = None) -> web.Application:
    """The aiohttp application serving ``models``.

    Args:
        models: The loaded models.
        api_key: If set, every ``/v1`` request must carry ``Authorization: Bearer <key>``.
    """
    app = web.Application(
        middlewares=[_errors_and_ids, _check_key], client_max_size=MAX_UPLOAD_BYTES
    )
    app[MODELS_KEY] = models
    if api_key:
        app[API_KEY_KEY] = api_key
    app.router.add_get("/health", _health)
    app.router.add_get(f"{API_ROOT}/models", _list_models)
    app.router.add_get(f"{API_ROOT}/models/{{model:.+}}", _retrieve_model)
    app.router.add_post(f"{API_ROOT}/chat/completions", _chat_completions)
    app.router.add_post(f"{API_ROOT}/audio/transcriptions", _audio_handler("transcribe"))
    app.router.add_post(f"{API_ROOT}/audio/translations", _audio_handler("translate"))
    app.router.add_post(f"{API_ROOT}/audio/speech", _speech)
    return app


@dataclass
class RunningEngine:
    """An engine serving on a socket; ``await stop()`` when done.

    Attributes:
        base_url: The OpenAI-compatible root, e.g. ``http://127.0.0.1:8765/v1``.
        host: The address it listens on.
        port: The port it listens on.
        models: The models it serves.
    """

    base_url: str
    host: str
    port: int
    models: LocalModels
    _runner: web.AppRunner
    _owns_models: bool

    async def stop(self) -> None:
        """Close the socket, then unload the models if this engine loaded them."""
        await self._runner.cleanup()
        if self._owns_models:
            await self.models.aclose()


async def start_engine(
    host: str = DEFAULT_HOST,
    port: int = 0,
    api_key: str | None = None,
    *,
    config: EngineConfig | None = None,
    models: LocalModels | None = None,
) -> RunningEngine:
    """Load the models (unless given) and serve them on ``host:port``.

    Args:
        host: The address to listen on; a non-loopback one needs ``api_key``.
        port: The port; 0 picks a free one (see ``RunningEngine.port``).
        api_key: A key every request must carry as a bearer token.
        config: What to load (bundled models by default); ignored when ``models`` is given.
        models: Already loaded models to serve (they are not unloaded by ``stop``).

    Raises:
        UnsafeBindError: A non-loopback ``host`` without ``api_key``.
        EngineUnavailable: The engine's packages or bundled models are missing.
        EngineConfigError: A configured model path is unusable.
        OSError: The address cannot be bound.
    """
    check_bind(host, api_key)
    owns_models = models is None
    loaded = models if models is not None else await LocalModels.load(config)
    runner = web.AppRunner(
        build_app(loaded, api_key),
        access_log=None,
        handle_signals=False,
        # On stop, requests still generating are cancelled after this long (which stops
        # llama.cpp at its next token) instead of holding the exit for minutes.
        shutdown_timeout=STOP_GRACE_SECONDS,
        # A client that hangs up cancels its request, which stops the generation too.
        handler_cancellation=True,
    )
    try:
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_port = int(runner.addresses[0][1])
    except BaseException:
        await runner.cleanup()
        if owns_models:
            await loaded.aclose()
        raise
    return RunningEngine(
        base_url=f"http://{url_host(host)}:{bound_port}{API_ROOT}",
        host=host,
        port=bound_port,
        models=loaded,
        _runner=runner,
        _owns_models=owns_models,
    )
