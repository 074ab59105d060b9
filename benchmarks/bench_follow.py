"""Does the end of every fast reply come into view on its own? Counted in tmux, one core busy.

The app runs in a private tmux server (120x40) against the loopback server, which runs in a
process of its own and streams ``loopback-chunks-<N>`` replies (500 chunks by default) as fast
as it can. In one conversation, ``--replies`` prompts are sent one after another. After each
reply has ended (the status bar says ready again), the screen is read with ``capture-pane``,
without pressing any key, until the reply's last line with its stats line below it is on
screen, for at most ``--grace`` seconds (5: a loaded machine may be slow, but an end that has
not come by then is stuck); a reply whose end is not there by then is a miss. A busy-loop
child process keeps one core busy during the replies (``--no-busy``: not).

Printed: ``end in view: X of N``, each miss with what the bottom of the pane showed instead,
and how long after the status bar said ready the end was in view (median, worst, and the
replies that took more than a second).

Issue 10's target: 50 of 50. The 30 Hz follow timer of the chat screen is reported to miss
about 1 reply in 6 under load.

    .venv/bin/python benchmarks/bench_follow.py [--replies 50] [--chunks 500] [--no-busy]

This prints figures; it is not a pass/fail test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.tmux_app import ReplyWatch, busy_core  # noqa: E402
from benchmarks.tmux_conversation import add_reply_options, conversation  # noqa: E402

SLOW = 1.0
"""An end that takes longer than this after the status bar says ready is reported as slow."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=50, help="replies in the conversation")
    add_reply_options(parser, chunks=500, rate=0)
    parser.add_argument("--no-busy", action="store_true", help="leave the cores to the app")
    args = parser.parse_args()
    watches: list[ReplyWatch] = []
    with conversation(args) as chat, busy_core(not args.no_busy):
        for number in range(1, args.replies + 1):
            watch = chat.ask(f"Reply {number} of {args.replies}, please")
            watches.append(watch)
            print("." if watch.in_view else "x", end="", flush=True)
        print()
    report(args, watches)


def report(args: argparse.Namespace, watches: list[ReplyWatch]) -> None:
    speed = f"{args.rate} chunks/s" if args.rate else "full speed"
    load = "no extra load" if args.no_busy else "one core busy (a busy-loop child)"
    print(
        f"{len(watches)} replies of {args.chunks} chunks at {speed} in one conversation, "
        f"tmux {args.size}, {load}"
    )
    print(
        f"end in view: {sum(w.in_view for w in watches)} of {len(watches)} "
        f"(within {args.grace:.0f} s of the reply ending, no key pressed)"
    )
    misses = [(number, w) for number, w in enumerate(watches, 1) if not w.in_view]
    if misses:
        print(f"misses (the pane's bottom rows {args.grace:.0f} s after the reply ended):")
    for number, watch in misses:
        where = "last line at the bottom, stats line below the edge" if watch.last_line_only else ""
        print(f"  reply {number}: {where or watch.bottom!r}")
    interval = statistics.median(w.capture_interval for w in watches)
    print(f"(the screen was read every {interval * 1000:.0f} ms, median over the replies)")
    unseen = sum(not w.busy_seen for w in watches)
    if unseen:
        print(f"({unseen} replies ended before a busy status bar was captured)")
    lags = [w.lag for w in watches if w.lag is not None]
    if lags:
        slow = sorted(number for number, w in enumerate(watches, 1) if (w.lag or 0) > SLOW)
        print(
            f"status ready -> end in view: median {statistics.median(lags) * 1000:.0f} ms, "
            f"worst {max(lags) * 1000:.0f} ms; over {SLOW:.0f} s: {len(slow)}"
            + (f" (replies {', '.join(map(str, slow))})" if slow else "")
        )


if __name__ == "__main__":
    main()
