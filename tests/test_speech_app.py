"""Speech in the app (Pilot): read aloud, auto-read while streaming, offline on the bundled
voice, the workbench's Speak and speech export.

What the app plays goes to the virtual speaker (tests.virtual_mic), where a recorder hears it
and the bundled Whisper transcribes it.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING

import soundfile as sf

from groq_tui.app import GroqApp
from groq_tui.services.speech_settings import narrator_for
from groq_tui.ui.widgets.speech_bar import SpeechBar
from tests.app_support import make_app, ready, send, wait_for, wait_reply_done
from tests.heard import ESPEAK_HEARD, PIPER_HEARD
from tests.loopback import LoopbackServer
from tests.loopback.replies import Reply
from tests.test_cli_speak import heard_share, transcribe

if TYPE_CHECKING:
    from tests.virtual_mic import SpeakerRecording, VirtualMic

pytest_plugins = ("tests.virtual_mic",)  # the session's one virtual microphone and speaker

WORDS_HEARD = ESPEAK_HEARD
"""The share of a reply's words the bundled Whisper must hear in what was played."""

REPLY = "The river flows to the sea. Many boats sail on the water every morning."


def chat_stream(text_pieces: list[str], model: str = "llama-3.1-8b-instant") -> str:
    """A chat completion stream sending these pieces of text, then [DONE]."""
    events = []
    for index, piece in enumerate(text_pieces):
        chunk = {
            "id": "chatcmpl-speech",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": model,
            "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
        }
        if index == 0:
            chunk["choices"][0]["delta"]["role"] = "assistant"
        events.append(f"data: {json.dumps(chunk)}\n\n")
    end = {
        "id": "chatcmpl-speech",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": model,
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    }
    events.append(f"data: {json.dumps(end)}\n\n")
    events.append("data: [DONE]\n\n")
    return "".join(events)


async def heard(recording: SpeakerRecording, seconds: float) -> str:
    """Wait until the speaker played ``seconds`` of sound and fell silent; what Whisper hears."""
    samples = await asyncio.to_thread(recording.wait_for_silence_after, seconds, 60.0)
    return await asyncio.to_thread(transcribe, samples)


async def test_a_focused_reply_is_read_aloud_with_the_bar_showing_it(
    loopback: LoopbackServer, tmp_path: Path, virtual_mic: VirtualMic
) -> None:
    loopback.reply_text = REPLY
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await ready(pilot)
        await send(pilot, "Tell me about rivers.")
        view = await wait_reply_done(pilot, screen)
        recording = virtual_mic.listen()
        try:
            view.focus()
            await pilot.press("s")
            bar = screen.query_one(SpeechBar)
            await wait_for(pilot, lambda: bar.phase == "playing" and bar.display)
            assert "river" in bar.title.lower()
            text = await heard(recording, 2.0)
        finally:
            recording.stop()
        await wait_for(pilot, lambda: bar.phase == "idle")
        assert not bar.has_class("-active")
    assert heard_share(REPLY, text) >= WORDS_HEARD, text
    spoken = [r.json["input"] for r in loopback.requests if r.path.endswith("/audio/speech")]
    assert spoken == ["The river flows to the sea.", "Many boats sail on the water every morning."]


async def test_escape_stops_and_f8_pauses_the_speech(
    loopback: LoopbackServer, tmp_path: Path, virtual_mic: VirtualMic
) -> None:
    loopback.reply_text = " ".join(f"Sentence number {n} is read out loud." for n in range(12))
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await ready(pilot)
        await send(pilot, "Talk for a while.")
        await wait_reply_done(pilot, screen)
        await pilot.press("f2")  # the last reply
        bar = screen.query_one(SpeechBar)
        narrator = narrator_for(app.context)
        await wait_for(pilot, lambda: bar.phase == "playing")
        await pilot.press("f8")
        await wait_for(pilot, lambda: bar.phase == "paused")
        assert narrator.player is not None and narrator.player.paused
        await pilot.press("f8")
        await wait_for(pilot, lambda: bar.phase == "playing")
        narration = narrator.current
        assert narration is not None
        await pilot.press("escape")
        await wait_for(pilot, lambda: bar.phase == "idle")
        assert narration.done and not await narration.finished()  # stopped, not played out


