"""Serve the loopback API standalone: ``python -m tests.loopback --port 0``.

Prints ``READY <base_url>`` once accepting connections and serves until killed, so a
benchmark can keep the server off its own event loop (and CPU). Nothing can be scripted
here; stream ``loopback-chunks-<N>`` (or ``loopback-chunks-<N>-rate-<R>``) instead.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from tests.loopback.server import LoopbackServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.loopback", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument(
        "--api-key", default=None, help="require this bearer key (default: accept any)"
    )
    args = parser.parse_args(argv)
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with LoopbackServer(api_key=args.api_key, port=args.port) as server:
        print(f"READY {server.base_url}", flush=True)
        while not stopping.wait(1.0):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
