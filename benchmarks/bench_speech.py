"""The offline voice's synthesis speed (a benchmark, not a test).

Prints, for sentences of a few lengths, seconds of audio made per second of work, two ways:

- the voice itself (Piper in this process, no HTTP): the engine's raw speed;
- through the engine's ``/v1/audio/speech`` (HTTP, WAV encoding), as a client sees it.

Each figure is the median of several runs; the machine is shared, so the spread is shown.
Also printed: the voice's load time and the time to the first audio of a short sentence.

Then, with the virtual microphone and speaker (tests.virtual_mic: PulseAudio null sinks),
offline (the local engine: SmolLM2, Whisper tiny.en, the Piper voice) and against the
loopback server (espeak-ng's voice, scripted transcript and reply):

- first audio while streaming: from the delta that completes a reply's first sentence (what
  the screen shows in that same step) to the first sample handed to the output device, by
  the app's reply speaker (services.speech_session.ReplySpeaker). Goal offline: < 300 ms.
- a full voice turn (services.voice_conversation): from the end of the speech said into the
  microphone to the first sample of the reply's audio.

    .venv/bin/python benchmarks/bench_speech.py [--runs 5] [--no-playback]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


# -- the app's speech on a (virtual) speaker ---------------------------------------------------

FIRST_SENTENCE = ["The build ", "finished ", "without ", "errors. "]
REST = ["All ", "forty ", "tests ", "passed ", "on ", "the ", "first ", "try."]
SPOKEN_PROMPT = "What is the capital of France?"
DELTA_SECONDS = 0.03
"""The pace of the reply's deltas after the first sentence (about 30 tokens a second)."""


@contextlib.contextmanager
def virtual_speaker() -> Iterator[Any]:
    """The virtual microphone and speaker; PortAudio in this process uses them."""
    from tests.virtual_mic import VirtualMic

    mic = VirtualMic(Path(tempfile.mkdtemp(prefix="bench-speech-")))
    mic.start()
    os.environ.update(mic.env)
    try:
        yield mic
    finally:
        mic.stop()


def leased(client: GroqClient) -> Any:
    """What the narrator takes: a lease on a client (here one that is never replaced)."""
    return lambda: contextlib.nullcontext(client)


async def first_audio_while_streaming(client: GroqClient, options: Any, runs: int) -> list[float]:
    """Milliseconds from the delta completing the first sentence to the first sample played."""
    from groq_tui.domain import (
        Message,
        MessageStatus,
        ReplyDelta,
        ReplyDone,
        ReplyStarted,
        ReplyStats,
    )
    from groq_tui.services.progress import Progress
    from groq_tui.services.speech_session import Narrator, ReplySpeaker

    figures = []
    for _ in range(runs):
        narrator = Narrator(leased(client), lambda: options, lambda: None)
        speaker = ReplySpeaker(narrator)
        message = Message("assistant", "", status=MessageStatus.STREAMING)
        speaker.feed(ReplyStarted(message, Progress()))
        for delta in FIRST_SENTENCE:
            speaker.feed(ReplyDelta(delta))
        sentence_end = time.monotonic()
        for delta in REST:
            await asyncio.sleep(DELTA_SECONDS)
            speaker.feed(ReplyDelta(delta))
        speaker.feed(ReplyDone(message, ReplyStats(None, 0.0, 0)))
        narration = speaker.narration
        assert narration is not None
        assert narrator.player is not None
        await narration.finished()
        first = narrator.player.first_audio_at
        assert first is not None, narration.error
        figures.append((first - sentence_end) * 1000)
    return figures


async def voice_turn(
    mic: Any, client: GroqClient, chat_model: str, audio_model: str, options: Any, runs: int
) -> list[float]:
    """Milliseconds from the end of the speech said to the first sample of the reply's audio."""
    import numpy as np

    speech = mic.render(SPOKEN_PROMPT)
    samples, rate = sf.read(str(speech), dtype="float32")
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    trailing_silence = (len(samples) - 1 - loud[-1]) / rate
    figures = []
    for _ in range(runs):
        first_audio, said_at = await one_voice_turn(
            mic, speech, client, chat_model, audio_model, options
        )
        figures.append((first_audio - (said_at - trailing_silence)) * 1000)
    return figures


