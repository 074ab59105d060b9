"""The offline voice's synthesis speed (a benchmark, not a test).

Prints, for sentences of a few lengths, seconds of audio made per second of work, two ways:

- the voice itself (Piper in this process, no HTTP): the engine's raw speed;
- through the engine's ``/v1/audio/speech`` (HTTP, WAV encoding), as a client sees it.

Each figure is the median of several runs; the machine is shared, so the spread is shown.
Also printed: the voice's load time and the time to the first audio of a short sentence.

    .venv/bin/python benchmarks/bench_speech.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import soundfile as sf  # noqa: E402

from groq_tui.api import GroqClient  # noqa: E402
from groq_tui.local import start_engine  # noqa: E402
from groq_tui.local.models import EngineConfig  # noqa: E402
from groq_tui.local.registry import LocalModels  # noqa: E402
from groq_tui.local.voice_engine import BUNDLED_VOICE_MODEL_ID, VoiceEngine  # noqa: E402

TEXTS = {
    "short (1 sentence)": "The build finished without errors.",
    "medium (3 sentences)": (
        "Please send the quarterly report to the finance team before the meeting on Friday. "
        "The figures for March are still missing. Ask Dana if you need the spreadsheet."
    ),
    "long (8 sentences)": " ".join(
        f"This is sentence number {n} of a longer passage read aloud by the offline voice."
        for n in range(1, 9)
    ),
}


def spread(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"median {statistics.median(values):6.2f}  (min {low:.2f}, max {high:.2f})"


async def main(runs: int) -> None:
    threads = EngineConfig().thread_count
    started = time.perf_counter()
    voice = await asyncio.to_thread(VoiceEngine.load, None, threads)
    print(f"voice load: {time.perf_counter() - started:.2f} s ({threads} onnxruntime thread(s))")
    print("\nsynthesis speed, seconds of audio per second of work:")
    for label, text in TEXTS.items():
        speeds: list[float] = []
        audio_seconds = 0.0
        for _ in range(runs):
            t0 = time.perf_counter()
            samples = await asyncio.to_thread(voice.synthesize_samples, text)
            took = time.perf_counter() - t0
            audio_seconds = len(samples) / voice.sample_rate
            speeds.append(audio_seconds / took)
        print(f"  voice  {label:<22} {audio_seconds:5.1f} s of audio: {spread(speeds)} x")

    models = LocalModels({}, {}, {voice.model_id: voice})
    engine = await start_engine("127.0.0.1", 0, models=models)
    try:
        async with GroqClient(base_url=engine.base_url, max_retries=0, timeout=120) as client:
            for label, text in TEXTS.items():
                speeds = []
                for _ in range(runs):
                    t0 = time.perf_counter()
                    audio = await client.audio.speech.create(
                        model=BUNDLED_VOICE_MODEL_ID, input=text, voice="joe"
                    )
                    took = time.perf_counter() - t0
                    speeds.append(sf.info(io.BytesIO(audio)).duration / took)
                print(f"  HTTP   {label:<22} {spread(speeds)} x")
            firsts = []
            for _ in range(runs):
                t0 = time.perf_counter()
                await client.audio.speech.create(
                    model=BUNDLED_VOICE_MODEL_ID, input=TEXTS["short (1 sentence)"], voice="joe"
                )
                firsts.append((time.perf_counter() - t0) * 1000)
            print(f"\nfirst audio of a short sentence over HTTP: {spread(firsts)} ms")
    finally:
        await engine.stop()
        await models.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
