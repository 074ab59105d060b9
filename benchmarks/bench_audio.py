"""Dictation's costs: bytes uploaded, client latencies, and text arriving while one speaks.

1. Upload size. A minute of espeak-ng speech as a sound card delivers it (44.1 kHz stereo
   16-bit WAV) against the 16 kHz mono FLAC that is uploaded; also with the noise floor of
   a real microphone added (-60 and -50 dBFS), which FLAC cannot compress away.
   Target: FLAC at most 1/8 of the WAV.
2. Client overhead, segment end -> request on the wire: a segment of N seconds is closed
   and handed to a DictationSession; the loopback server (in this process, its own thread)
   notes when the request reaches it. Includes FLAC encoding and multipart upload.
   Target: under 100 ms for segments up to 30 s.
3. Response -> text delivered: from the client having read the response to the consumer
   holding the SegmentText. Target: under 50 ms. Also measured in the app (5.): from the
   response to the text being in the composer.
4. Live: two sentences spoken into the virtual microphone (PulseAudio null sink, espeak-ng,
   PortAudio), transcribed by the loopback server. Target: the first sentence's text is
   delivered before the speaker has finished the second.
5. The same in the app (headless, Pilot): ctrl+r, two sentences, ctrl+r; response -> text
   in the composer, and the first text's lead over the end of the second sentence.

Each latency is measured ``--runs`` times; median and worst are reported. The machine is
shared and noisy: read the medians.

    .venv/bin/python benchmarks/bench_audio.py [--runs 9] [--no-live]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from groq_tui.api import GroqClient  # noqa: E402
from groq_tui.audio.encoding import to_pcm16, to_upload_flac  # noqa: E402
from groq_tui.audio.resample import resample  # noqa: E402
from groq_tui.audio.segmenter import SpeechSegment  # noqa: E402
from groq_tui.services.dictation import (  # noqa: E402
    DictationFinished,
    DictationOptions,
    DictationSession,
    LiveDictation,
    SegmentText,
)
from tests.loopback import LoopbackServer  # noqa: E402
from tests.virtual_mic import VirtualMic  # noqa: E402

PARAGRAPH = (
    "Dictation should send what the speech service needs and nothing more. "
    "Whisper listens at sixteen kilohertz, in one channel. "
    "A sound card records forty four point one kilohertz, in stereo, sixteen bits a sample. "
    "That is more than five times the samples, and a wave file keeps every one of them. "
    "Free lossless audio codec shrinks the rest by half again, or better, for speech. "
    "Pauses between sentences cost almost nothing at all. "
)


def espeak(text: str) -> tuple[np.ndarray, int]:
    wav = subprocess.run(["espeak-ng", "--stdout", text], capture_output=True, check=True).stdout
    data, rate = sf.read(io.BytesIO(wav), dtype="float32")
    return data, rate


def minute_of_speech() -> np.ndarray:
    """About 60 s of speech at 44.1 kHz mono."""
    speech, rate = espeak(PARAGRAPH * 2)
    audio = resample(speech, rate, 44100)
    return audio[: 60 * 44100] if audio.size > 60 * 44100 else audio


def upload_sizes() -> None:
    print("1. bytes uploaded per minute of speech (16 kHz mono FLAC vs 44.1 kHz stereo WAV)")
    speech = minute_of_speech()
    minutes = speech.size / 44100 / 60
    print(f"   speech: {speech.size / 44100:.1f} s of espeak-ng")
    for label, noise_db in (("clean", None), ("mic noise -60 dBFS", -60.0), ("-50 dBFS", -50.0)):
        audio = speech.copy()
        if noise_db is not None:
            rng = np.random.default_rng(0)
            audio += (rng.standard_normal(audio.size) * 10 ** (noise_db / 20)).astype(np.float32)
        wav = io.BytesIO()
        pcm = to_pcm16(audio)
        sf.write(wav, np.stack([pcm, pcm], axis=1), 44100, format="WAV", subtype="PCM_16")
        flac = to_upload_flac(audio, 44100)
        wav_size, flac_size = len(wav.getvalue()), len(flac)
        print(
            f"   {label:<20} WAV {wav_size / minutes / 1e6:5.2f} MB/min   "
            f"FLAC {flac_size / minutes / 1e3:6.0f} kB/min   "
            f"ratio 1/{wav_size / flac_size:.1f}  {'OK' if flac_size * 8 <= wav_size else 'OVER'}"
        )


def speech_segment(seconds: float, source: np.ndarray, index: int) -> SpeechSegment:
    repeats = int(np.ceil(seconds * 16000 / source.size))
    samples = np.tile(source, repeats)[: round(seconds * 16000)]
    return SpeechSegment(index, 0.0, seconds, samples, seconds, time.monotonic())


async def client_latencies(runs: int) -> None:
    print("2-3. client overhead per segment (median / worst of", runs, "runs)")
    speech, rate = espeak(PARAGRAPH)
    source = resample(speech, rate, 16000)
    with LoopbackServer() as server:
        async with GroqClient(api_key="test-key", base_url=server.base_url) as client:
            # warm up: connection, thread pool, imports
            session = DictationSession(client, DictationOptions())
            session.submit(speech_segment(1, source, 0))
            session.close()
            [_ async for _ in session.events()]
            print(
                "   segment   end -> on the wire        response read -> delivered   (round trip)"
            )
            for seconds in (1, 5, 10, 20, 30):
                to_wire, to_text, round_trip = [], [], []
                for _ in range(runs):
                    server.reset()
                    session = DictationSession(client, DictationOptions(language="en"))
                    segment = speech_segment(seconds, source, 0)
                    session.submit(segment)
                    session.close()
                    (event,) = [e async for e in session.events()]
                    assert isinstance(event, SegmentText), event
                    to_wire.append(server.requests[0].received_at - segment.closed_at)
                    to_text.append(event.delivered_at - event.response_at)
                    round_trip.append(event.delivered_at - segment.closed_at)
                wire_ok = "OK  " if max(to_wire) < 0.1 else "SLOW"
                text_ok = "OK  " if max(to_text) < 0.05 else "SLOW"
                print(
                    f"   {seconds:>4} s   {_ms(to_wire)} {wire_ok}   {_ms(to_text, 3)} {text_ok}"
                    f"   ({statistics.median(round_trip) * 1000:.0f} ms)"
                )


def _ms(values: list[float], digits: int = 1) -> str:
    median, worst = statistics.median(values) * 1000, max(values) * 1000
    return f"{median:6.{digits}f} / {worst:6.{digits}f} ms"


@contextlib.contextmanager
def speaking_mic() -> Iterator[tuple[VirtualMic, Path, Path]]:
    """A virtual microphone (this process records from it) and the two sentences to say."""
    mic = VirtualMic(Path(tempfile.mkdtemp(prefix="bench-vmic-")))
    mic.start()
    os.environ.update(mic.env)
    try:
        first = mic.render("The first sentence is about the weather, which is mild today.")
        second = mic.render("The second one talks about the market, and the prices there.")
        yield mic, first, second
    finally:
        mic.stop()


async def live(runs: int) -> None:
    print("4. live dictation: virtual microphone -> PortAudio -> VAD -> loopback server")
    with speaking_mic() as (mic, first, second), LoopbackServer() as server:
        async with GroqClient(api_key="test-key", base_url=server.base_url) as client:
            for run in range(runs):
                server.reset()
                await _live_run(client, server, mic, first, second, run)


async def _live_run(
    client: GroqClient,
    server: LoopbackServer,
    mic: VirtualMic,
    first: Path,
    second: Path,
    run: int,
) -> None:
    play = mic.play
    dictation = LiveDictation(client, DictationOptions(), stop_after_silence=1.5)
    marks: dict[str, float] = {}

    async def speak() -> None:
        await asyncio.sleep(0.3)
        await asyncio.to_thread(play, first)
        marks["first said"] = time.monotonic()
        await asyncio.sleep(0.8)
        marks["second starts"] = time.monotonic()
        await asyncio.to_thread(play, second)
        marks["second said"] = time.monotonic()

    speaker = asyncio.create_task(speak())
    texts: list[SegmentText] = []
    async for event in dictation.events():
        if isinstance(event, SegmentText):
            texts.append(event)
        elif isinstance(event, DictationFinished):
            break
    await speaker
    wire = [r.received_at - t.closed_at for r, t in zip(server.requests, texts, strict=False)]
    first_text = texts[0].delivered_at
    print(
        f"   run {run + 1}: {len(texts)} segments; first text "
        f"{first_text - marks['first said']:+.2f} s after the first sentence ended, "
        f"{marks['second said'] - first_text:.2f} s before the second ended "
        f"({'OK' if first_text < marks['second said'] else 'LATE'}); "
        f"end->wire {', '.join(f'{w * 1000:.0f}' for w in wire)} ms"
    )


async def in_app(runs: int) -> None:
    print("5. dictation in the app: virtual microphone -> composer (headless Textual)")
    from groq_tui.app import GroqApp
    from groq_tui.config import load_settings
    from groq_tui.services.context import AppContext
    from groq_tui.ui.widgets.composer import Composer
    from groq_tui.ui.widgets.recorder_bar import RecorderBar

    lags: list[float] = []
    with speaking_mic() as (mic, first, second), LoopbackServer() as server:
        for run in range(runs):
            server.reset()
            settings = load_settings(api_key="test-key", base_url=server.base_url)
            data = Path(tempfile.mkdtemp(prefix="bench-app-"))
            app = GroqApp(AppContext(settings, data_path=data))
            async with app.run_test(size=(120, 40)) as pilot:
                while app.context.chat_service is None or app.chat_screen is None:
                    await pilot.pause(0.02)
                screen = app.chat_screen
                composer = screen.query_one(Composer)
                await pilot.press("ctrl+r")
                await asyncio.sleep(0.3)
                await asyncio.to_thread(mic.play, first)
                await asyncio.sleep(0.8)
                await asyncio.to_thread(mic.play, second)
                second_said = time.monotonic()
                await pilot.press("ctrl+r")
                bar = screen.query_one(RecorderBar)
                while bar.state != "idle":
                    await pilot.pause(0.02)
                timings = screen.dictation.timings
                lags += [inserted - response for response, inserted in timings]
                lead = second_said - timings[0][1] if timings else float("nan")
                print(
                    f"   run {run + 1}: {len(timings)} segments in the composer "
                    f"({len(composer.text.split())} words); first text "
                    f"{lead:.2f} s before the second sentence ended; response -> "
                    f"composer {', '.join(f'{(i - r) * 1000:.2f}' for r, i in timings)} ms"
                )
    if lags:
        print(f"   response -> text in the composer: {_ms(lags, 2)} (target < 50 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--no-live", action="store_true", help="skip the virtual microphone")
    args = parser.parse_args()
    upload_sizes()
    asyncio.run(client_latencies(args.runs))
    if not args.no_live:
        asyncio.run(live(min(args.runs, 3)))
        asyncio.run(in_app(min(args.runs, 3)))


if __name__ == "__main__":
    main()
