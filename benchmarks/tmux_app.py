"""groq-tui in a real terminal, driven and read from outside as a user does: the shared part.

The benchmarks that measure the app from outside start it in a private tmux server (its own
socket, so that nothing else running tmux here is disturbed), type with ``send-keys`` and read
the screen with ``capture-pane -p`` (text only: styles, and so the cursor's blink, are not
part of it). This module holds that plumbing and the reading of the chat screen:

- :class:`TmuxServer`: a private tmux server with the app's environment;
- :class:`ChatScreenshot`: one capture of the chat screen, split into the sidebar, the
  conversation pane, the status bar; where a reply's last line is;
- :func:`watch_reply`: press Enter and watch one reply arrive, until its end is on screen;
- :func:`reply_tail`, :func:`rss_mb`, :func:`busy_core`: what the benchmarks measure with.

Not a benchmark itself; see ``bench_follow.py`` and ``bench_long_conversation.py`` (through
``tmux_conversation.py``) and ``bench_startup.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.loopback.markdown import markdown_reply  # noqa: E402

APP = str(Path(sys.executable).parent / "groq-tui")
"""The app's entry point in the environment running the benchmark."""

BUSY_STATES = ("sending", "streaming")
"""Status bar states while a reply is on its way."""

_STATS = re.compile(r"\bTTFT \d+\.\d+s")
"""The start of a finished reply's stats line (messages.stats_line)."""

_GLYPHS = re.compile("[\u2500-\u259f]")
"""Box drawing and block elements: borders, gutters and scroll bars, never reply text."""

_SAVED = re.compile(r"· (\d+) messages")
"""The sidebar item's message count ("<model> · <n> messages")."""


class TmuxServer:
    """A private tmux server whose sessions run with ``env``.

    A keeper session lives as long as the server: a server that is still shutting down after
    its last session ended refuses the next ``new-session``.
    """

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.socket = f"groq-tui-bench-{os.getpid()}"

    def __enter__(self) -> TmuxServer:
        # The server is started by this first client and takes its environment.
        self.run("new-session", "-d", "-s", "keeper", "sleep 86400")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)

    def run(self, *args: str) -> str:
        """Run a tmux command on this server; its output."""
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], env=self.env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"tmux {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, session: str, command: str, width: int = 120, height: int = 40) -> None:
        """Run ``command`` in a new detached session of ``width`` x ``height``."""
        self.run("new-session", "-d", "-s", session, "-x", str(width), "-y", str(height), command)

    def kill(self, session: str) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-session", "-t", session], check=False)

    def capture(self, session: str) -> list[str]:
        """The session's screen, one string per row."""
        return self.run("capture-pane", "-p", "-t", session).split("\n")

    def type(self, session: str, text: str) -> None:
        """Type ``text`` literally (no key names)."""
        self.run("send-keys", "-t", session, "-l", text)

    def press(self, session: str, key: str) -> None:
        """Press one key by its tmux name (``Enter``, ``C-n``)."""
        self.run("send-keys", "-t", session, key)

    def pane_pid(self, session: str) -> int:
        """The process running in the session (the app: the shell execs a lone command)."""
        return int(self.run("list-panes", "-t", session, "-F", "#{pane_pid}").split()[0])


def app_env(base_url: str, home: Path) -> dict[str, str]:
    """The environment for the app: the loopback server, and a private config and data home.

    Python may cache compiled modules, as it does on a user's machine (this sandbox sets
    PYTHONDONTWRITEBYTECODE, which made every launch compile all of groq_tui's modules again:
    0.1-0.15 s of each start-up here that no installed copy pays).
    """
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {
        **inherited,
        "PYTHONPATH": str(ROOT),
        "TERM": "xterm-256color",
        "GROQ_API_KEY": "bench",
        "GROQ_BASE_URL": base_url,
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
    }


class ReplyEnd(NamedTuple):
    """Where a reply's end is on one capture."""

    at_bottom: bool
    """The reply's last line is the pane's last row (above the stats line, if shown)."""
    with_stats: bool
    """... and the stats line is there below it."""
    above: tuple[str, ...]
    """The pane's last 20 rows above the stats line: more than the reply's closing prose
    (which repeats), so that an earlier repeat of the last words does not pass for them."""


