"""Where one fast reply's time goes, from Enter to its last line on a tmux screen.

The app runs in tmux (120x40) against the loopback server, under a small launcher (this file,
with ``--child``) that stamps, on the wall clock:

- the Enter key reaching the app (the driver's key message), and the chat screen sending;
- the reply's stream opening, its first and last chunk (``ChatStream._absorb``);
- the reply view finalized;
- every write Textual's driver makes to the terminal (the frames), with its size.

The parent stamps when it pressed Enter and when the reply's last line was on the screen to
stay (as ``bench_long_conversation`` measures it), and reads the same stream raw just before.
Per turn it prints the stages, and the frames written while the reply streamed: how many,
their bytes, the longest gap between two.

    .venv/bin/python benchmarks/reply_timeline.py [--turns 4] [--chunks 2000 --rate 3000]

This prints figures; it is not a pass/fail test.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIMED = os.environ.get("REPLY_TIMELINE_TIME", "")
"""Methods to time at each call, e.g. ``groq_tui.services.reply:open_reply``: their ends are
listed per turn (with ``REPLY_TIMELINE_VERBOSE``)."""
PROFILE = os.environ.get("REPLY_TIMELINE_PROFILE")
"""A file for cProfile's stats of the last turn, from the key to 0.3 s after the view was
finalized."""
PROFILE_TAIL = bool(os.environ.get("REPLY_TIMELINE_PROFILE_TAIL"))
"""Profile from the view's finalizing to the frame after it instead."""
LINES = bool(os.environ.get("REPLY_TIMELINE_LINES"))
"""Count the lines each widget rendered afresh during each turn."""
VERBOSE = bool(os.environ.get("REPLY_TIMELINE_VERBOSE"))
"""List each turn's events (not its chunks and writes) in order."""


def child(report: Path) -> None:
    """Run the app with stamps, and write them to ``report`` on exit."""
    events: list[tuple[float, str, int]] = []

    def stamp(what: str, size: int = 0) -> None:
        events.append((time.time(), what, size))

    from textual import events as textual_events
    from textual.drivers.linux_driver import LinuxDriver

    from groq_tui import __main__ as entry
    from groq_tui.api.streaming import ChatStream
    from groq_tui.ui.screens.chat import ChatScreen
    from groq_tui.ui.widgets.messages import MessageView

    original_write = LinuxDriver.write

    def write(self: LinuxDriver, data: str) -> None:
        original_write(self, data)
        stamp("write", len(data.encode()))

    original_process = LinuxDriver.process_message

    def process_message(self: LinuxDriver, message: Any) -> None:
        if isinstance(message, textual_events.Key) and message.key == "enter":
            stamp("key")
        original_process(self, message)

    original_send = ChatScreen.send

    profile: list[Any] = []

    async def send(self: ChatScreen, text: str) -> None:
        stamp("send")
        if PROFILE and not PROFILE_TAIL:
            import cProfile

            profile[:] = [cProfile.Profile()]
            profile[0].enable()
        await original_send(self, text)

    original_init = ChatStream.__init__
    original_absorb = ChatStream._absorb
    counts: dict[int, int] = {}

    def init(self: ChatStream, *args: Any, **kwargs: Any) -> None:
        stamp("stream opened")
        original_init(self, *args, **kwargs)

    def absorb(self: ChatStream, chunk: Any) -> None:
        original_absorb(self, chunk)
        seen = counts[id(self)] = counts.get(id(self), 0) + 1
        if seen == 1:
            stamp("first chunk")
        events.append((time.time(), "chunk", seen))

    original_finalize = MessageView.finalize

    def dump_now() -> None:
        profile[0].disable()
        profile[0].dump_stats(PROFILE)
        stamp("profile dumped")

    def finalize(self: MessageView, message: Any) -> None:
        if PROFILE_TAIL:
            import cProfile

            profile[:] = [cProfile.Profile()]
            profile[0].enable()
        original_finalize(self, message)
        stamp("finalized")
        if PROFILE_TAIL:
            self.call_after_refresh(self.call_after_refresh, dump_now)
        elif profile:

            def dump() -> None:
                profile[0].disable()
                profile[0].dump_stats(PROFILE)

            self.set_timer(0.3, dump)

    if LINES:
        _count_lines(events)
    if TIMED:
        from benchmarks.startup_timeline import _time_methods

        _time_methods(TIMED.split(","), lambda what: stamp(what))
    LinuxDriver.write = write  # type: ignore[method-assign]
    LinuxDriver.process_message = process_message  # type: ignore[method-assign]
    ChatScreen.send = send  # type: ignore[method-assign]
    ChatStream.__init__ = init  # type: ignore[method-assign]
    ChatStream._absorb = absorb  # type: ignore[method-assign]
    MessageView.finalize = finalize  # type: ignore[method-assign]
    try:
        entry.main(sys.argv[3:])
    finally:
        if profile and PROFILE and not Path(PROFILE).exists():
            profile[0].disable()
            profile[0].dump_stats(PROFILE)
        report.write_text(json.dumps(events))


def _count_lines(events: list[tuple[float, str, int]]) -> None:
    """Stamp the lines each widget renders afresh (not from Textual's cache of its lines)."""
    from textual._styles_cache import StylesCache

    original = StylesCache.render_widget

    def render_widget(self: StylesCache, widget: Any, crop: Any) -> Any:
        fresh = sum(
            1
            for y in crop.line_range
            if y in self._dirty_lines or y not in self._cache or widget.region.width != self._width
        )
        if fresh:
            name = widget.id or type(widget).__name__
            events.append((time.time(), f"lines {type(widget).__name__}#{name}", fresh))
        return original(self, widget, crop)

    StylesCache.render_widget = render_widget  # type: ignore[method-assign]


