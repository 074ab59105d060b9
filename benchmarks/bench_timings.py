"""How long things take that the tests check only for happening (a benchmark, not a test).

The tests assert what happens (a retry waits, a lost microphone is noticed, a stopped
engine cancels its work) and leave the durations here, where a loaded machine makes a
figure slower instead of making a test fail. Each figure is the median of ``--runs``, with
the spread:

- the client's backoff between retries of a 500 (targets 0.5 s then 1 s, less up to 25 %
  jitter), measured at the loopback server's arrivals;
- the loopback server streaming 10,000 chunks (a test stand-in must never be the
  bottleneck: ~0.1 s);
- a stalled stream turned into the client's 0.3 s read timeout;
- with ``--audio``: a lost microphone noticed by the recorder (PulseAudio killed under a
  recording; the stall timeout is 5 s, PortAudio's end of stream comes well before);
- with ``--engine``: the offline engine's stop while it generates (the generation is
  cancelled, not finished), and the longest the event loop waited on a request while the
  engine generated on the same loop.

    .venv/bin/python benchmarks/bench_timings.py [--runs 5] [--audio] [--engine]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from groq_tui.api import APIConnectionError, GroqClient  # noqa: E402
from tests.loopback import LoopbackServer, Reply  # noqa: E402


def report(name: str, values: list[float], unit: str = "s") -> None:
    spread = f"{min(values):.3f}-{max(values):.3f}" if len(values) > 1 else ""
    print(f"{name:<52} median {statistics.median(values):.3f} {unit}  ({spread})")


async def backoff(server: LoopbackServer, runs: int) -> None:
    first: list[float] = []
    second: list[float] = []
    for _ in range(runs):
        server.reset()
        server.enqueue(Reply.error(500, "a"), Reply.error(500, "b"))
        async with GroqClient(
            api_key="test-key", base_url=server.base_url, max_retries=2
        ) as client:
            await client.models.list()
        arrivals = [request.received_at for request in server.requests]
        first.append(arrivals[1] - arrivals[0])
        second.append(arrivals[2] - arrivals[1])
    report("backoff before retry 1 (target 0.375-0.5)", first)
    report("backoff before retry 2 (target 0.75-1.0)", second)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def loopback_streams(server: LoopbackServer, runs: int) -> None:
    with httpx.Client(base_url=server.base_url, timeout=30) as http:

        def stream_10k() -> None:
            server.enqueue(Reply.stream_chunks(10_000))
            with http.stream("POST", "/chat/completions", json={}) as response:
                response.read()

        def stalled() -> None:
            server.enqueue(Reply.fault("stall_mid_stream", after_chunks=2, stall_seconds=5))
            try:
                with http.stream("POST", "/chat/completions", json={}, timeout=0.3) as response:
                    for _ in response.iter_lines():
                        pass
            except httpx.ReadTimeout:
                return
            raise AssertionError("the stall did not time out")

        report("loopback: 10,000 chunks streamed", [timed(stream_10k) for _ in range(runs)])
        report("stall turned into the 0.3 s read timeout", [timed(stalled) for _ in range(runs)])


async def microphone_loss(runs: int) -> None:
    from groq_tui.audio.recorder import Recorder
    from tests.virtual_mic import VirtualMic

    root = Path(tempfile.mkdtemp(prefix="bench-vmic-"))
    mic = VirtualMic(root)
    mic.start()
    os.environ.update(mic.env)  # before sounddevice is imported: PortAudio finds the mic
    noticed: list[float] = []
    try:
        for _ in range(runs):
            recorder = Recorder()
            await recorder.start()
            await asyncio.to_thread(mic.say, "Recording until the microphone goes away.")
            lost_at = time.monotonic()
            mic.kill_server()  # SIGKILL, then reaped: part of the figure
            await asyncio.wait_for(recorder.wait(), 10)
            noticed.append(time.monotonic() - lost_at)
            (await recorder.stop()).discard()
            mic.start()
    finally:
        mic.stop()
        shutil.rmtree(root, ignore_errors=True)
    report("lost microphone noticed (stall timeout: 5 s)", noticed)


async def engine(runs: int) -> None:
    from groq_tui.local import BUNDLED_CHAT_MODEL_ID, start_engine

    story = [{"role": "user", "content": "Write a long story about a lighthouse."}]
    running = await start_engine("127.0.0.1", 0)
    stalls: list[float] = []
    stops: list[float] = []
    try:
        async with GroqClient(base_url=running.base_url, max_retries=0, timeout=120) as client:
            for _ in range(runs):
                generation = asyncio.ensure_future(
                    client.chat.completions.create(
                        model=BUNDLED_CHAT_MODEL_ID, messages=story, max_tokens=200
                    )
                )
                longest = 0.0
                while not generation.done():
                    started = time.perf_counter()
                    await client.models.list()
                    await asyncio.sleep(0.01)
                    longest = max(longest, time.perf_counter() - started)
                await generation
                stalls.append(longest)
        for _ in range(runs):
            second = await start_engine("127.0.0.1", 0, models=running.models)
            async with GroqClient(base_url=second.base_url, max_retries=0, timeout=120) as api:
                pending = asyncio.ensure_future(
                    api.chat.completions.create(
                        model=BUNDLED_CHAT_MODEL_ID, messages=story, max_tokens=3000
                    )
                )
                await asyncio.sleep(0.5)
                started = time.perf_counter()
                await second.stop()
                stops.append(time.perf_counter() - started)
                with contextlib.suppress(APIConnectionError):  # cancelled, as it should be
                    await pending
    finally:
        await running.stop()
    report("engine: longest request wait while generating", stalls)
    report("engine: stop while generating", stops)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--audio", action="store_true", help="the virtual microphone too")
    parser.add_argument("--engine", action="store_true", help="the offline engine too")
    args = parser.parse_args()
    with LoopbackServer() as server:
        await backoff(server, args.runs)
        await asyncio.to_thread(loopback_streams, server, args.runs)
    if args.audio:
        await microphone_loss(args.runs)
    if args.engine:
        await engine(args.runs)


if __name__ == "__main__":
    asyncio.run(main())
