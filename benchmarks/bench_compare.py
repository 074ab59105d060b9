"""Compare mode under load: four models streaming 2,000 chunks each at once.

The loopback server runs in its own process and streams a 2,000-chunk Markdown reply per
model as fast as it can. Measured in one run:

- the slowest of four single streams read with raw httpx (lines + json) one after another,
  and four read concurrently with raw httpx (the transport's own cost at that load);
- the compare screen (headless Textual, 160x50): the wall time from pressing Enter until all
  four replies are fully rendered (every column's Markdown settled with the whole text);
- responsiveness while the four stream: the worst lateness of a 10 ms timer on the event loop,
  and the time from a key press (ctrl+l, scroll lock) reaching the app as the terminal driver
  delivers it to its action having run, up to five presses while the streams run.

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
from groq_tui.ui.screens.compare import CompareScreen  # noqa: E402
from groq_tui.ui.widgets.composer import Composer  # noqa: E402
from groq_tui.ui.widgets.streaming_markdown import StreamingMarkdown  # noqa: E402


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


async def key_latency(app: GroqApp, screen: CompareScreen) -> float:
    """Send ctrl+l; the time until its action (toggling the scroll lock) has run."""
    locked = screen.locked
    before = time.perf_counter()
    send_key(app, "ctrl+l")
    for _ in range(10_000):  # polled every millisecond: the action sets no event to wait on
        if screen.locked != locked:
            break
        await asyncio.sleep(0.001)
    return time.perf_counter() - before


async def screen_figures(base_url: str, model: str, data: Path) -> dict[str, float]:
    settings = load_settings(api_key="bench", base_url=base_url, max_retries=0)
    app = GroqApp(settings, data_path=data)
    figures: dict[str, float] = {}
    async with app.run_test(size=(160, 50)) as pilot:
        while app.chat_service is None:
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

        def done() -> bool:
            if screen.streaming:
                return False
            bodies = list(screen.query(StreamingMarkdown))
            return len(bodies) == 4 and all(b.finished and b.settled for b in bodies)

        key_times: list[float] = []
        while not done():
            if screen.streaming and len(key_times) < 5:
                key_times.append(await key_latency(app, screen))
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.005)
        figures["all four on screen"] = time.perf_counter() - started
        stop.set()
        await prober
        figures["worst loop lateness"] = max(lateness) if lateness else 0.0
        figures["key press handled (median)"] = (
            sorted(key_times)[len(key_times) // 2] if key_times else float("nan")
        )
        figures["key press handled (worst)"] = max(key_times) if key_times else float("nan")
        tokens = [w.figures.tokens for w in screen.columns]
        assert tokens == [int(model.split("-")[2])] * 4, tokens
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--rate", type=int, help="chunks per second per stream (default: max)")
    args = parser.parse_args()
    proc, base_url = start_server()
    model = f"loopback-chunks-{args.chunks}" + (f"-rate-{args.rate}" if args.rate else "")
    try:
        slowest_single, four_raw = asyncio.run(raw_figures(base_url, model))
        with tempfile.TemporaryDirectory() as tmp:
            figures = asyncio.run(screen_figures(base_url, model, Path(tmp)))
    finally:
        proc.terminate()
    pace = f" at {args.rate} chunks/s each" if args.rate else " as fast as possible"
    print(f"4 models x {args.chunks} chunks{pace}, one run (seconds)")
    print(f"slowest single raw httpx stream   {slowest_single:8.3f}")
    print(f"four concurrent raw httpx streams {four_raw:8.3f}")
    for name, value in figures.items():
        print(f"{name:<33} {value:8.3f}")
    ratio = figures["all four on screen"] / slowest_single
    print(f"all four on screen / slowest single raw stream: {ratio:.2f}x (target <= 1.3x)")
    print("key press target: < 0.100 s")


if __name__ == "__main__":
    main()
