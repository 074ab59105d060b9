"""The offline engine against the issue's performance targets (a benchmark, not a test).

- engine start, both models loaded, in a fresh process (imports included): under 5 s;
- chat generation with SmolLM2-135M-Instruct, a ~200-token reply: at least 20 tokens/s,
  measured on the wall clock from the request to the last chunk (the client's view) and from
  the server's own completion_time;
- transcription of 10 s of espeak-ng speech with Whisper tiny.en: under 3 s (wall clock of
  the whole request, upload and decoding included).

Each figure is the median of several runs; the machine is shared, so the spread is shown too.

    .venv/bin/python benchmarks/bench_local_engine.py [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from groq_tui.api import GroqClient  # noqa: E402
from groq_tui.local import BUNDLED_CHAT_MODEL_ID, BUNDLED_SPEECH_MODEL_ID, start_engine  # noqa: E402

START_TARGET_S = 5.0
TOKENS_PER_S_TARGET = 20.0
TRANSCRIBE_TARGET_S = 3.0
SPEECH_SECONDS = 10.0

STORY = [{"role": "user", "content": "Write a long, detailed story about a lighthouse keeper."}]
SPEECH = (
    "Please send the quarterly report to the finance team before the meeting on Friday. "
    "The local engine answers questions and transcribes speech without any connection "
    "to the internet."
)

_COLD_START = """
import asyncio, time
started = time.perf_counter()
from groq_tui.local import start_engine
async def main() -> None:
    engine = await start_engine()
    print(f"{time.perf_counter() - started:.4f}", flush=True)
    await engine.stop()
asyncio.run(main())
"""


def cold_start_seconds() -> float:
    """Seconds from a fresh interpreter's first import to an engine serving both models."""
    result = subprocess.run(
        [sys.executable, "-c", _COLD_START],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def ten_seconds_of_speech(directory: Path) -> Path:
    """espeak-ng speech padded with silence (or cut) to exactly SPEECH_SECONDS, with sox."""
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    if not espeak or not sox:
        raise SystemExit("needs espeak-ng and sox (apt-get install espeak-ng sox)")
    raw, fitted = directory / "raw.wav", directory / "speech.wav"
    subprocess.run([espeak, "-w", str(raw), SPEECH], check=True)
    spoken = float(subprocess.run(["soxi", "-D", str(raw)], capture_output=True, text=True).stdout)
    effect = ["trim", "0", str(SPEECH_SECONDS)]
    if spoken < SPEECH_SECONDS:
        effect = ["pad", "0", f"{SPEECH_SECONDS - spoken:.3f}"]
    subprocess.run([sox, str(raw), str(fitted), *effect], check=True)
    return fitted


async def chat_rates(client: GroqClient) -> tuple[float, float, int]:
    """Tokens/s on the wall clock and by the server's completion_time, and the token count."""
    started = time.perf_counter()
    stream = await client.chat.completions.create(
        model=BUNDLED_CHAT_MODEL_ID,
        messages=STORY,
        stream=True,
        max_tokens=200,
        temperature=0.8,
        seed=42,
    )
    await stream.until_done()
    wall = time.perf_counter() - started
    usage = stream.usage
    assert usage is not None
    assert usage.completion_time
    tokens = usage.completion_tokens
    return tokens / wall, tokens / usage.completion_time, tokens


async def transcription_seconds(client: GroqClient, audio: Path) -> tuple[float, str]:
    """Wall-clock seconds for one transcription request, and its text."""
    started = time.perf_counter()
    result = await client.audio.transcriptions.create(file=audio, model=BUNDLED_SPEECH_MODEL_ID)
    return time.perf_counter() - started, result.text


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def spread(values: list[float]) -> str:
    return f"min {min(values):.2f}, max {max(values):.2f}"


async def measure(runs: int) -> int:
    starts = [cold_start_seconds() for _ in range(runs)]
    start_median = statistics.median(starts)
    print(
        f"engine start (fresh process, both models loaded): {start_median:.2f} s "
        f"[{spread(starts)}]  target < {START_TARGET_S:.0f} s: "
        f"{verdict(start_median < START_TARGET_S)}"
    )
    engine = await start_engine()
    try:
        async with GroqClient(base_url=engine.base_url, timeout=120) as client:
            await chat_rates(client)  # warm the prompt path once
            rates = [await chat_rates(client) for _ in range(runs)]
            wall = statistics.median(rate[0] for rate in rates)
            server = statistics.median(rate[1] for rate in rates)
            tokens = [rate[2] for rate in rates]
            print(
                f"chat generation ({BUNDLED_CHAT_MODEL_ID}, {min(tokens)}-{max(tokens)} tokens): "
                f"{wall:.1f} tokens/s wall clock, {server:.1f} tokens/s by completion_time  "
                f"target >= {TOKENS_PER_S_TARGET:.0f}: {verdict(wall >= TOKENS_PER_S_TARGET)}"
            )
            with tempfile.TemporaryDirectory() as tmp:
                audio = ten_seconds_of_speech(Path(tmp))
                times = []
                text = ""
                for _ in range(runs):
                    seconds, text = await transcription_seconds(client, audio)
                    times.append(seconds)
            median = statistics.median(times)
            print(
                f"transcription ({BUNDLED_SPEECH_MODEL_ID}, {SPEECH_SECONDS:.0f} s of speech): "
                f"{median:.2f} s [{spread(times)}]  target < {TRANSCRIBE_TARGET_S:.0f} s: "
                f"{verdict(median < TRANSCRIBE_TARGET_S)}"
            )
            print(f"  heard: {text!r}")
    finally:
        await engine.stop()
    met = (
        start_median < START_TARGET_S
        and wall >= TOKENS_PER_S_TARGET
        and median < TRANSCRIBE_TARGET_S
    )
    return 0 if met else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median shown)")
    args = parser.parse_args()
    return asyncio.run(measure(max(1, args.runs)))


if __name__ == "__main__":
    sys.exit(main())
