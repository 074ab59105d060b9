"""Compare mode under load: four models streaming 2,000 chunks each at once.

The loopback server runs in its own process and streams a 2,000-chunk Markdown reply per
model as fast as it can. Measured in one run:

- the slowest of four single streams read with raw httpx (lines + json) one after another,
  and four read concurrently with raw httpx (the transport's own cost at that load);
- the compare screen (headless Textual, 160x50): the wall time from pressing Enter until all
  four replies are on screen (every column finished, at its end, and what it shows rendered
  from the whole text), and until every block is rendered, the ones scrolled out of view too;
- responsiveness while the four stream: the worst lateness of a 10 ms timer on the event loop,
  and the time from a key press reaching the app, as the terminal driver delivers it, to its
  effect: a letter typed into the composer, and ctrl+l (scroll lock), pressed in turn while
  the streams run.

The screen part runs ``--runs`` times; the medians are printed, with the range.

Target (issue 5): all four fully on screen within 1.3x the slowest single raw httpx stream,
and a key handled within 100 ms.

    .venv/bin/python benchmarks/bench_compare.py [--chunks 2000] [--rate CHUNKS_PER_SECOND]

``--rate`` paces each stream (e.g. 1000 chunks/s, about Groq's fastest models) instead of
streaming as fast as the server can.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_client_stream import raw_lines_json, start_server  # noqa: E402
from groq_tui.app import GroqApp  # noqa: E402
from groq_tui.config import load_settings  # noqa: E402
from groq_tui.services.context import AppContext  # noqa: E402
from groq_tui.ui.screens.compare import CompareScreen  # noqa: E402
from groq_tui.ui.widgets.composer import Composer  # noqa: E402


async def raw_figures(base_url: str, model: str) -> tuple[float, float]:
    singles = []
    for _ in range(4):
        started = time.perf_counter()
        await raw_lines_json(base_url, model)
        singles.append(time.perf_counter() - started)
    started = time.perf_counter()
    await asyncio.gather(*(raw_lines_json(base_url, model) for _ in range(4)))
    return max(singles), time.perf_counter() - started


def send_key(app: GroqApp, name: str, char: str | None = None) -> None:
    """Deliver a key as the terminal driver does (Pilot.press also waits for the app to be
    idle, which it is not while replies stream)."""
    from textual import events

    key = events.Key(name, char)
    key.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(key)


async def key_latency(
    app: GroqApp, screen: CompareScreen, composer: Composer, *, typing: bool
) -> float:
    """Send a key: a letter typed into the composer (the time until it is in the text), or
    ctrl+l (the screen's scroll lock: the time until its action has run)."""
    before = time.perf_counter()
    if not typing:
        locked = screen.locked
        send_key(app, "ctrl+l")
        changed = lambda: screen.locked != locked  # noqa: E731
    else:
        text = composer.text
        send_key(app, "x", "x")
        changed = lambda: composer.text != text  # noqa: E731
    for _ in range(10_000):  # polled every millisecond: neither sets an event to wait on
        if changed():
            break
        await asyncio.sleep(0.001)
    return time.perf_counter() - before


async def screen_figures(base_url: str, model: str, data: Path) -> dict[str, float]:
    settings = load_settings(api_key="bench", base_url=base_url, max_retries=0)
    app = GroqApp(AppContext(settings, data_path=data))
    figures: dict[str, float] = {}
    async with app.run_test(size=(160, 50)) as pilot:
        while app.context.chat_service is None:
            await pilot.pause(0.01)
        app.open_compare([model] * 4)
        while not isinstance(app.screen, CompareScreen):
            await pilot.pause(0.01)
        screen = app.screen
        await pilot.pause()
        composer = screen.query_one(Composer)
        composer.focus()
        composer.load_text("go")

        lateness: list[float] = []
        stop = asyncio.Event()

        async def probe() -> None:
            while not stop.is_set():
                before = time.perf_counter()
                await asyncio.sleep(0.01)
                lateness.append(time.perf_counter() - before - 0.01)

        prober = asyncio.create_task(probe())
        started = time.perf_counter()
        send_key(app, "enter", "\r")
        for _ in range(10_000):
            if screen.streaming:
                break
            await asyncio.sleep(0.001)

        def ends_shown() -> bool:
            if screen.streaming:
                return False
            columns = screen.columns
            return all(
                c.current is not None
                and c.current.finished
                and c.current.settled_in_view
                and c.body.scroll_y >= c.body.max_scroll_y - 1
                for c in columns
            )

        def all_rendered() -> bool:
            return all(c.current is not None and c.current.settled for c in screen.columns)

        deadline = time.monotonic() + 120

        def waited_too_long() -> bool:
            if time.monotonic() > deadline:
                state = [
                    (c.figures.state, c.current and c.current.settled_in_view, c.body.scroll_y,
                     c.body.max_scroll_y, screen.locked)
                    for c in screen.columns
                ]  # fmt: skip
                raise SystemExit(f"the replies did not finish within two minutes: {state}")
            return False

        typed: list[float] = []
        bound: list[float] = []
        while not ends_shown() and not waited_too_long():
            if screen.streaming:
                typed.append(await key_latency(app, screen, composer, typing=True))
                await asyncio.sleep(0.02)
            if screen.streaming:
                bound.append(await key_latency(app, screen, composer, typing=False))
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.002)
        figures["all four on screen"] = time.perf_counter() - started
        for _ in iter(lambda: all_rendered() or waited_too_long(), True):  # polled: no event
            await asyncio.sleep(0.002)
        figures["all four rendered, off-screen too"] = time.perf_counter() - started
        stop.set()
        await prober
        figures["worst loop lateness"] = max(lateness) if lateness else 0.0
        for name, times in (("letter typed", typed), ("ctrl+l action", bound)):
            times.sort()
            figures[f"{name}: median"] = times[len(times) // 2] if times else float("nan")
            figures[f"{name}: worst"] = times[-1] if times else float("nan")
            figures[f"{name}: presses"] = len(times)
        tokens = [w.figures.tokens for w in screen.columns]
        assert tokens == [int(model.split("-")[2])] * 4, tokens
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--rate", type=int, help="chunks per second per stream (default: max)")
    parser.add_argument("--runs", type=int, default=3, help="screen runs (medians are shown)")
    args = parser.parse_args()
    proc, base_url = start_server()
    model = f"loopback-chunks-{args.chunks}" + (f"-rate-{args.rate}" if args.rate else "")
    runs: list[dict[str, float]] = []
    try:
        slowest_single, four_raw = asyncio.run(raw_figures(base_url, model))
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(asyncio.run(screen_figures(base_url, model, Path(tmp))))
    finally:
        proc.terminate()
    pace = f" at {args.rate} chunks/s each" if args.rate else " as fast as possible"
    print(f"4 models x {args.chunks} chunks{pace} (seconds; screen: median of {args.runs} runs)")
    print(f"{'slowest single raw httpx stream':<36} {slowest_single:8.3f}")
    print(f"{'four concurrent raw httpx streams':<36} {four_raw:8.3f}")
    for name in runs[0]:
        values = sorted(run[name] for run in runs)
        spread = f"   ({values[0]:.3f} - {values[-1]:.3f})" if len(values) > 1 else ""
        print(f"{name:<36} {values[len(values) // 2]:8.3f}{spread}")
    shown = sorted(run["all four on screen"] for run in runs)[len(runs) // 2]
    print(f"all four on screen / slowest single raw stream: {shown / slowest_single:.2f}x", end="")
    print(f" (target <= 1.3x); / four concurrent raw streams: {shown / four_raw:.2f}x")
    print("key press target: < 0.100 s")


if __name__ == "__main__":
    main()
