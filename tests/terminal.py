"""Programs on a pseudo-terminal: the real app or CLI, run as a user would, read back whole.

Shared by the tests that need a real process and a real terminal (escape sequences that must
not reach it, kill -9 mid-stream, two instances on one history, a full disk).
"""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.loopback import LoopbackServer

_RUNNING: set[Terminal] = set()
"""Programs started and not yet reaped: a failed test leaves none running (see conftest)."""


def kill_leftovers() -> None:
    """SIGKILL every program a test started on a terminal and did not finish."""
    for terminal in list(_RUNNING):
        terminal.kill()


class Terminal:
    """A program running on a pseudo-terminal of 100x30; everything it writes is kept.

    A thread reads the terminal all the time, so a program never blocks on a full terminal
    while the test waits on something else (another program, the database).
    """

    def __init__(
        self,
        argv: list[str],
        env: dict[str, str],
        preexec_fn: Callable[[], None] | None = None,
    ) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.master = master
        self.output = bytearray()
        self._lock = threading.Lock()
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
            preexec_fn=preexec_fn,
        )  # fmt: skip
        os.close(slave)
        _RUNNING.add(self)
        self._reader = threading.Thread(target=self._read_all, daemon=True)
        self._reader.start()

    def _read_all(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: every writer closed the terminal (the program ended)
                return
            if not data:
                return
            with self._lock:
                self.output += data

    @property
    def shown(self) -> bytes:
        """Everything the program wrote so far."""
        with self._lock:
            return bytes(self.output)

    def read_until(self, condition: Callable[[bytes], bool], timeout: float = 60) -> None:
        """Wait until ``condition(output)`` holds (fails after ``timeout``)."""
        self.wait_for(lambda: condition(self.shown), timeout)

    def wait_for(self, condition: Callable[[], object], timeout: float = 60) -> None:
        """Wait until ``condition()`` holds while the program runs (fails after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; the terminal showed {self.tail!r}")
            if self.process.poll() is not None and not self._reader.is_alive():
                if condition():
                    return
                raise AssertionError(f"exited {self.process.returncode}: {self.tail!r}")
            time.sleep(0.02)  # polling interval, not synchronisation

    @property
    def tail(self) -> bytes:
        """The last things the program wrote (for failure messages)."""
        return self.shown[-400:]

    def type(self, data: bytes) -> None:
        os.write(self.master, data)

    def finish(self, timeout: float = 30) -> int:
        """Wait for the program to exit (killing it if it does not); its exit code."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the program did not exit: {self.tail!r}") from None
        self._close()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL the program (and anything it started), then reap it."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._close()

    def _close(self) -> None:
        _RUNNING.discard(self)
        self._reader.join(10)
        if self.master >= 0:
            os.close(self.master)
            self.master = -1


def terminal_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a program under test: its config and data under ``tmp_path``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GROQ")}
    env.update(
        TERM="xterm-256color",
        GROQ_TUI_CONFIG=str(tmp_path / "config.toml"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        HOME=str(tmp_path),
        PYTHONUNBUFFERED="1",
    )
    return env


def app_data(tmp_path: Path) -> Path:
    """The app's data dir when it runs with :func:`terminal_env` (history.db, recordings/)."""
    return tmp_path / "data" / "groq-tui"


def app_argv(loopback: LoopbackServer, model: str, *extra: str) -> list[str]:
    """The real app (``groq-tui`` with no command) against the loopback server."""
    return [sys.executable, "-m", "groq_tui", "--base-url", loopback.base_url,
            "--api-key", "test-key", "--max-retries", "0", "-m", model, *extra]  # fmt: skip


def start_app(loopback: LoopbackServer, tmp_path: Path, model: str, *extra: str) -> Terminal:
    """Start the app on a terminal and wait until it is ready for a prompt, its services
    up (see :func:`wait_started`)."""
    return launch(loopback, app_argv(loopback, model, *extra), terminal_env(tmp_path))


def launch(
    loopback: LoopbackServer,
    argv: list[str],
    env: dict[str, str],
    preexec_fn: Callable[[], None] | None = None,
) -> Terminal:
    """Start ``argv`` (the app) on a terminal and wait for its first frame and its services
    (see :func:`wait_started`); the program is killed if they do not come."""
    listed = models_listed(loopback)
    terminal = Terminal(argv, env, preexec_fn)
    try:
        wait_started(terminal, loopback, listed)
    except BaseException:
        terminal.kill()
        raise
    return terminal


def models_listed(loopback: LoopbackServer) -> int:
    """How many times the model list was asked for."""
    return sum(1 for request in loopback.requests if request.path.endswith("/models"))


def wait_started(terminal: Terminal, loopback: LoopbackServer, listed: int) -> None:
    """Wait for the app's first frame, then for its services: they ask for the model list
    once the history and the client are up (the screen is the same before and after, by
    design: a prompt sent before then waits for them)."""
    terminal.read_until(lambda out: b"ready" in out)
    terminal.wait_for(lambda: models_listed(loopback) > listed)


def send_prompt(terminal: Terminal, text: str) -> None:
    """Type ``text`` in the focused composer and press Enter."""
    terminal.type(text.encode())
    terminal.read_until(lambda out: text.encode() in out)
    terminal.type(b"\r")


def history_rows(tmp_path: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Read the app's history directly (a connection of the test's own)."""
    connection = sqlite3.connect(app_data(tmp_path) / "history.db", timeout=10)
    try:
        return list(connection.execute(sql, params))
    finally:
        connection.close()


def reply_rows(tmp_path: Path) -> list[tuple[int, str, str]]:
    """Every assistant message as (id, status, content), in id order; [] before the file."""
    if not (app_data(tmp_path) / "history.db").exists():
        return []
    try:
        rows = history_rows(
            tmp_path,
            "SELECT id, status, content FROM messages WHERE role = 'assistant' ORDER BY id",
        )
    except sqlite3.OperationalError:  # the schema is still being created
        return []
    return [(int(row[0]), str(row[1]), str(row[2])) for row in rows]
