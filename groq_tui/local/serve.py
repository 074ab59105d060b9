"""``groq-tui serve``: run the engine in the foreground until Ctrl+C (or its parent is gone).

Run by a person, it prints where it listens and serves until interrupted. Run by a parent
process (the app's offline mode, ``--local`` on the CLI), two flags make it a child that
cannot leak:

- ``--api-key-stdin``: the key is the first line of standard input, so it never shows in
  ``ps`` (argv) or ``/proc/PID/environ``;
- ``--exit-with-stdin``: the end of standard input stops the engine as SIGTERM would. The
  parent holds the only write end of that pipe, and the kernel closes it however the parent
  ends (even SIGKILL), so the engine never outlives it.

The first line on standard output, once the models are loaded and the socket is bound, is
``groq-tui engine listening on <base_url>`` (:data:`READY_PREFIX`); a failure to start is
one line on standard error, ``groq-tui serve: <message>``, and a non-zero exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading

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

READY_PREFIX = "groq-tui engine listening on "
"""The start of the line that says the engine answers; the base URL follows it."""

ERROR_PREFIX = "groq-tui serve: "
"""The start of the line on standard error that says why the engine could not start."""

ORPHAN_EXIT_SECONDS = 10.0
"""How long an engine whose parent is gone may take to stop before it exits regardless."""


def _fail(message: str, code: int) -> int:
    print(f"{ERROR_PREFIX}{message}", file=sys.stderr, flush=True)
    return code


def run_serve(
    host: str | None,
    port: int,
    api_key: str | None,
    extra_gguf: list[str],
    whisper_path: str | None,
    *,
    api_key_stdin: bool = False,
    exit_with_stdin: bool = False,
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
        api_key_stdin: Read the key from the first line of standard input instead.
        exit_with_stdin: Stop when standard input reaches its end (the parent is gone).

    Returns:
        0 after Ctrl+C, SIGTERM or the end of standard input (with ``exit_with_stdin``), 1 if
        the engine cannot run, 2 for a refused address, a missing key or an unusable model
        path.
    """
    if api_key_stdin:
        api_key = sys.stdin.buffer.readline().decode(errors="replace").strip()
        if not api_key:
            return _fail("--api-key-stdin: standard input gave no key", EXIT_USAGE)
    if exit_with_stdin:
        # Started before the models load, so a parent gone during a long load ends it too.
        threading.Thread(target=_stop_at_end_of_stdin, name="stdin-watch", daemon=True).start()
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


def _stop_at_end_of_stdin() -> None:
    """Wait for standard input to end, then stop this process as SIGTERM does.

    SIGTERM, rather than a call into the event loop, because it also ends a process still
    loading its models (no handler is installed yet: the default action terminates it).
    A stop that does not finish in :data:`ORPHAN_EXIT_SECONDS` (a transcription holding its
    worker thread) ends in ``os._exit``: nobody is left to wait for the answer.
    """
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no stdin: ended
        stdin = sys.stdin.fileno()
        while os.read(stdin, 4096):
            pass
    os.kill(os.getpid(), signal.SIGTERM)
    threading.Event().wait(ORPHAN_EXIT_SECONDS)
    os._exit(EXIT_OK)


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
    print(f"{READY_PREFIX}{engine.base_url}", flush=True)
    print(f"models: {', '.join(engine.models.ids)}", flush=True)
    try:
        await stop.wait()
    finally:
        await engine.stop()
    return EXIT_OK