async def test_auto_read_speaks_the_first_sentence_before_the_reply_ends(
    loopback: LoopbackServer, tmp_path: Path, virtual_mic: VirtualMic
) -> None:
    # Not "every morning and every evening": Whisper tiny heard espeak-ng's rendering of it
    # as "and remaining and then remaining" when the pause between the two sentences (which
    # depends on when the second one's audio arrives) was 0.1-0.6 s, 1.6 s or 2.0-2.3 s, on
    # the server's own file too. These words were heard at every pause from 0 to 2.5 s.
    pieces = ["The river ", "flows ", "to ", "the sea. ", "Many ", "boats ", "sail on ",
              "the water ", "all ", "day ", "long."]  # fmt: skip
    body = chat_stream(pieces)
    # One network write per event, a third of a second apart: the reply takes ~4 s.
    event_size = max(len(event) for event in body.split("\n\n"))
    loopback.enqueue(Reply.sse(body, chunk_size=event_size // 2, delay=0.17, path="/chat"))
    app = make_app(loopback, tmp_path)
    app.context.settings.auto_read = True
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await ready(pilot)
        narrator = narrator_for(app.context)
        recording = virtual_mic.listen()
        try:
            await send(pilot, "Tell me about rivers.")
            await wait_for(pilot, lambda: screen.streaming)
            await wait_for(
                pilot,
                lambda: narrator.player is not None and narrator.player.first_audio_at is not None,
            )
            assert screen.streaming, "the first sentence was heard only after the reply ended"
            await wait_reply_done(pilot, screen)
            text = await heard(recording, 3.0)
        finally:
            recording.stop()
    whole = "".join(pieces)
    assert heard_share(whole, text) >= WORDS_HEARD, text
    spoken = [r.json["input"] for r in loopback.requests if r.path.endswith("/audio/speech")]
    assert spoken == ["The river flows to the sea.", "Many boats sail on the water all day long."]


async def test_auto_read_is_a_palette_toggle_saved_in_the_config_file(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    from groq_tui.config import config_file

    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(110, 36)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"auto-read")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.context.settings.auto_read)
        await wait_for(
            pilot, lambda: config_file().exists() and "auto_read" in config_file().read_text()
        )
    assert "auto_read = true" in config_file().read_text()


async def test_offline_without_a_key_a_reply_is_read_in_the_bundled_voice(
    loopback: LoopbackServer, tmp_path: Path, virtual_mic: VirtualMic
) -> None:
    app: GroqApp = make_app(loopback, tmp_path, api_key=None, offline=True, model=None)  # type: ignore[arg-type]
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await ready(pilot)
        assert app.context.offline
        recording = virtual_mic.listen()
        try:
            screen.read_aloud(REPLY, "A test")
            bar = screen.query_one(SpeechBar)
            await wait_for(pilot, lambda: bar.phase == "playing", timeout=60)
            text = await heard(recording, 2.0)
        finally:
            recording.stop()
    assert heard_share(REPLY, text) >= PIPER_HEARD, text  # the bundled voice: see PIPER_HEARD
    assert not [r for r in loopback.requests if r.path.endswith("/audio/speech")]


async def test_the_workbench_speaks_a_transcript_and_exports_its_speech(
    loopback: LoopbackServer, tmp_path: Path, virtual_mic: VirtualMic
) -> None:
    from groq_tui.services.types import Transcription
    from groq_tui.ui.screens.workbench import WorkbenchScreen

    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkbenchScreen))
        workbench = app.screen
        assert isinstance(workbench, WorkbenchScreen)
        workbench.result = Transcription(text=REPLY)
        workbench.result_source = Path("river.flac")
        await pilot.click("#export-speech")
        target = tmp_path / "exports" / "river.speech.wav"
        # The file exists while it is being written (a half-written header is not yet a
        # WAV file to soundfile): what ends the export is the notice that says where it is.
        await wait_for(
            pilot, lambda: any("Speech exported to" in n.message for n in app._notifications)
        )
        assert sf.info(str(target)).duration > 1.0
        recording = virtual_mic.listen()
        try:
            await pilot.click("#speak")
            text = await heard(recording, 2.0)
        finally:
            recording.stop()
    assert heard_share(REPLY, text) >= WORDS_HEARD, text
