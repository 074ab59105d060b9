"""How far behind a fast stream the reply's end shows on a real terminal, and how keys fare.

Each run starts ``benchmarks/render_harness.py`` in a detached tmux session (120x40), where an
in-process feeder appends a Markdown reply of N deltas at a fixed rate, or as fast as the loop
allows, to groq-tui's ``StreamingMarkdown``, to a reasoning reply's thinking block (the
``thinking`` rows: the same renderer, dimmed, under a live clock; it should keep the same
pace) or, for comparison, to Textual's ``Markdown`` via ``Markdown.get_stream()``. This
script polls ``tmux capture-pane -p`` until the reply's last line (a unique end marker) is on
screen, and sends a key with ``tmux send-keys`` every ``--key-every`` seconds while it waits;
the harness records when its key handler ran. Both sides use ``time.time()``.

Reported, median of ``--runs`` runs (``--textual-runs`` for Textual, whose runs are long):

- stream: the nominal stream duration (N / rate) or, at full speed, the feeder's own time;
- feed: how long the feeder took (it shares the loop: a slow widget slows it too);
- visible: from the feeder's start until the end marker was on screen;
- ratio: visible / stream (targets: <= 1.15x at 1,000 deltas/s, <= 1.3x at 3,000 deltas/s);
- per delta: the feeder's time per delta at full speed (flat from 500 to 8,000 = no O(n^2));
- fps: renders per second of ``StreamingMarkdown`` (it paces itself to the loop's load);
- keys: latency from ``send-keys`` to the handler during the stream, median and worst over
  all runs (target < 100 ms), and once the reply is done (the floor tmux sets).

    .venv/bin/python benchmarks/bench_render.py [--runs 3] [--no-textual] [--no-thinking]
        [--timeout 120]

This prints figures; it is not a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.render_harness import end_marker  # noqa: E402

KEYS = "abcdefghijklmnoprstuvwxyz"  # no "q": it quits the harness


@dataclass
class RunResult:
    """One harness run, as measured from both sides."""

    stream: float
    visible: float | None
    feed_seconds: float
    key_latencies: list[float] = field(default_factory=list)
    idle_latencies: list[float] = field(default_factory=list)
    frames: int = 0


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def run_once(
    widget: str, chunks: int, rate: float, *, timeout: float, key_every: float, fps: float = 0.0
) -> RunResult:
    """Run the harness once in tmux and measure it."""
    session = f"bench-render-{os.getpid()}-{time.monotonic_ns()}"
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        out = Path(tmp) / "run.json"
        start_file = out.with_suffix(".start")
        command = " ".join(
            shlex.quote(part)
            for part in (
                sys.executable,
                "-m",
                "benchmarks.render_harness",
                "--widget",
                widget,
                "--chunks",
                str(chunks),
                "--rate",
                str(rate),
                "--out",
                str(out),
                "--fps",
                str(fps),
            )
        )
        tmux(
            "new-session",
            "-d",
            "-s",
            session,
            "-x",
            "120",
            "-y",
            "40",
            "-c",
            str(ROOT),
            command,  # Textual draws on stderr: leave it on the terminal
        )
        try:
            return _measure(session, out, start_file, chunks, rate, timeout, key_every)
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def _measure(
    session: str,
    out: Path,
    start_file: Path,
    chunks: int,
    rate: float,
    timeout: float,
    key_every: float,
) -> RunResult:
    deadline = time.time() + 30
    while not start_file.exists():
        if time.time() > deadline:
            raise SystemExit(f"harness did not start: {tmux('capture-pane', '-p', '-t', session)}")
        time.sleep(0.002)
    time.sleep(0.001)
    start = float(start_file.read_text())
    marker = end_marker(chunks)
    sent: list[tuple[str, float, bool]] = []  # key, when, during the stream
    next_key = time.time() + key_every / 2
    visible_at: float | None = None
    deadline = start + timeout
    while time.time() < deadline:
        now = time.time()
        if now >= next_key:
            _send_key(session, sent, during=True)
            next_key = now + key_every
        screen = tmux("capture-pane", "-p", "-t", session)
        if marker in screen:
            visible_at = time.time()
            break
        time.sleep(0.003)
    # More keys once the reply is done: the floor that tmux and the terminal set.
    for _ in range(3):
        time.sleep(0.1)
        _send_key(session, sent, during=False)
    # Let the harness handle the keys still in flight, then quit it for its record.
    time.sleep(0.3)
    tmux("send-keys", "-t", session, "q")
    record = _read_record(session, out, time.time() + max(30.0, timeout))
    # Keys cycle through KEYS: the n-th press of a key pairs with its n-th handling.
    handled: dict[str, list[float]] = {}
    for key, at in record["keys"]:
        handled.setdefault(key, []).append(at)
    latencies: list[float] = []
    idle: list[float] = []
    for key, at, during in sent:
        if handled.get(key):
            (latencies if during else idle).append(handled[key].pop(0) - at)
    feed_seconds = float(record.get("feed_seconds", float("nan")))
    stream = chunks / rate if rate else feed_seconds
    visible = visible_at - start if visible_at is not None else None
    frames = int(record.get("frames", 0))
    return RunResult(stream, visible, feed_seconds, latencies, idle, frames)


def _send_key(session: str, sent: list[tuple[str, float, bool]], *, during: bool) -> None:
    key = KEYS[len(sent) % len(KEYS)]
    sent.append((key, time.time(), during))
    tmux("send-keys", "-t", session, key)


def _read_record(session: str, out: Path, deadline: float) -> dict[str, Any]:
    """The harness's JSON record, once it has been written whole."""
    while time.time() < deadline:
        try:
            record: dict[str, Any] = json.loads(out.read_text())
        except (OSError, ValueError):
            time.sleep(0.02)
            continue
        return record
    screen = tmux("capture-pane", "-p", "-t", session)
    raise SystemExit(f"harness wrote no record; screen:\n{screen}")


