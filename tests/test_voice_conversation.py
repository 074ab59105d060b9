"""The voice conversation (Pilot, virtual microphone and speaker, loopback server).

A prompt said into the virtual microphone is sent when the speaker pauses, the reply is
played on the virtual speaker (recorded and transcribed by the bundled Whisper), and the mode
listens again; speaking over a reply stops it (barge-in); while a reply plays without
barge-in, the microphone is closed, so playback cannot be taken for the user's words.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.pilot import Pilot

from groq_tui.services.speech_settings import narrator_for
from groq_tui.services.voice_conversation import VoiceConversation, VoicePhase
from groq_tui.ui.screens.chat import ChatScreen
from tests.app_support import make_app, ready, wait_for
from tests.loopback import LoopbackServer
from tests.test_cli_speak import heard_share
from tests.test_speech_app import WORDS_HEARD, heard

if TYPE_CHECKING:
    from tests.virtual_mic import VirtualMic

pytest_plugins = ("tests.virtual_mic",)  # the session's one virtual microphone and speaker

PROMPT = "What is the longest river in the world?"
REPLY = "The Nile is the longest river. It flows north into the sea."
LONG_REPLY = " ".join(f"Here is fact number {n} about the river Nile." for n in range(1, 16))


async def start_conversation(
    pilot: Pilot[Any], screen: ChatScreen, virtual_mic: VirtualMic, phases: list[VoicePhase]
) -> VoiceConversation:
    """Press f9; wait until the microphone is open and listening."""
    before = virtual_mic.recording_clients()
    await pilot.press("f9")
    await wait_for(pilot, lambda: screen.voice_conversation is not None)
    conversation = screen.voice_conversation
    assert conversation is not None
    phases.append(conversation.phase)
    conversation.phase_changed.subscribe(phases.append)
    await wait_for(pilot, lambda: conversation.phase == "listening")
    await wait_for(pilot, lambda: virtual_mic.recording_clients() > before)
    return conversation


def transcriptions(loopback: LoopbackServer) -> int:
    return len([r for r in loopback.requests if r.path.endswith("/audio/transcriptions")])


async def test_a_spoken_prompt_is_sent_the_reply_spoken_and_the_mode_listens_again(
    loopback: LoopbackServer, tmp_path: Path, virtual_mic: VirtualMic
) -> None:
    loopback.transcript_text = PROMPT
    loopback.reply_text = REPLY
    app = make_app(loopback, tmp_path)
    app.context.settings.voice_barge_in = False
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await ready(pilot)
        phases: list[VoicePhase] = []
        recording = virtual_mic.listen()
        try:
            idle_clients = virtual_mic.recording_clients()  # the speaker's recorder included
            conversation = await start_conversation(pilot, screen, virtual_mic, phases)
            assert screen.speech_bar.voice == "listening"
            await asyncio.to_thread(virtual_mic.say, PROMPT)
            await wait_for(pilot, lambda: [m.content for m in screen.messages][:1] == [PROMPT])
            narrator = narrator_for(app.context)
            await wait_for(pilot, lambda: narrator.state.phase == "playing")
            # Not listening while the reply plays: the microphone is closed.
            assert virtual_mic.recording_clients() == idle_clients
            text = await heard(recording, 2.0)
        finally:
            recording.stop()
        await wait_for(pilot, lambda: phases[-1:] == ["listening"] and len(phases) > 3)
        assert phases[:4] == ["listening", "sending", "speaking", "listening"]
        assert transcriptions(loopback) == 1  # the prompt; never the reply's sound
        assert [m.role for m in screen.messages] == ["user", "assistant"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.voice_conversation is None)
        assert conversation.stopped and screen.speech_bar.voice == "off"
    assert heard_share(REPLY, text) >= WORDS_HEARD, text


async def test_speaking_over_a_reply_stops_it_and_listens(
    loopback: LoopbackServer, tmp_path: Path, virtual_mic: VirtualMic
) -> None:
    loopback.transcript_text = PROMPT
    loopback.reply_text = LONG_REPLY
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await ready(pilot)
        phases: list[VoicePhase] = []
        conversation = await start_conversation(pilot, screen, virtual_mic, phases)
        await asyncio.to_thread(virtual_mic.say, PROMPT)
        narrator = narrator_for(app.context)
        await wait_for(pilot, lambda: narrator.state.phase == "playing")
        narration = narrator.current
        assert narration is not None
        await asyncio.to_thread(virtual_mic.say, "Wait, tell me something else.")
        await wait_for(pilot, lambda: conversation.barged_in == 1)
        assert narration.done and not await narration.finished()  # cut short
        assert narrator.player is not None
        assert narrator.player.played_seconds < 15  # far from the reply's end
        await wait_for(pilot, lambda: phases.count("listening") >= 2)
        assert phases[:4] == ["listening", "sending", "speaking", "listening"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.voice_conversation is None)


async def test_quitting_during_a_voice_conversation_closes_the_microphone(
    loopback: LoopbackServer, tmp_path: Path, virtual_mic: VirtualMic
) -> None:
    before = virtual_mic.recording_clients()
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await ready(pilot)
        await start_conversation(pilot, screen, virtual_mic, [])
    assert virtual_mic.recording_clients() == before


async def test_quitting_right_after_ending_the_conversation_closes_the_microphone(
    loopback: LoopbackServer, tmp_path: Path, virtual_mic: VirtualMic
) -> None:
    before = virtual_mic.recording_clients()
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(110, 36)) as pilot:
        screen = await ready(pilot)
        await start_conversation(pilot, screen, virtual_mic, [])
        await pilot.press("escape")  # the recorder starts stopping; the app closes meanwhile
    assert virtual_mic.recording_clients() == before