async def one_voice_turn(
    mic: Any, speech: Path, client: GroqClient, chat_model: str, audio_model: str, options: Any
) -> tuple[float, float]:
    """One turn: (when the reply's first sample was played, when the speech file ended)."""
    from groq_tui.audio.recorder import Recorder
    from groq_tui.domain import Message, MessageStatus
    from groq_tui.services.dictation import DictationOptions, LiveDictation
    from groq_tui.services.reply import ReplyRequest, saved_reply
    from groq_tui.services.speech_session import Narrator, ReplySpeaker
    from groq_tui.services.voice_conversation import VoiceConversation

    narrator = Narrator(leased(client), lambda: options, lambda: None)
    replies: set[asyncio.Task[None]] = set()
    listening = asyncio.Event()

    def listen() -> LiveDictation:
        return LiveDictation(client, DictationOptions(model=audio_model), recorder=Recorder())

    async def reply(text: str) -> None:
        request = ReplyRequest(chat_model, [{"role": "user", "content": text}])
        draft = Message("assistant", "", status=MessageStatus.STREAMING)
        speaker = ReplySpeaker(narrator)
        async for event in saved_reply(client, None, request, draft):
            speaker.feed(event)
        speaker.end()

    async def send(text: str) -> bool:
        replies.add(asyncio.create_task(reply(text)))
        return True

    conversation = VoiceConversation(listen, send, narrator)

    def phase(now: str) -> None:
        if now == "listening":
            listening.set()

    conversation.phase_changed.subscribe(phase)
    running = asyncio.create_task(conversation.run())
    await listening.wait()
    await asyncio.sleep(0.5)  # the microphone is open
    await asyncio.to_thread(mic.play, speech)
    said_at = time.monotonic()
    # One turn, up to the reply's first sound: the rest of it is not measured.
    while narrator.player is None or narrator.player.first_audio_at is None:
        if running.done():
            running.result()
            raise RuntimeError("the turn ended without a spoken reply")
        await asyncio.sleep(0.005)
    first_audio = narrator.player.first_audio_at
    conversation.stop()
    for task in replies:
        task.cancel()
    await asyncio.gather(running, *replies, return_exceptions=True)
    return first_audio, said_at


async def app_speech(runs: int) -> None:
    from groq_tui.services.speech import SpeechOptions
    from tests.loopback import LoopbackServer

    print("\nthe app's speech, played on the virtual speaker:")
    with virtual_speaker() as mic:
        engine = await start_engine()
        try:
            async with GroqClient(base_url=engine.base_url, max_retries=0, timeout=120) as client:
                from groq_tui.local import BUNDLED_CHAT_MODEL_ID, BUNDLED_SPEECH_MODEL_ID

                offline = SpeechOptions(BUNDLED_VOICE_MODEL_ID, "joe")
                figures = await first_audio_while_streaming(client, offline, runs)
                print(f"  first audio while streaming, offline:   {spread(figures)} ms")
                turns = await voice_turn(
                    mic, client, BUNDLED_CHAT_MODEL_ID, BUNDLED_SPEECH_MODEL_ID, offline, runs
                )
                print(f"  voice turn (end of speech -> first reply audio), offline:  "
                      f"{spread(turns)} ms")  # fmt: skip
        finally:
            await engine.stop()
        with LoopbackServer() as server:
            server.transcript_text = SPOKEN_PROMPT
            server.reply_text = "".join(FIRST_SENTENCE + REST)
            async with GroqClient(
                api_key="test-key", base_url=server.base_url, max_retries=0
            ) as client:
                service = SpeechOptions("canopylabs/orpheus-v1-english", "autumn")
                figures = await first_audio_while_streaming(client, service, runs)
                print(f"  first audio while streaming, loopback:  {spread(figures)} ms")
                turns = await voice_turn(
                    mic, client, "llama-3.1-8b-instant", "whisper-large-v3", service, runs
                )
                print(f"  voice turn (end of speech -> first reply audio), loopback: "
                      f"{spread(turns)} ms")  # fmt: skip


async def run(runs: int, playback: bool) -> None:
    await main(runs)
    if playback:
        await app_speech(runs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-playback", action="store_true", help="only the synthesis speed")
    arguments = parser.parse_args()
    asyncio.run(run(arguments.runs, not arguments.no_playback))