@dataclass(frozen=True)
class ChatScreenshot:
    """One capture of the chat screen, read as a user reads it."""

    rows: list[str]

    @cached_property
    def _composer_row(self) -> int | None:
        """The row of the composer's top border: the conversation pane ends above it."""
        for index in range(len(self.rows) - 1, -1, -1):
            if "╭─" in self.rows[index]:
                return index
        return None

    @cached_property
    def _columns(self) -> tuple[int, int]:
        """The chat column's first and last column, from the composer's borders."""
        if self._composer_row is None:
            return 0, 0
        row = self.rows[self._composer_row]
        return row.index("╭"), row.rindex("╮")

    @property
    def composer_shown(self) -> bool:
        return self._composer_row is not None

    @property
    def status(self) -> str:
        """The status bar's state: ready, sending, streaming, stopped, error..."""
        rows = [row for row in self.rows if row.strip()]
        if len(rows) < 2:
            return ""
        fields = [field.strip() for field in rows[-2].split(" · ")]
        states = ("ready", *BUSY_STATES, "stopped", "error", "starting", "offline")
        return next((field for field in reversed(fields) if field in states), "")

    @property
    def status_row(self) -> str:
        rows = [row for row in self.rows if row.strip()]
        return rows[-2] if len(rows) >= 2 else ""

    @property
    def saved_messages(self) -> int | None:
        """The message count of the sidebar's (only) conversation, if shown."""
        if self._composer_row is None:
            return None
        left = self._columns[0]
        text = _GLYPHS.sub(" ", " ".join(row[:left] for row in self.rows[: self._composer_row]))
        match = _SAVED.search(" ".join(text.split()))
        return int(match[1]) if match else None

    @cached_property
    def conversation(self) -> list[str]:
        """The conversation pane's non-blank rows, without borders, gutters or scroll bars."""
        if self._composer_row is None:
            return []
        left, right = self._columns
        rows = (_GLYPHS.sub(" ", row[left : right + 1]) for row in self.rows[: self._composer_row])
        return [" ".join(row.split()) for row in rows if row.strip()]

    def reply_end(self, tail: str) -> ReplyEnd:
        """Where the newest reply's end is, if its last words are ``tail``.

        The last line is at the bottom when the pane's text, read up to the stats line (if
        that is within the last two rows, the most it wraps to), ends with ``tail``.
        """
        rows = self.conversation
        stats_at = next(
            (i for i in range(len(rows) - 1, max(len(rows) - 3, -1), -1) if _STATS.search(rows[i])),
            None,
        )
        above = rows[:stats_at] if stats_at is not None else rows
        at_bottom = " ".join(above).endswith(tail)
        return ReplyEnd(at_bottom, at_bottom and stats_at is not None, tuple(above[-20:]))

    def bottom(self, count: int = 2) -> str:
        """The pane's last ``count`` rows, for a report."""
        return " | ".join(self.conversation[-count:])


def reply_tail(chunks: int, length: int = 60) -> str:
    """The last words of the loopback's ``loopback-chunks-<chunks>`` reply, as rendered.

    The reply ends in a paragraph of plain prose, so these words are on screen as they are in
    the source, whitespace aside.
    """
    text = "".join(markdown_reply(chunks))
    paragraph = " ".join(text.rstrip().rsplit("\n\n", 1)[-1].split())
    if re.search(r"[*_`|#>\[]", paragraph):
        raise SystemExit(f"the {chunks}-chunk reply does not end in plain prose: pick another N")
    tail = paragraph[-length:]
    return tail[tail.index(" ") + 1 :] if " " in tail and len(paragraph) > length else tail


