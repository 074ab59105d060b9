"""Dictation in the app: real speech through PortAudio from the virtual microphone, the
loopback server transcribing, the text landing in the composer in order.

Nothing is mocked: PulseAudio's null sink is the microphone (tests/virtual_mic.py), the
recorder bar is driven with keys and the mouse through Pilot.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import soundfile as sf
from textual.pilot import Pilot

from groq_tui.ui.widgets.composer import Composer
from groq_tui.ui.widgets.recorder_bar import RecorderBar, clock, meter
from tests.app_support import make_app, ready, wait_for, wait_reply_done
from tests.loopback import LoopbackServer, RecordedRequest, Reply

if TYPE_CHECKING:
    from tests.virtual_mic import VirtualMic

pytest_plugins = ("tests.virtual_mic",)

FIRST = "The first sentence is about the weather, which is mild today."
SECOND = "The second one talks about the market, and the prices there."


def text_reply(text: str) -> Reply:
    return Reply.json(200, {"text": " " + text}, path="/audio/")


def audio_requests(loopback: LoopbackServer) -> list[RecordedRequest]:
    return [r for r in loopback.requests if "/audio/" in r.path]


async def dictate(pilot: Pilot[Any], mic: VirtualMic, text: str, timeout: float = 10) -> None:
    """ctrl+r, say ``text`` into the microphone, ctrl+r; wait until it is transcribed."""
    await pilot.press("ctrl+r")
    await asyncio.sleep(0.3)
    await asyncio.to_thread(mic.say, text)
    await pilot.press("ctrl+r")
    bar = pilot.app.screen.query_one(RecorderBar)
    await wait_for(pilot, lambda: bar.state == "idle", timeout=timeout)


def test_the_meter_and_clock_render_fixed_levels() -> None:
    assert meter(0.0, 8) == "█" * 8
    assert meter(-60.0, 8) == " " * 8
    assert meter(-90.0, 8) == " " * 8
    assert meter(-30.0, 8) == "████    "
    assert meter(-33.75, 8) == "███▌    "
    assert clock(0.4) == "0:00"
    assert clock(75.2) == "1:15"


async def test_dictated_segments_land_in_the_composer_in_order_while_speaking(
    virtual_mic: VirtualMic, loopback: LoopbackServer, tmp_path: Path
) -> None:
    first, second = virtual_mic.render(FIRST), virtual_mic.render(SECOND)
    loopback.enqueue(text_reply("Mild weather today."), text_reply("Market, prices, people."))
    app = make_app(loopback, tmp_path)
    app.settings.dictation_language = "en"
    app.settings.dictation_prompt = "Groq"
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        composer = screen.query_one(Composer)
        bar = screen.query_one(RecorderBar)
        composer.load_text("Note:")
        composer.move_cursor(composer.document.end)
        assert bar.state == "idle"
        await pilot.press("ctrl+r")
        assert bar.state == "recording"
        await asyncio.sleep(0.4)
        playing = asyncio.create_task(asyncio.to_thread(virtual_mic.play, first))
        levels = []
        while not playing.done():
            levels.append(bar.level)
            await pilot.pause(0.05)
        assert max(levels) > -40.0  # the meter moved with the speech
        # the first text is in the composer before the second sentence has been spoken
        await wait_for(pilot, lambda: "Mild weather today." in composer.text, timeout=8)
        assert bar.elapsed > 1.0
        await asyncio.to_thread(virtual_mic.play, second)
        await asyncio.sleep(0.2)
        await pilot.press("ctrl+r")
        assert bar.state in ("transcribing", "idle")
        await wait_for(pilot, lambda: bar.state == "idle", timeout=10)
        assert composer.text == "Note: Mild weather today. Market, prices, people."
        assert screen.messages == []  # not sent: it is there to edit
        assert app.focused is composer
    requests = audio_requests(loopback)
    assert len(requests) == 2
    for request, prompt in zip(requests, (["Groq"], ["Groq Mild weather today."]), strict=True):
        assert request.path.endswith("/audio/transcriptions")
        assert request.form["language"] == ["en"]
        assert request.form["prompt"] == prompt
        info = sf.info(io.BytesIO(request.files["file"].data))
        assert (info.format, info.samplerate, info.channels) == ("FLAC", 16000, 1)
        assert 2.0 < info.duration < 6.0


async def test_text_goes_where_the_cursor_is(
    virtual_mic: VirtualMic, loopback: LoopbackServer, tmp_path: Path
) -> None:
    loopback.enqueue(text_reply("in the middle"))
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        composer = screen.query_one(Composer)
        composer.load_text("Start end.")
        composer.move_cursor((0, 5))
        await pilot.press("ctrl+r")
        await asyncio.sleep(0.3)
        await asyncio.to_thread(virtual_mic.say, "In the middle of the sentence.")
        await pilot.press("escape")  # escape stops recording when no reply is streaming
        bar = screen.query_one(RecorderBar)
        await wait_for(pilot, lambda: bar.state == "idle", timeout=10)
        assert composer.text == "Start in the middle end."


async def test_the_send_setting_sends_the_dictation_at_once(
    virtual_mic: VirtualMic, loopback: LoopbackServer, tmp_path: Path
) -> None:
    loopback.enqueue(text_reply("What is the capital of France?"))
    app = make_app(loopback, tmp_path)
    app.settings.dictation_send = True
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press("ctrl+r")
        await asyncio.sleep(0.3)
        await asyncio.to_thread(virtual_mic.say, "What is the capital of France?")
        await pilot.press("ctrl+r")
        view = await wait_reply_done(pilot, screen)
        assert view.message.content == "Echo: What is the capital of France?"
        assert screen.query_one(Composer).text == ""
    chat = [r for r in loopback.requests if r.path.endswith("/chat/completions")]
    assert chat[-1].json["messages"][-1]["content"] == "What is the capital of France?"


async def test_holding_the_mouse_is_push_to_talk_and_a_click_toggles(
    virtual_mic: VirtualMic, loopback: LoopbackServer, tmp_path: Path
) -> None:
    loopback.enqueue(text_reply("Held."))
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        bar = screen.query_one(RecorderBar)
        # hold: records while held, stops on release
        await pilot.mouse_down("#recorder")
        assert bar.state == "recording"
        await asyncio.to_thread(virtual_mic.say, "Held down while speaking.")
        await pilot.mouse_up("#recorder")
        assert bar.state in ("transcribing", "idle")
        await wait_for(pilot, lambda: bar.state == "idle", timeout=10)
        assert screen.query_one(Composer).text == "Held."
        # a short click starts recording and leaves it running; the next click stops it.
        # (Pilot waits for the app to be idle between button down and up: under load that
        # can be longer than a real click, so the test allows a slow click.)
        bar.hold_seconds = 5.0
        await pilot.click("#recorder")
        assert bar.state == "recording"
        await pilot.pause(0.6)
        assert bar.state == "recording"
        await pilot.click("#recorder")
        await wait_for(pilot, lambda: bar.state == "idle", timeout=10)


async def test_translate_mode_goes_to_translations(
    virtual_mic: VirtualMic, loopback: LoopbackServer, tmp_path: Path
) -> None:
    loopback.enqueue(text_reply("Good morning."))
    app = make_app(loopback, tmp_path)
    app.settings.dictation_language = "fr"  # not sent: translations take no language
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        screen.dictation_settings.toggle_translate()
        assert screen.query_one(RecorderBar).translate
        await dictate(pilot, virtual_mic, "Bonjour tout le monde.")
        assert screen.query_one(Composer).text == "Good morning."
    (request,) = audio_requests(loopback)
    assert request.path.endswith("/audio/translations")
    assert "language" not in request.form


async def test_an_unknown_device_is_one_message_and_the_app_goes_on(
    virtual_mic: VirtualMic, loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    app.settings.audio_device = "usb headset"
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        composer = screen.query_one(Composer)
        composer.load_text("typed before")
        await pilot.press("ctrl+r")
        bar = screen.query_one(RecorderBar)
        await wait_for(pilot, lambda: bar.state == "idle" and app._notifications, timeout=5)
        (note,) = list(app._notifications)
        assert "usb headset" in note.message
        assert composer.text == "typed before"
        assert audio_requests(loopback) == []


async def test_a_lost_microphone_keeps_the_text_and_the_recording(
    virtual_mic: VirtualMic, loopback: LoopbackServer, tmp_path: Path
) -> None:
    loopback.enqueue(text_reply("Before it went away."))
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        bar = screen.query_one(RecorderBar)
        await pilot.press("ctrl+r")
        try:
            await asyncio.sleep(0.3)
            await asyncio.to_thread(virtual_mic.say, "Before the microphone goes away.")
            virtual_mic.kill_server()
            await wait_for(pilot, lambda: bar.state == "idle", timeout=10)
        finally:
            virtual_mic.start()
        assert screen.query_one(Composer).text == "Before it went away."

        def told() -> bool:  # the notice is posted as the bar goes idle, and shown after
            messages = [n.message for n in app._notifications]
            return any("microphone stopped" in m and "kept in" in m for m in messages)

        await wait_for(pilot, told, timeout=5)
    kept = sorted((tmp_path / "recordings").glob("*.flac"))
    assert len(kept) == 1
    assert kept[0].with_suffix(".txt").read_text().strip() == "Before it went away."


async def test_the_microphone_is_chosen_from_the_device_list_and_remembered(
    virtual_mic: VirtualMic, loopback: LoopbackServer, tmp_path: Path
) -> None:
    from groq_tui.config import config_file, load_settings
    from groq_tui.ui.screens.dialogs import ChoicePicker

    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        app.action_pick_microphone()
        await wait_for(pilot, lambda: isinstance(app.screen, ChoicePicker))
        picker = app.screen
        assert isinstance(picker, ChoicePicker)
        names = [value for value, _ in picker.choices]
        assert names[0] == "" and "pulse" in names  # the default, then PortAudio's devices
        picker.query_one("OptionList").focus()
        for _ in range(names.index("pulse")):
            await pilot.press("down")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.settings.audio_device == "pulse")
        await wait_for(pilot, lambda: config_file().exists())
    assert load_settings().audio_device == "pulse"


async def test_language_and_vocabulary_are_set_in_the_app_and_sent(
    virtual_mic: VirtualMic, loopback: LoopbackServer, tmp_path: Path
) -> None:
    from textual.widgets import Input

    from groq_tui.config import load_settings
    from groq_tui.ui.screens.dialogs import TextPrompt

    loopback.enqueue(text_reply("Guten Tag."))
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)

        async def answer(ask: object, text: str) -> None:
            assert callable(ask)
            ask()
            await wait_for(
                pilot, lambda: isinstance(app.screen, TextPrompt) and app.screen.query(Input)
            )
            field = app.screen.query_one(Input)
            field.value = text
            await pilot.press("enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, TextPrompt))

        await answer(screen.dictation_settings.ask_language, "German")  # refused, with the reason
        assert app.settings.dictation_language is None
        assert any("ISO-639-1" in n.message for n in app._notifications)
        await answer(screen.dictation_settings.ask_language, " DE ")
        await answer(screen.dictation_settings.ask_vocabulary, "Groq  Textual")
        assert app.settings.dictation_language == "de"
        await dictate(pilot, virtual_mic, "Good day to you.")
        assert screen.query_one(Composer).text == "Guten Tag."
    (request,) = audio_requests(loopback)
    assert request.form["language"] == ["de"]
    assert request.form["prompt"] == ["Groq Textual"]
    saved = load_settings()
    assert (saved.dictation_language, saved.dictation_prompt) == ("de", "Groq Textual")


async def test_offline_dictation_is_transcribed_by_the_bundled_whisper(
    virtual_mic: VirtualMic, loopback: LoopbackServer, tmp_path: Path
) -> None:
    """No key: speech goes to the local engine's Whisper tiny.en, for real."""
    app = make_app(loopback, tmp_path, api_key=None, model=None)  # no -m: the engine's model
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        assert app.context.offline and app.context.audio_model == "whisper-tiny.en"
        await dictate(pilot, virtual_mic, OFFLINE_SENTENCE, timeout=30)
        heard = composer_words(screen.query_one(Composer).text)
    expected = composer_words(OFFLINE_SENTENCE)
    assert len(set(heard) & set(expected)) >= 0.7 * len(set(expected)), heard
    assert audio_requests(loopback) == []  # nothing went to the service


OFFLINE_SENTENCE = (
    "Please send the quarterly report to the finance team before the meeting on Friday."
)


def composer_words(text: str) -> list[str]:
    return ["".join(c for c in word.lower() if c.isalnum()) for word in text.split()]
