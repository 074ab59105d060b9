"""Start-up: time from launch to the first interactive frame, in a real terminal (tmux).

The app is launched in a detached tmux session; the screen is polled until the composer's
placeholder is drawn (the composer is focused at start, so that frame takes keys). For
comparison the same is measured for a bare Textual app that imports httpx: issue 3's target
is the first interactive frame within 0.8 s, about what that bare app takes here.

    .venv/bin/python benchmarks/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

TMUX = ["tmux", "-L", f"groq-tui-bench-{os.getpid()}"]
"""A private tmux server, so that nothing else running tmux here is disturbed."""

BARE_APP = """
import httpx
from textual.app import App
from textual.widgets import Input

class Bare(App):
    def compose(self):
        yield Input(placeholder="BARE-APP-READY")

Bare().run()
"""


def start_loopback() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.loopback", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().split(" ", 1)[1].strip()


def time_to_screen(command: str, marker: str, env: dict[str, str], timeout: float = 20) -> float:
    """Seconds from launching ``command`` in tmux until ``marker`` is on its screen."""
    session = f"bench-{os.getpid()}-{time.monotonic_ns()}"
    started = time.perf_counter()
    launched = subprocess.run(
        [*TMUX, "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command],
        env=env,
        capture_output=True,
        text=True,
    )
    if launched.returncode != 0:
        raise RuntimeError(f"tmux could not start {command!r}: {launched.stderr.strip()}")
    try:
        while time.perf_counter() - started < timeout:
            screen = subprocess.run(
                [*TMUX, "capture-pane", "-p", "-t", session],
                capture_output=True,
                text=True,
            ).stdout
            if marker in screen:
                return time.perf_counter() - started
            time.sleep(0.005)
        raise TimeoutError(f"{marker!r} did not appear within {timeout}s")
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", session], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed: apt-get install tmux")
    proc, base_url = start_loopback()
    home = Path(tempfile.mkdtemp(prefix="groq-tui-bench-"))
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "GROQ_API_KEY": "bench",
        "GROQ_BASE_URL": base_url,
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
    }
    bare = home / "bare.py"
    bare.write_text(BARE_APP)
    app_cmd = f"{BIN / 'groq-tui'}"
    bare_cmd = f"{sys.executable} {bare}"
    results: dict[str, list[float]] = {"groq-tui": [], "bare Textual + httpx": []}
    try:
        time_to_screen(app_cmd, "Message (Enter to send)", env)  # warm the file cache
        time_to_screen(bare_cmd, "BARE-APP-READY", env)
        for _ in range(args.runs):
            results["groq-tui"].append(time_to_screen(app_cmd, "Message (Enter to send)", env))
            results["bare Textual + httpx"].append(time_to_screen(bare_cmd, "BARE-APP-READY", env))
    finally:
        proc.terminate()
        subprocess.run([*TMUX, "kill-server"], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)
    print(f"time to first interactive frame, median of {args.runs} runs (tmux 120x40)")
    for name, values in results.items():
        print(f"{name:<22} {statistics.median(values):6.3f}s  (min {min(values):.3f}s)")
    ratio = statistics.median(results["groq-tui"]) / statistics.median(
        results["bare Textual + httpx"]
    )
    print(f"groq-tui / bare app: {ratio:.2f}x  (target: first frame within 0.8 s)")


if __name__ == "__main__":
    main()
