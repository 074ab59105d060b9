"""``groq-tui serve``: run the engine in the foreground until Ctrl+C."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

from groq_tui.local.binding import DEFAULT_HOST, check_bind
from groq_tui.local.errors import (
    EngineConfigError,
    EngineError,
    EngineUnavailable,
    UnsafeBindError,
)
from groq_tui.local.models import EngineConfig, require_engine

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _fail(message: str, code: int) -> int:
    print(f"groq-tui serve: {message}", file=sys.stderr)
    return code


def run_serve(
    host: str | None,
    port: int,
    api_key: str | None,
    extra_gguf: list[str],
    whisper_path: str | None,
) -> int:
    """Serve the engine on ``host:port`` until interrupted.

    Prints ``groq-tui engine listening on <base_url>`` once the models are loaded and the
    socket is bound.

    Args:
        host: The address to listen on; None means loopback. Any other address must be given
            explicitly and needs ``api_key``.
        port: The port (0 picks a free one).
        api_key: A key every request must carry as ``Authorization: Bearer <key>``.
        extra_gguf: More chat models, each ``PATH`` or ``ID=PATH``.
        whisper_path: A CTranslate2 Whisper model directory to serve as well.

    Returns:
        0 after Ctrl+C (or SIGTERM), 1 if the engine cannot run, 2 for a refused address or
        an unusable model path.
    """
    bind = host if host is not None else DEFAULT_HOST
    try:
        check_bind(bind, api_key)
        require_engine()
    except UnsafeBindError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except EngineUnavailable as exc:
        return _fail(str(exc), EXIT_FAILED)
    config = EngineConfig(extra_gguf=tuple(extra_gguf), whisper_path=whisper_path)
    try:
        return asyncio.run(_serve(bind, port, api_key, config))
    except KeyboardInterrupt:  # where signal handlers cannot be installed (Windows)
        return EXIT_OK


async def _serve(host: str, port: int, api_key: str | None, config: EngineConfig) -> int:
    from groq_tui.local.server import start_engine

    try:
        engine = await start_engine(host, port, api_key, config=config)
    except EngineConfigError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except (EngineUnavailable, EngineError) as exc:
        return _fail(str(exc), EXIT_FAILED)
    except OSError as exc:
        return _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}", EXIT_FAILED)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    print(f"groq-tui engine listening on {engine.base_url}", flush=True)
    print(f"models: {', '.join(engine.models.ids)}", flush=True)
    try:
        await stop.wait()
    finally:
        await engine.stop()
    return EXIT_OK
