"""Does a long conversation slow the app? Twenty fast replies in one conversation, in tmux.

The app runs in a private tmux server (120x40) against the loopback server, which runs in a
process of its own. In one conversation, ``--turns`` prompts are sent one after another, each
answered by a 2,000-chunk Markdown reply streamed at 3,000 chunks/s
(``loopback-chunks-2000-rate-3000``). Per turn:

- seconds: from pressing Enter (``send-keys``) until the reply's last line is on the tmux
  screen (``capture-pane``) to stay, its stats line then coming below it;
- raw: the same stream read just before with raw httpx (lines + json, no UI), and the ratio
  seconds / raw (the machine is shared: ratios taken in the same run are what compare);
- RSS: the app process's resident memory after the turn (VmRSS in /proc/PID/status);
- end in view: whether the reply's end came into view on its own (no key pressed) within
  ``--grace`` seconds (5) of the reply ending.

Then the summary:

- one reply: the median ratio over the first ``--window`` turns: issue 10's "a 2,000-chunk
  reply at 3,000 chunks/s on screen within X times the stream, from Enter to its last line on
  the tmux screen against a raw read of the same stream" (target 1.1x; bench_render measures
  the same reply from inside the app, without the request or the store);
- the last ``--window`` turns' median time over the first ones' (target 1.1x), and the same
  for the ratios (which takes out changes in the machine's load);
- memory from the first turn to the last, and the replies whose end was not in view.

    .venv/bin/python benchmarks/bench_long_conversation.py [--turns 20] [--busy]

This prints figures; it is not a pass/fail test.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_client_stream import raw_lines_json  # noqa: E402
from benchmarks.tmux_app import ReplyWatch, busy_core, rss_mb  # noqa: E402
from benchmarks.tmux_conversation import add_reply_options, conversation  # noqa: E402


@dataclass
class Turn:
    """One prompt and its reply, measured."""

    number: int
    watch: ReplyWatch
    raw: float
    rss: float

    @property
    def ratio(self) -> float | None:
        seconds = self.watch.seconds
        return None if seconds is None else seconds / self.raw


async def _timed_raw_read(base_url: str, model: str) -> float:
    started = time.perf_counter()
    await raw_lines_json(base_url, model)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=20)
    add_reply_options(parser, chunks=2000, rate=3000)
    parser.add_argument("--window", type=int, default=3, help="turns compared, first and last")
    parser.add_argument("--busy", action="store_true", help="keep one core busy meanwhile")
    args = parser.parse_args()
    turns: list[Turn] = []
    load = "one core busy (a busy-loop child)" if args.busy else "no extra load"
    print(
        f"{args.turns} turns of {args.chunks}-chunk replies at {args.rate} chunks/s "
        f"(nominal stream {args.chunks / args.rate:.3f} s) in one conversation, "
        f"tmux {args.size}, {load}"
    )
    print("seconds: Enter -> the reply's last line on the tmux screen; raw: the same stream")
    print("read with raw httpx just before; ratio = seconds / raw; RSS after the turn")
    print()
    header = f"{'turn':>4} {'seconds':>8} {'raw':>7} {'ratio':>6} {'RSS MB':>7}  end in view"
    print(header)
    print("-" * len(header))
    with conversation(args) as chat:
        asyncio.run(_timed_raw_read(chat.base_url, chat.model))  # warm-up: imports, connection
        pid = chat.app_pid
        with busy_core(args.busy):
            for number in range(1, args.turns + 1):
                raw = asyncio.run(_timed_raw_read(chat.base_url, chat.model))
                watch = chat.ask(f"Turn {number} of {args.turns}: a long answer, please")
                turns.append(Turn(number, watch, raw, rss_mb(pid)))
                print(_row(turns[-1]), flush=True)
    summary(args, turns)


def _row(turn: Turn) -> str:
    seconds = turn.watch.seconds
    ratio = turn.ratio
    shown = "yes" if turn.watch.in_view else f"NO: {turn.watch.bottom!r}"
    return (
        f"{turn.number:>4} {'-' if seconds is None else f'{seconds:.3f}':>8} {turn.raw:7.3f} "
        f"{'-' if ratio is None else f'{ratio:.2f}x':>6} {turn.rss:7.1f}  {shown}"
    )


def _median(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return statistics.median(known) if known else None


def summary(args: argparse.Namespace, turns: list[Turn]) -> None:
    window = min(args.window, len(turns))
    first, last = turns[:window], turns[-window:]
    print()
    one_reply = _median([t.ratio for t in first])
    if one_reply is not None:
        print(
            f"one reply ({args.chunks} chunks at {args.rate}/s), Enter -> last line on screen: "
            f"{one_reply:.2f}x the raw stream (median of turns 1-{window}; target 1.1x)"
        )
    spans = f"turns {last[0].number}-{last[-1].number} over 1-{window}"
    for name, early, late in (
        (
            "time",
            _median([t.watch.seconds for t in first]),
            _median([t.watch.seconds for t in last]),
        ),
        ("ratio to raw", _median([t.ratio for t in first]), _median([t.ratio for t in last])),
    ):
        if early and late:
            print(f"last turns over first, {name}: {late / early:.2f}x ({spans}; target 1.1x)")
    print(f"memory: {turns[0].rss:.0f} MB after turn 1, {turns[-1].rss:.0f} MB after the last")
    interval = statistics.median(t.watch.capture_interval for t in turns)
    print(f"(the screen was read every {interval * 1000:.0f} ms, median over the turns)")
    missed = [t.number for t in turns if not t.watch.in_view]
    print(f"end in view: {len(turns) - len(missed)} of {len(turns)}", end="")
    print(f" (not: turns {', '.join(map(str, missed))})" if missed else "")


if __name__ == "__main__":
    main()
