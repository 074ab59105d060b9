"""Where the app's start-up goes: a timeline of one launch in tmux (160x45).

The app runs under a small launcher (this file, with ``--child``) that stamps, against the
moment the parent started the process:

- when the interpreter was running the launcher, and when the app's imports were done;
- every write Textual's driver makes to the terminal (the frames), with its size and which of
  the screen's landmarks it carries (composer, parameter panel, the model, "ready");
- the app's own milestones: mounted, services ready, models listed.

The last frame written is when the screen became complete (bench_startup's "complete and
still" figure, give or take tmux's own capture). Reading it tells which stage to work on.

    .venv/bin/python benchmarks/startup_timeline.py [--runs 3]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.tmux_app import TmuxServer
    from groq_tui.app import GroqApp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LANDMARKS = {
    "composer": "Message (Enter to send)",
    "panel": "temperature",
    "model": "llama-3.3-70b-versatile",
    "ready": "ready",
    "sidebar": "no saved conversations",
}
PREFIX = os.environ.get("STARTUP_TIMELINE_PREFIX", "")
"""Put before the launch command: a profiler, e.g. ``py-spy record -o out.txt -f raw -- ``."""
VERBOSE = bool(os.environ.get("STARTUP_TIMELINE_VERBOSE"))
"""Show the text of small writes (what changed)."""
PROFILE_MOUNT = os.environ.get("STARTUP_TIMELINE_PROFILE_MOUNT")
"""A file for cProfile's stats of the app's on_mount (the chat screen's compose and mount)."""
STILL = 0.3
TIMED = os.environ.get("STARTUP_TIMELINE_TIME", "")
"""Methods to time at each call, e.g. ``textual.screen:Screen._on_screen_resume``."""
RUN_FOR = 3.0
"""Seconds the launched app runs before it exits and reports."""


def child(report: Path) -> None:
    """Run the app with stamps, and write them to ``report`` on exit.

    (This file's own imports are light on purpose: the app's are timed.)"""
    launched = float(os.environ["STARTUP_TIMELINE_T0"])
    events: list[tuple[float, str]] = [(time.time() - launched, "interpreter running")]

    def stamp(what: str) -> None:
        events.append((time.time() - launched, what))

    import gc

    collecting: dict[int, float] = {}

    def collection(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting[info["generation"]] = time.perf_counter()
        elif info["generation"] >= 1:  # young collections are many and quick
            took = time.perf_counter() - collecting.pop(info["generation"], time.perf_counter())
            stamp(f"gc generation {info['generation']}: {took * 1000:.1f} ms")

    gc.callbacks.append(collection)

    from textual.drivers.linux_driver import LinuxDriver

    from groq_tui import __main__ as entry

    original_write = LinuxDriver.write

    def write(self: LinuxDriver, data: str) -> None:
        original_write(self, data)
        seen = [name for name, text in LANDMARKS.items() if text in data]
        text = " ".join(re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]|\x1b[()][0-9A-Z]", " ", data).split())
        shown = f": {text[:100]!r}" if VERBOSE and len(data) < 2000 else ""
        stamp(f"write {len(data)} chars {' '.join(seen)}".rstrip() + shown)

    LinuxDriver.write = write  # type: ignore[method-assign]
    if TIMED:
        _time_methods(TIMED.split(","), stamp)
    build_app = entry.build_app

    def build_and_watch(*args: Any) -> GroqApp:
        # The app's own imports happen here, as they do in the entry point.
        app = build_app(*args)
        stamp("app built (its modules imported)")
        original_mount = type(app).on_mount

        async def on_mount(self: GroqApp) -> None:
            stamp("App mounting")
            self.context.services_ready.subscribe(lambda _ready: stamp("services ready"))
            self.context.models_loaded.subscribe(lambda _none: stamp("models listed"))
            self.set_timer(RUN_FOR, self.exit)
            if PROFILE_MOUNT:
                import cProfile

                profile = cProfile.Profile()
                profile.enable()
                await original_mount(self)
                profile.disable()
                profile.dump_stats(PROFILE_MOUNT)
            else:
                await original_mount(self)
            stamp("chat screen pushed")

        type(app).on_mount = on_mount  # type: ignore[method-assign]
        return app

    entry.build_app = build_and_watch  # type: ignore[assignment]
    try:
        entry.main([])
    finally:
        report.write_text(json.dumps(events))


def _time_methods(names: list[str], stamp: Any) -> None:
    import functools
    import importlib
    import inspect

    for name in names:
        module_name, _, qualified = name.partition(":")
        owner_name, _, method_name = qualified.rpartition(".")
        owner = importlib.import_module(module_name)
        for part in filter(None, owner_name.split(".")):
            owner = getattr(owner, part)
        method = getattr(owner, method_name)

        def timed(method: Any, label: str) -> Any:
            if inspect.iscoroutinefunction(method):

                @functools.wraps(method)
                async def run_async(*args: Any, **kwargs: Any) -> Any:
                    started = time.perf_counter()
                    try:
                        return await method(*args, **kwargs)
                    finally:
                        stamp(f"{label}: {(time.perf_counter() - started) * 1000:.1f} ms")

                return run_async

            @functools.wraps(method)
            def run(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return method(*args, **kwargs)
                finally:
                    stamp(f"{label}: {(time.perf_counter() - started) * 1000:.1f} ms")

            return run

        setattr(owner, method_name, timed(method, qualified))


def launch(tmux: TmuxServer, report: Path) -> list[tuple[float, str]]:
    session = f"timeline-{time.monotonic_ns()}"
    env_t0 = f"STARTUP_TIMELINE_T0={time.time()}"
    command = f"env {env_t0} {PREFIX}{sys.executable} {__file__} --child {report}"
    tmux.start(session, command, 160, 45)
    deadline = time.monotonic() + RUN_FOR + 30
    while not report.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    # (The session has ended with the app, unless it hung.)
    subprocess.run(["tmux", "-L", tmux.socket, "kill-session", "-t", session], capture_output=True)
    if not report.exists():
        raise SystemExit("the launched app wrote no report")
    events = [(float(t), str(what)) for t, what in json.loads(report.read_text())]
    report.unlink()
    return events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed: apt-get install tmux")
    from benchmarks.bench_client_stream import start_server
    from benchmarks.tmux_app import TmuxServer, app_env

    proc, base_url = start_server()
    home = Path(tempfile.mkdtemp(prefix="groq-tui-timeline-"))
    env = {**app_env(base_url, home), "GROQ_TUI_MODEL": LANDMARKS["model"]}
    last_frames: list[float] = []
    try:
        with TmuxServer(env) as tmux:
            launch(tmux, home / "warm.json")
            for run in range(args.runs):
                events = launch(tmux, home / f"run{run}.json")
                print(f"run {run + 1}")
                for at, what in events:
                    print(f"  {at * 1000:7.0f} ms  {what}")
                writes = [at for at, what in events if what.startswith("write")]
                # The composer's cursor blinks every 0.5 s: the screen is complete at the
                # last write before the first pause of STILL seconds.
                pauses = [a for a, b in itertools.pairwise(writes) if b - a >= STILL]
                last_frames.append(pauses[0] if pauses else writes[-1])
    finally:
        proc.terminate()
        shutil.rmtree(home, ignore_errors=True)
    median = statistics.median(last_frames)
    print(f"screen complete (last write before a {STILL} s pause): median {median:.3f}s")


if __name__ == "__main__":
    main()
