"""The offline engine as a child process: ``groq-tui serve`` on a free loopback port.

The engine parses uploads of up to 100 MB, shapes server-sent events and runs native
libraries (llama.cpp, CTranslate2). In a process of its own none of that runs on the loop
that draws the screen, and a crash in it ends the engine, not the app::

    engine = await start_local_engine(settings.local_gguf, settings.local_whisper)
    client = GroqClient(base_url=engine.base_url, api_key=engine.api_key)
    ...
    await engine.stop()

The child is started with a random key of this run (sent on its standard input, so it shows
neither in ``ps`` nor in its environment) and with ``--exit-with-stdin``: this process holds
the only write end of that pipe, which the kernel closes however this process ends, even on
SIGKILL, and the child then stops. The child is talked to only as a process and over HTTP;
nothing here imports ``groq_tui.local`` (the models it serves are listed by ``/models``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
from collections import deque
from collections.abc import Callable, Sequence

START_TIMEOUT_SECONDS = 120.0
"""How long the engine may take to load its models and answer (a large GGUF file is slow)."""

STOP_GRACE_SECONDS = 5.0
"""How long :meth:`LocalEngine.stop` waits after SIGTERM before it sends SIGKILL."""

READY_PREFIX = "groq-tui engine listening on "
"""The child's line on stdout once it answers (``groq_tui.local.serve.READY_PREFIX``)."""

ERROR_PREFIX = "groq-tui serve: "
"""The child's line on stderr saying why it cannot start (``groq_tui.local.serve``)."""

_STDERR_LINES_KEPT = 20
_DRAIN_SECONDS = 1.0


