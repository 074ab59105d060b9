"""Keys while a chat reply streams: how long a key waits for the app, headless.

The chat screen (160x45, the side panels shown) streams one reply from the loopback server
(its own process; 2,000 chunks at 3,000 chunks/s by default). While it streams, keys are
delivered as the terminal driver delivers them (Pilot.press would wait for an idle app, which
it is not) and timed until their effect:

- a letter typed into the composer (until it is in the text);
- ctrl+b, the history panel: a binding of the screen (until its action has run, and until
  the panel is shown or hidden: the screen restyled and laid out).

Each figure is the median over the keys pressed in a run; the medians of ``--runs`` runs are
printed, with their range. Issue 10's target: under 50 ms.

    .venv/bin/python benchmarks/bench_keys.py [--runs 3] [--chunks 2000 --rate 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_client_stream import start_server  # noqa: E402
from benchmarks.bench_compare import send_key  # noqa: E402
from groq_tui.app import GroqApp  # noqa: E402
from groq_tui.config import load_settings  # noqa: E402
from groq_tui.services.context import AppContext  # noqa: E402
from groq_tui.ui.screens.chat import ChatScreen  # noqa: E402
from groq_tui.ui.widgets.composer import Composer  # noqa: E402


async def effect_after(app: GroqApp, key: str, char: str | None, done: Callable[[], bool]) -> float:
    """Seconds from delivering ``key`` until ``done()`` (polled every millisecond)."""
    before = time.perf_counter()
    send_key(app, key, char)
    for _ in range(10_000):
        if done():
            break
        await asyncio.sleep(0.001)
    return time.perf_counter() - before


async def one_run(base_url: str, model: str, data: Path) -> dict[str, float]:
    settings = load_settings(api_key="bench", base_url=base_url, max_retries=0, model=model)
    app = GroqApp(AppContext(settings, data_path=data, model=model))
    typed: list[float] = []
    bound: list[float] = []
    toggled: list[float] = []
    async with app.run_test(size=(160, 45)) as pilot:
        while app.context.chat_service is None or not app.context.models:
            await pilot.pause(0.01)
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        composer = screen.query_one(Composer)
        composer.load_text("go")
        send_key(app, "enter", "\r")
        while not screen.streaming:
            await asyncio.sleep(0.001)
        sidebar = screen.query_one("#sidebar")
        while screen.streaming:
            text = composer.text
            typed.append(await effect_after(app, "x", "x", lambda: composer.text != text))
            await asyncio.sleep(0.02)
            if not screen.streaming:
                break
            shown = sidebar.display
            classes = sidebar.classes
            ran = asyncio.get_running_loop().create_future()

            def changed() -> bool:
                if sidebar.classes != classes and not ran.done():
                    ran.set_result(time.perf_counter())
                return sidebar.display != shown

            before = time.perf_counter()
            shown_after = await effect_after(app, "ctrl+b", None, changed)
            bound.append((ran.result() if ran.done() else float("nan")) - before)
            toggled.append(shown_after)
            await asyncio.sleep(0.02)
    return {
        "letter typed": statistics.median(typed),
        "ctrl+b: its action ran": statistics.median(bound),
        "ctrl+b: the panel shown/hidden": statistics.median(toggled),
        "keys pressed": float(len(typed) + len(bound)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=3000, help="chunks per second")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    proc, base_url = start_server()
    model = f"loopback-chunks-{args.chunks}-rate-{args.rate}"
    runs: list[dict[str, float]] = []
    try:
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(asyncio.run(one_run(base_url, model, Path(tmp))))
    finally:
        proc.terminate()
    print(f"keys during one reply of {args.chunks} chunks at {args.rate}/s (medians, seconds)")
    for name in runs[0]:
        values = sorted(run[name] for run in runs)
        spread = f"   ({values[0]:.3f} - {values[-1]:.3f})" if len(values) > 1 else ""
        print(f"{name:<24} {values[len(values) // 2]:8.3f}{spread}")


if __name__ == "__main__":
    main()
