"""One conversation with the app in tmux, against the loopback server: the set-up that
``bench_follow.py`` and ``bench_long_conversation.py`` share.

The loopback server runs in a process of its own (see ``bench_client_stream.start_server``),
the app in a private tmux server with a private config and data home; both go when the
``with`` block ends. Each prompt is answered by ``loopback-chunks-<N>[-rate-<R>]``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_client_stream import start_server  # noqa: E402
from benchmarks.tmux_app import (  # noqa: E402
    APP,
    ReplyWatch,
    TmuxServer,
    app_env,
    reply_tail,
    wait_for_screen,
    watch_reply,
)

SESSION = "app"


def add_reply_options(parser: argparse.ArgumentParser, *, chunks: int, rate: int) -> None:
    """The options both benchmarks take: the replies' length and speed, the grace, the size."""
    parser.add_argument("--chunks", type=int, default=chunks, help="chunks per reply")
    parser.add_argument("--rate", type=int, default=rate, help="chunks per second (0: full speed)")
    parser.add_argument("--grace", type=float, default=5.0, help="seconds the end may take")
    parser.add_argument("--size", default="120x40", help="terminal WIDTHxHEIGHT")


@dataclass
class Conversation:
    """The app on screen, in one conversation whose replies are ``chunks`` long."""

    tmux: TmuxServer
    base_url: str
    """The loopback server's."""
    model: str
    chunks: int
    grace: float
    replies: int = 0
    """Replies received so far."""

    @property
    def app_pid(self) -> int:
        """The app's process."""
        return self.tmux.pane_pid(SESSION)

    def ask(self, prompt: str) -> ReplyWatch:
        """Send ``prompt`` and watch its reply come, until its end is in view (or is not,
        ``grace`` seconds after it ended)."""
        self.tmux.type(SESSION, prompt)
        self.replies += 1
        return watch_reply(
            self.tmux, SESSION, reply_tail(self.chunks), 2 * self.replies, grace=self.grace
        )


def model_name(chunks: int, rate: int) -> str:
    """The loopback model that streams ``chunks`` chunks at ``rate`` a second (0: at once)."""
    return f"loopback-chunks-{chunks}" + (f"-rate-{rate}" if rate else "")


@contextmanager
def conversation(args: argparse.Namespace, app: str = APP) -> Iterator[Conversation]:
    """The loopback server and the app in tmux, as :func:`add_reply_options` set them, until
    the block ends. ``app`` is the command that runs the app (a launcher that watches it,
    say); ``-m <model>`` is added to it.

    Raises:
        SystemExit: tmux is not installed.
    """
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed: apt-get install tmux")
    width, height = (int(part) for part in args.size.split("x"))
    model = model_name(args.chunks, args.rate)
    proc, base_url = start_server()
    home = Path(tempfile.mkdtemp(prefix="groq-tui-bench-"))
    try:
        with TmuxServer(app_env(base_url, home)) as tmux:
            tmux.start(SESSION, f"{app} -m {model}", width, height)
            wait_for_screen(tmux, SESSION)
            yield Conversation(tmux, base_url, model, args.chunks, args.grace)
    finally:
        proc.terminate()
        shutil.rmtree(home, ignore_errors=True)