def _fmt(value: float | None, unit: str = "s", digits: int = 3) -> str:
    if value is None:
        return "timeout"
    if unit == "ms":
        return f"{value * 1000:.0f} ms"
    if unit == "us":
        return f"{value * 1e6:.0f} us"
    return f"{value:.{digits}f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per case for groq-tui")
    parser.add_argument("--textual-runs", type=int, default=1, help="runs per case for Textual")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up a run after this")
    parser.add_argument("--key-every", type=float, default=0.1, help="seconds between keys")
    parser.add_argument("--no-textual", action="store_true", help="skip Textual's Markdown")
    parser.add_argument("--no-thinking", action="store_true", help="skip the thinking block")
    parser.add_argument("--fps", type=float, default=0.0, help="override the frame cap")
    args = parser.parse_args()

    cases = [(2000, 1000.0), (2000, 3000.0), (500, 0.0), (2000, 0.0), (8000, 0.0)]
    widgets = [("streaming", args.runs)]
    if not args.no_thinking:
        widgets.append(("thinking", args.runs))
    if not args.no_textual:
        widgets.append(("textual", args.textual_runs))

    print("stream: nominal duration (N / rate), or the feeder's own time at full speed")
    print("visible: feeder start -> end marker on screen; ratio = visible / stream")
    print("per delta: feeder time / N at full speed; keys: send-keys -> handler, during the")
    print("stream (median, worst) and once the reply is done (idle)")
    print()
    header = (
        f"{'widget':<10} {'deltas':>6} {'rate/s':>6} {'stream':>9} {'feed':>9} {'visible':>9} "
        f"{'ratio':>7} {'per delta':>10} {'fps':>4} {'key med':>8} {'key max':>8} {'key idle':>8}"
    )
    print(header)
    print("-" * len(header))
    # A session that outlives the runs keeps one tmux server up: a server that is still
    # shutting down after the last session ended refuses the next new-session.
    keeper = f"bench-render-keeper-{os.getpid()}"
    tmux("new-session", "-d", "-s", keeper, "sleep 86400")
    try:
        _run_cases(args, widgets, cases)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", keeper], capture_output=True)


def _run_cases(
    args: argparse.Namespace, widgets: list[tuple[str, int]], cases: list[tuple[int, float]]
) -> None:
    for widget, runs in widgets:
        for chunks, rate in cases:
            results = [
                run_once(
                    widget,
                    chunks,
                    rate,
                    timeout=args.timeout,
                    key_every=args.key_every,
                    fps=args.fps,
                )
                for _ in range(runs)
            ]
            print(_row(widget, chunks, rate, results), flush=True)


def _row(widget: str, chunks: int, rate: float, results: list[RunResult]) -> str:
    """One line of the table: medians over the runs, the worst key over all of them."""
    stream = statistics.median(r.stream for r in results)
    feed = statistics.median(r.feed_seconds for r in results)
    shown = [r.visible for r in results if r.visible is not None]
    visible = statistics.median(shown) if len(shown) == len(results) else None
    ratio = f"{visible / stream:.2f}x" if visible is not None else "-"
    per_delta = _fmt(feed / chunks, "us") if not rate else "-"
    keys = [lat for r in results for lat in r.key_latencies]
    key_med = _fmt(statistics.median(keys), "ms") if keys else "-"
    key_max = _fmt(max(keys), "ms") if keys else "-"
    idle = [lat for r in results for lat in r.idle_latencies]
    key_idle = _fmt(statistics.median(idle), "ms") if idle else "-"
    rate_text = f"{rate:.0f}" if rate else "max"
    frames = statistics.median(r.frames for r in results)
    fps = f"{frames / visible:.0f}" if visible and frames else "-"
    return (
        f"{widget:<10} {chunks:>6} {rate_text:>6} {_fmt(stream):>9} {_fmt(feed):>9} "
        f"{_fmt(visible):>9} {ratio:>7} {per_delta:>10} {fps:>4} {key_med:>8} {key_max:>8} "
        f"{key_idle:>8}"
    )


if __name__ == "__main__":
    main()
