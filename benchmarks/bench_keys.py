"""Keys while a chat reply streams: how long a key waits for the app, headless.

The chat screen (160x45, the side panels shown) streams one reply from the loopback server
(its own process; 2,000 chunks at 3,000 chunks/s by default). While it streams, keys are
delivered as the terminal driver delivers them (Pilot.press would wait for an idle app, which
it is not) and timed until their effect:

- a letter typed into the composer (until it is in the text);
- ctrl+b, the history panel: a binding of the screen (until its action has run and the
  panel is shown or hidden).

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
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_client_stream import start_server  # noqa: E402
from benchmarks.bench_compare import send_key  # noqa: E402
from groq_tui.app import GroqApp  # noqa: E402
from groq_tui.config import load_settings  # noqa: E402
from groq_tui.services.context import AppContext  # noqa: E402
from groq_tui.ui.screens.chat import ChatScreen  # noqa: E402
from groq_tui.ui.widgets.composer import Composer  # noqa: E402

if TYPE_CHECKING:
    from textual.widget import Widget


async def effect_after(app: GroqApp, key: str, char: str | None, done: Callable[[], bool]) -> float:
    """Seconds from delivering ``key`` until ``done()`` (polled every millisecond: nothing
    sets an event to wait on)."""
    before = time.perf_counter()
    send_key(app, key, char)
    for _ in range(10_000):
        if done():
            break
        await asyncio.sleep(0.001)
    return time.perf_counter() - before


def text_changed(composer: Composer) -> Callable[[], bool]:
    """Whether the composer's text differs from what it is now."""
    text = composer.text
    return lambda: composer.text != text


def toggled(panel: Widget) -> Callable[[], bool]:
    """Whether the panel's classes (the action ran) and its display (the screen shows it)
    both differ from what they are now."""
    classes, shown = panel.classes, panel.display
    return lambda: panel.classes != classes and panel.display != shown


async def one_run(base_url: str, model: str, data: Path) -> dict[str, float]:
    settings = load_settings(api_key="bench", base_url=base_url, max_retries=0, model=model)
    app = GroqApp(AppContext(settings, data_path=data, model=model))
    typed: list[float] = []
    bound: list[float] = []
    async with app.run_test(size=(160, 45)) as pilot:
        while app.context.chat_service is None or not app.context.models:
            await pilot.pause(0.01)
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        composer = screen.query_one(Composer)
        composer.load_text("go")
        await effect_after(app, "enter", "\r", lambda: screen.streaming)
        sidebar = screen.query_one("#sidebar")
        while screen.streaming:
            typed.append(await effect_after(app, "x", "x", text_changed(composer)))
            await asyncio.sleep(0.02)
            if not screen.streaming:
                break
            bound.append(await effect_after(app, "ctrl+b", None, toggled(sidebar)))
            await asyncio.sleep(0.02)
    return {
        "letter typed": statistics.median(typed),
        "ctrl+b: panel shown/hidden": statistics.median(bound),
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
        print(f"{name:<28} {values[len(values) // 2]:8.3f}{spread}")


if __name__ == "__main__":
    main()