def _stages(events: list[tuple[float, str, int]], enter: float, seen: float) -> dict[str, Any]:
    """One turn's stages, in ms from Enter, and its frames."""
    turn = [(at, what, size) for at, what, size in events if enter <= at <= seen + 0.5]

    def first(name: str) -> float | None:
        return next(((at - enter) * 1000 for at, what, _ in turn if what == name), None)

    chunks = [at for at, what, _ in turn if what == "chunk"]
    writes = [(at, size) for at, what, size in turn if what == "write"]
    streaming = [(at, size) for at, size in writes if chunks and chunks[0] <= at <= chunks[-1]]
    before_seen = [at for at, _ in writes if at <= seen]
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(streaming)]
    return {
        "key": first("key"),
        "send": first("send"),
        "opened": first("stream opened"),
        "first chunk": first("first chunk"),
        "last chunk": (chunks[-1] - enter) * 1000 if chunks else None,
        "finalized": first("finalized"),
        "last write": (before_seen[-1] - enter) * 1000 if before_seen else None,
        "seen": (seen - enter) * 1000,
        "frames": len(streaming),
        "kB per frame": statistics.mean(s for _, s in streaming) / 1000 if streaming else 0,
        "kB": sum(s for _, s in streaming) / 1000,
        "longest gap": max(gaps) * 1000 if gaps else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=4)
    parser.add_argument("--child", type=Path)
    args, _ = parser.parse_known_args()
    if args.child:  # (the launched app: nothing of the benchmark's own is imported)
        child(args.child)
        return
    import asyncio

    from benchmarks.bench_client_stream import raw_lines_json
    from benchmarks.tmux_conversation import SESSION, add_reply_options, conversation

    add_reply_options(parser, chunks=2000, rate=3000)
    args = parser.parse_args()

    report = Path(tempfile.mkdtemp(prefix="groq-tui-reply-timeline-")) / "events.json"
    turns: list[tuple[float, float, float]] = []
    with conversation(args, f"{sys.executable} {__file__} --child {report}") as chat:
        for number in range(1, args.turns + 1):
            started = time.perf_counter()
            asyncio.run(raw_lines_json(chat.base_url, chat.model))
            raw = time.perf_counter() - started
            watch = chat.ask(f"turn {number}")
            if watch.last_line_at is None:
                raise SystemExit(f"turn {number}: the reply's end did not come into view")
            # The watch's clock is perf_counter; the app's stamps are on the wall clock.
            wall = time.time() - time.perf_counter()
            turns.append((wall + watch.enter_at, wall + watch.last_line_at, raw))
        chat.tmux.press(SESSION, "C-q")  # the launcher writes its report as the app ends
        deadline = time.monotonic() + 30
        while not report.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    if not report.exists():
        raise SystemExit("the app wrote no report")
    events = [(float(a), str(b), int(c)) for a, b, c in json.loads(report.read_text())]
    shutil.rmtree(report.parent, ignore_errors=True)
    print(
        f"{args.turns} turns of {args.chunks}-chunk replies at {args.rate} chunks/s, "
        f"tmux {args.size}; ms from Enter (send-keys)"
    )
    rows = [(_stages(events, enter, seen), raw) for enter, seen, raw in turns]
    names = ["key", "send", "opened", "first chunk", "last chunk", "finalized", "last write"]
    header = f"{'turn':>4} " + " ".join(f"{n:>11}" for n in [*names, "seen"]) + "   raw  ratio"
    print(header)
    for number, (stage, raw) in enumerate(rows, 1):
        cells = " ".join(
            f"{stage[n]:11.0f}" if stage[n] is not None else f"{'-':>11}" for n in [*names, "seen"]
        )
        print(f"{number:>4} {cells} {raw * 1000:5.0f} {stage['seen'] / 1000 / raw:5.2f}x")
    if LINES:
        for number, (enter, seen, _) in enumerate(turns, 1):
            counts: dict[str, list[int]] = {}
            for at, what, size in events:
                if enter <= at <= seen and what.startswith("lines "):
                    counts.setdefault(what[6:], []).append(size)
            print(f"turn {number}: lines rendered afresh (renders, lines)")
            for name, sizes in sorted(counts.items(), key=lambda item: -sum(item[1])):
                print(f"  {len(sizes):5} {sum(sizes):6}  {name}")
    if VERBOSE:
        for number, (enter, seen, _) in enumerate(turns, 1):
            print(f"turn {number}")
            for at, what, _size in events:
                if enter <= at <= seen + 0.5 and what not in ("chunk", "write"):
                    if what.startswith("lines "):
                        continue
                    print(f"  {(at - enter) * 1000:7.1f} ms  {what}")
    print()
    print(f"{'turn':>4} {'frames':>7} {'kB':>8} {'kB/frame':>9} {'longest gap ms':>15}")
    for number, (stage, _) in enumerate(rows, 1):
        print(
            f"{number:>4} {stage['frames']:>7} {stage['kB']:8.0f} {stage['kB per frame']:9.1f} "
            f"{stage['longest gap']:15.0f}"
        )


if __name__ == "__main__":
    main()