@dataclass
class ReplyWatch:
    """One reply, watched from the Enter that asked for it."""

    enter_at: float
    """perf_counter() just before Enter was sent."""
    busy_seen: bool = False
    """The status bar was seen sending or streaming (else the end was learnt from the sidebar)."""
    ended_at: float | None = None
    """When the reply was first seen finished (status ready again, or the sidebar's count)."""
    last_line_at: float | None = None
    """When the reply's last line came to the bottom of the pane to stay, if it did."""
    in_view: bool = False
    """The last line and the stats line were on screen after the reply ended."""
    in_view_at: float | None = None
    """When that was first captured."""
    last_line_only: bool = False
    """At the end, the last line was at the bottom but the stats line below the edge."""
    bottom: str = ""
    """The pane's last rows when the watch ended (for misses)."""
    captures: int = 0
    """Screens read."""
    watched_until: float = 0.0
    """perf_counter() when the watch ended."""

    @property
    def capture_interval(self) -> float:
        """The mean time between two screens read: the resolution of the figures."""
        return (self.watched_until - self.enter_at) / max(1, self.captures)

    @property
    def seconds(self) -> float | None:
        """From Enter to the last line on screen."""
        return None if self.last_line_at is None else self.last_line_at - self.enter_at

    @property
    def lag(self) -> float | None:
        """From the reply seen finished to its end (with the stats line) in view."""
        if self.ended_at is None or self.in_view_at is None:
            return None
        return self.in_view_at - self.ended_at


def watch_reply(
    tmux: TmuxServer,
    session: str,
    tail: str,
    saved_after: int,
    *,
    grace: float = 5.0,
    timeout: float = 120.0,
    poll: float = 0.003,
) -> ReplyWatch:
    """Press Enter (the prompt is typed) and watch the reply, without pressing anything else.

    Returns once the reply has ended and its end is in view, or ``grace`` seconds after it
    ended if the end does not come into view by then.

    Args:
        tmux: The server running the app.
        session: The app's session.
        tail: The reply's last words (:func:`reply_tail`).
        saved_after: The sidebar's message count once this reply is saved.
        grace: How long the end may take to come into view after the reply ended.
        timeout: Give up (``TimeoutError``) if the reply has not ended by then.
        poll: Seconds between captures.
    """
    watch = ReplyWatch(enter_at=time.perf_counter())
    tmux.press(session, "Enter")
    # The first of the captures in a row that show the same rows with the end at the bottom.
    run_start: float | None = None
    run_rows: tuple[str, ...] = ()
    while True:
        shot = ChatScreenshot(tmux.capture(session))
        now = watch.watched_until = time.perf_counter()
        watch.captures += 1
        state = shot.status
        if state == "error":
            raise RuntimeError(f"the reply failed: {shot.status_row}")
        watch.busy_seen = watch.busy_seen or state in BUSY_STATES
        saved = shot.saved_messages
        if (
            watch.ended_at is None
            and state == "ready"
            and (watch.busy_seen or (saved is not None and saved >= saved_after))
        ):
            watch.ended_at = now
        # Until this reply is under way the previous one's end is at the bottom.
        if watch.busy_seen or watch.ended_at is not None:
            end = shot.reply_end(tail)
            if not end.at_bottom:
                run_start = None
            elif run_start is None or end.above != run_rows:
                run_start, run_rows = now, end.above
            if watch.ended_at is not None and end.with_stats:
                watch.in_view = True
                watch.in_view_at = now
                watch.last_line_at = run_start
                watch.bottom = shot.bottom()
                return watch
            if watch.ended_at is not None and now - watch.ended_at > grace:
                watch.last_line_only = end.at_bottom
                watch.bottom = shot.bottom()
                return watch
        if now - watch.enter_at > timeout:
            raise TimeoutError(f"no reply within {timeout}s; screen:\n" + "\n".join(shot.rows))
        time.sleep(poll)


def wait_for_screen(
    tmux: TmuxServer, session: str, ready: str = "ready", timeout: float = 60.0
) -> ChatScreenshot:
    """Wait until the chat screen is up with the status bar saying ``ready``."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        shot = ChatScreenshot(tmux.capture(session))
        if shot.composer_shown and shot.status == ready:
            return shot
        time.sleep(0.02)
    raise TimeoutError("the chat screen did not come up:\n" + "\n".join(tmux.capture(session)))


def rss_mb(pid: int) -> float:
    """The resident memory of process ``pid``, in MB (VmRSS from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


@contextmanager
def busy_core(enabled: bool = True) -> Iterator[None]:
    """Keep one core busy with a spinning child process while the block runs."""
    if not enabled:
        yield
        return
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()