class LocalEngineError(Exception):
    """The offline engine cannot start.

    Attributes:
        message: Why, in one line for the user (the child's own words where it gave them).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LocalEngine:
    """A running ``groq-tui serve`` child; ``await stop()`` when done.

    Attributes:
        base_url: The engine's OpenAI-compatible root, ``http://127.0.0.1:PORT/v1``.
        api_key: The key of this run, which every request must carry.
    """

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        base_url: str,
        api_key: str | None,
        output: list[asyncio.Task[None]],
    ) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self._process = process
        self._output = output
        self._stopping: asyncio.Task[None] | None = None

    def __repr__(self) -> str:  # never the key
        return f"LocalEngine(base_url={self.base_url!r}, pid={self.pid})"

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self._process.pid

    @property
    def stop_requested(self) -> bool:
        """Whether :meth:`stop` was called (an exit after it is no crash)."""
        return self._stopping is not None

    async def wait_exit(self) -> int:
        """Wait for the child to end; returns its exit code (negative: the signal's number).

        It returns after :meth:`stop` too; :attr:`stop_requested` tells the two apart.
        """
        code = await self._process.wait()
        _close_stdin(self._process)  # the pipe to a dead child is of no more use
        return code

    async def stop(self) -> None:
        """End the child: SIGTERM, then SIGKILL after :data:`STOP_GRACE_SECONDS`.

        Safe to call more than once, concurrently, and after the child has ended.
        """
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._end_child())
        # Shielded: a caller cancelled mid-stop (the app quitting) still gets the child ended.
        await asyncio.shield(self._stopping)

    async def _end_child(self) -> None:
        process = self._process
        _close_stdin(process)  # on its own this also stops the child (--exit-with-stdin)
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                async with asyncio.timeout(STOP_GRACE_SECONDS):
                    await process.wait()
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        await _finish(self._output)


async def start_local_engine(
    gguf: Sequence[str],
    whisper: str | None,
    *,
    ready_timeout: float = START_TIMEOUT_SECONDS,
) -> LocalEngine:
    """Start ``groq-tui serve`` as a child on a free loopback port and wait until it answers.

    Args:
        gguf: More GGUF chat models to serve besides the bundled one, each ``PATH`` or
            ``ID=PATH`` (the settings' ``local_gguf``); the config file's are not added.
        whisper: A CTranslate2 Whisper model directory to serve as well, or None.
        ready_timeout: Seconds the child may take to load its models and listen.

    Raises:
        LocalEngineError: The child could not be started, ended before it was ready (the
            message is its own error line, e.g. a model path that does not exist), or was
            not ready in time (it is killed).
    """
    api_key = secrets.token_urlsafe(32)
    try:
        process = await asyncio.create_subprocess_exec(
            *_serve_command(gguf, whisper),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_child_environment(),
            # Out of the terminal's process group: Ctrl+C and job control reach the app,
            # which decides when the engine stops.
            start_new_session=True,
        )
    except OSError as exc:
        raise LocalEngineError(f"cannot run {sys.executable}: {exc.strerror or exc}") from exc
    stderr_tail: deque[str] = deque(maxlen=_STDERR_LINES_KEPT)
    assert process.stderr is not None
    output = [asyncio.create_task(_collect_lines(process.stderr, stderr_tail.append))]
    try:
        async with asyncio.timeout(ready_timeout):
            base_url = await _handshake(process, api_key, output, stderr_tail)
    except TimeoutError:
        await _kill(process, output)
        raise LocalEngineError(
            f"the offline engine did not start within {ready_timeout:g} s"
        ) from None
    except BaseException:  # failed or cancelled while starting: the child goes too
        await _kill(process, output)
        raise
    assert process.stdout is not None
    output.append(asyncio.create_task(_collect_lines(process.stdout, _discard)))
    return LocalEngine(process, base_url, api_key, output)


async def supervise(engine: LocalEngine, on_exit: Callable[[int], None]) -> None:
    """Wait for ``engine`` to end; if it ended on its own (a crash), call ``on_exit(code)``.

    Run it in a worker beside the app: ``on_exit`` is where the app says the offline engine
    stopped (see :func:`describe_exit`) and offers a restart. An exit after
    :meth:`LocalEngine.stop` calls nothing.
    """
    code = await engine.wait_exit()
    if not engine.stop_requested:
        on_exit(code)


def describe_exit(code: int) -> str:
    """How the child ended, for a message: ``exit 1``, ``killed by SIGSEGV``."""
    if code >= 0:
        return f"exit {code}"
    try:
        return f"killed by {signal.Signals(-code).name}"
    except ValueError:
        return f"killed by signal {-code}"


async def _handshake(
    process: asyncio.subprocess.Process,
    api_key: str,
    output: list[asyncio.Task[None]],
    stderr_tail: deque[str],
) -> str:
    """Give the child its key and wait for its ready line; returns its base URL."""
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(api_key.encode() + b"\n")
    with contextlib.suppress(ConnectionError):  # a child that died at once: told below
        await process.stdin.drain()
    while line := await process.stdout.readline():
        text = line.decode(errors="replace").strip()
        if text.startswith(READY_PREFIX):
            return text.removeprefix(READY_PREFIX)
    code = await process.wait()
    await _finish(output)
    raise LocalEngineError(_start_failure(stderr_tail, code))


def _serve_command(gguf: Sequence[str], whisper: str | None) -> list[str]:
    command = [sys.executable, "-m", "groq_tui", "serve", "--port", "0"]
    command += ["--api-key-stdin", "--exit-with-stdin", "--no-config-models"]
    for entry in gguf:
        command += ["--gguf", entry]
    if whisper:
        command += ["--whisper", whisper]
    return command


def _child_environment() -> dict[str, str]:
    """This process's environment without the user's Groq key (the engine has no use for it)."""
    return {name: value for name, value in os.environ.items() if name != "GROQ_API_KEY"}


def _start_failure(stderr_tail: deque[str], code: int) -> str:
    """The child's own reason for not starting: its error line, else its last words."""
    for line in reversed(stderr_tail):
        if line.startswith(ERROR_PREFIX):
            return line.removeprefix(ERROR_PREFIX)
    if stderr_tail:
        return stderr_tail[-1]
    return f"the offline engine ended before it was ready ({describe_exit(code)})"


async def _collect_lines(stream: asyncio.StreamReader, keep: Callable[[str], None]) -> None:
    """Read ``stream`` to its end (a full pipe would block the child), keeping its lines."""
    while True:
        try:
            line = await stream.readline()
        except ValueError:  # a line over the reader's limit: dropped
            continue
        if not line:
            return
        if text := line.decode(errors="replace").strip():
            keep(text)


def _discard(line: str) -> None:
    """After the ready line, the child's stdout says nothing the app needs."""


def _close_stdin(process: asyncio.subprocess.Process) -> None:
    if process.stdin is not None and not process.stdin.is_closing():
        process.stdin.close()


async def _kill(process: asyncio.subprocess.Process, output: list[asyncio.Task[None]]) -> None:
    _close_stdin(process)
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    await asyncio.shield(process.wait())
    await _finish(output)


async def _finish(output: list[asyncio.Task[None]]) -> None:
    """Let the output readers reach the end of the pipes; cancel any that do not."""
    if not output:
        return
    _, pending = await asyncio.wait(output, timeout=_DRAIN_SECONDS)
    for task in pending:
        task.cancel()
