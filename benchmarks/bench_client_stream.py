"""The client's overhead on a long stream, against raw httpx reading the same stream.

The loopback server runs in a process of its own and streams a 10,000-chunk reply as fast as
it can. Each reader runs several times, interleaved, and the median is reported, with ratios
against two baselines measured in the same run (the machine is shared and noisy, so only
ratios from one run mean anything):

- raw httpx bytes: ``response.aiter_bytes()``, reading and discarding (the transport alone);
- raw httpx lines + json: ``aiter_lines()`` and ``json.loads`` of each ``data:`` line, the
  least a hand-written client must do to get at the text;
- groq-tui: ``client.chat.completions.create(stream=True)`` with typed chunks, SSE parsing by
  the HTML standard's rules, usage and tool-call bookkeeping;
- the official ``groq`` SDK (when installed), for reference.

Target (issue 2): groq-tui adds less than 30 % over raw httpx.

    .venv/bin/python benchmarks/bench_client_stream.py [--chunks 10000] [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from groq_tui.api import GroqClient  # noqa: E402

Reader = Callable[[str, str], Awaitable[int]]


def start_server() -> tuple[subprocess.Popen[str], str]:
    """The loopback server in its own process, so it does not share our event loop."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.loopback", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("READY "):
        proc.kill()
        raise SystemExit(f"loopback server did not start: {line!r}")
    return proc, line.split(" ", 1)[1]


def body(model: str) -> dict[str, object]:
    return {"model": model, "messages": [{"role": "user", "content": "go"}], "stream": True}


async def raw_bytes(base_url: str, model: str) -> int:
    async with (
        httpx.AsyncClient(timeout=60) as http,
        http.stream("POST", f"{base_url}/chat/completions", json=body(model)) as response,
    ):
        total = 0
        async for data in response.aiter_bytes():
            total += len(data)
        return total


async def raw_lines_json(base_url: str, model: str) -> int:
    async with (
        httpx.AsyncClient(timeout=60) as http,
        http.stream("POST", f"{base_url}/chat/completions", json=body(model)) as response,
    ):
        chars = 0
        async for line in response.aiter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                chunk = json.loads(line[6:])
                for choice in chunk["choices"]:
                    chars += len(choice["delta"].get("content") or "")
        return chars


async def groq_tui_client(base_url: str, model: str) -> int:
    async with GroqClient(base_url=base_url, max_retries=0) as client:
        stream = await client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "go"}], stream=True
        )
        chars = 0
        async for chunk in stream:
            for choice in chunk.choices:
                chars += len(choice.delta.content or "")
        assert stream.completed
        assert stream.usage is not None
        return chars


async def groq_sdk(base_url: str, model: str) -> int:
    from groq import AsyncGroq

    root = base_url.removesuffix("/openai/v1")
    async with AsyncGroq(api_key="unused", base_url=root, max_retries=0) as client:
        stream = await client.chat.completions.create(
            model=model, messages=[{"role": "user", "content": "go"}], stream=True
        )
        chars = 0
        async for chunk in stream:
            for choice in chunk.choices:
                chars += len(choice.delta.content or "")
        return chars


async def measure(
    readers: dict[str, Reader], base_url: str, model: str, runs: int
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in readers}
    for reader in readers.values():  # warm-up: imports, connection set-up
        await reader(base_url, model)
    for _ in range(runs):
        for name, reader in readers.items():
            started = time.perf_counter()
            await reader(base_url, model)
            times[name].append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    readers: dict[str, Reader] = {
        "raw httpx bytes": raw_bytes,
        "raw httpx lines+json": raw_lines_json,
        "groq-tui client": groq_tui_client,
    }
    try:
        import groq  # noqa: F401

        readers["official groq SDK"] = groq_sdk
    except ImportError:
        pass
    proc, base_url = start_server()
    try:
        model = f"loopback-chunks-{args.chunks}"
        times = asyncio.run(measure(readers, base_url, model, args.runs))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    medians = {name: statistics.median(values) for name, values in times.items()}
    base_bytes = medians["raw httpx bytes"]
    base_json = medians["raw httpx lines+json"]
    print(f"{args.chunks} chunks, median of {args.runs} runs (seconds; ratios in this run)")
    print(f"{'reader':<22} {'median':>8} {'min':>8} {'vs bytes':>9} {'vs lines+json':>14}")
    for name, median in medians.items():
        print(
            f"{name:<22} {median:8.3f} {min(times[name]):8.3f} "
            f"{median / base_bytes:8.2f}x {median / base_json:13.2f}x"
        )
    overhead = medians["groq-tui client"] / base_json - 1
    print(f"groq-tui overhead over raw httpx (lines+json): {overhead:+.0%} (target < +30%)")


if __name__ == "__main__":
    main()
