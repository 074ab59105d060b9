"""Start-up of several checkouts, launched in turn in the same run: which is faster here now.

bench_startup's figures move by 10-20 % from one run to the next on a shared machine, more
than most start-up changes save. This launches each checkout's app in turn, ``--runs`` rounds,
in one tmux server against one loopback server, and prints each one's median first frame
(120x40) and first screen complete and still (160x45), as bench_startup measures them. Each
checkout runs with ``PYTHONPATH`` set to it (a ``git worktree`` of the revision to compare):

    git worktree add --detach /tmp/before HEAD~5
    .venv/bin/python benchmarks/bench_startup_ab.py before=/tmp/before now=. [--runs 20]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_client_stream import start_server  # noqa: E402
from benchmarks.bench_startup import (  # noqa: E402
    COMPOSER,
    MODEL,
    earlier_session,
    time_to_screen,
    time_to_still_screen,
)
from benchmarks.tmux_app import APP, TmuxServer, app_env  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="+", metavar="NAME=PATH", help="a checkout to launch")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is needed: apt-get install tmux")
    trees = dict(tree.split("=", 1) for tree in args.trees)
    home = Path(tempfile.mkdtemp(prefix="groq-tui-bench-"))
    # Each checkout has a home of its own: an older one would otherwise open the history a
    # newer one wrote, at a schema it does not know.
    homes = {name: home / name for name in trees}
    commands = {
        name: f"env PYTHONPATH={Path(path).resolve()} XDG_CONFIG_HOME={homes[name] / 'config'}"
        f" XDG_DATA_HOME={homes[name] / 'data'} {APP}"
        for name, path in trees.items()
    }
    first: dict[str, list[float]] = {name: [] for name in trees}
    still: dict[str, list[float]] = {name: [] for name in trees}
    proc, base_url = start_server()
    try:
        with TmuxServer({**app_env(base_url, home), "GROQ_TUI_MODEL": MODEL}) as tmux:
            for command in commands.values():  # warm the file cache
                time_to_screen(tmux, command, COMPOSER)
            for name, command in commands.items():
                earlier_session(tmux, command, homes[name])
            for _ in range(args.runs):
                for name, command in commands.items():
                    first[name].append(time_to_screen(tmux, command, COMPOSER))
                    still[name].append(time_to_still_screen(tmux, command)[1])
    finally:
        proc.terminate()
        shutil.rmtree(home, ignore_errors=True)
    print(f"medians of {args.runs} launches each, in turn (min in brackets)")
    print(f"{'checkout':<20} {'first frame 120x40':>20} {'complete+still 160x45':>24}")
    for name in trees:
        print(
            f"{name:<20} {statistics.median(first[name]):13.3f}s ({min(first[name]):.3f})"
            f" {statistics.median(still[name]):16.3f}s ({min(still[name]):.3f})"
        )


if __name__ == "__main__":
    main()
