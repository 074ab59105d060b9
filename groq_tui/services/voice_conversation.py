"""A hands-free voice conversation: listen, send at the speaker's pause, speak the reply, again.

    conversation = VoiceConversation(listen, send, narrator, barge_in=recorder_factory)
    await conversation.run()        # until conversation.stop() (or the microphone is lost)

Each turn listens with the dictation there already is
(:class:`~groq_tui.services.dictation.LiveDictation`): the first pause that closes a stretch
of speech ends the turn, and what was said is sent. The reply is spoken by the app's
:class:`~groq_tui.services.speech_session.Narrator` (the sender makes it speak); the
microphone is not transcribed meanwhile, so the reply's own sound is never taken for the
user's words. With barge-in, a second recorder only watches for speech while the reply
plays: speaking over it stops the playback and the next turn starts listening at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Literal

import numpy as np

from groq_tui.audio.recorder import Recorder
from groq_tui.audio.resample import StreamResampler
from groq_tui.audio.vad import FRAME_SAMPLES, FRAME_SECONDS, RATE, default_detector, level_db
from groq_tui.services.app_events import Observers
from groq_tui.services.dictation import DictationFinished, LiveDictation, StopReason
from groq_tui.services.speech_session import Narration, Narrator
from groq_tui.services.types import AudioError

if TYPE_CHECKING:
    from groq_tui.api import GroqClient
    from groq_tui.services.context import AppContext

VoicePhase = Literal["listening", "sending", "speaking", "stopped"]

BARGE_IN_SECONDS = 0.3
"""Speech over a playing reply for this long stops it."""


class VoiceConversationError(Exception):
    """The conversation cannot go on (the microphone is lost, transcription fails)."""


class VoiceConversation:
    """Turns of listen -> send -> speak, until :meth:`stop`.

    Args:
        listen: A new live dictation for one turn (on a client the caller holds).
        send: Sends what was said; False if it could not be sent (the conversation stops).
            The reply it starts must be spoken on ``narrator``.
        narrator: The app's speaker.
        barge_in: Makes the recorder that watches for speech while a reply plays; None
            turns barge-in off.
    """

    def __init__(
        self,
        listen: Callable[[], LiveDictation],
        send: Callable[[str], Awaitable[bool]],
        narrator: Narrator,
        *,
        barge_in: Callable[[], Recorder] | None = None,
    ) -> None:
        self._listen = listen
        self._send = send
        self.narrator = narrator
        self._barge_in = barge_in
        self.phase: VoicePhase = "listening"
        self.phase_changed: Observers[VoicePhase] = Observers()
        """Called with each new phase."""
        self.heard: Observers[str] = Observers()
        """Called with what the user said, before it is sent."""
        self.barged_in = 0
        """How many replies were cut short by the user speaking."""
        self._live: LiveDictation | None = None
        self._waiting: asyncio.Future[Narration | None] | None = None
        self._stopped = False

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` was called (or the conversation ended)."""
        return self._stopped

    def _enter(self, phase: VoicePhase) -> None:
        self.phase = phase
        self.phase_changed.publish(phase)

    def stop(self) -> None:
        """End the conversation: stop listening (what was said is dropped) and speaking."""
        self._stopped = True
        if self._live is not None:
            self._live.stop()
        if self._waiting is not None and not self._waiting.done():
            self._waiting.set_result(None)
        self.narrator.stop()

    async def run(self) -> None:
        """Hold the conversation until stopped.

        Raises:
            VoiceConversationError: The microphone was lost or transcription failed.
            AudioUnavailable: The microphone cannot be opened.
        """
        try:
            while not self._stopped:
                text = await self._hear()
                if self._stopped:
                    break
                if not text:
                    continue  # a cough, a click: listen again
                self.heard.publish(text)
                self._enter("sending")
                narration = await self._send_for_narration(text)
                if narration is None:  # not sent, or stopped while the reply was on its way
                    break
                self._enter("speaking")
                await self._speak(narration)
        finally:
            self._stopped = True
            self._enter("stopped")

    async def _send_for_narration(self, text: str) -> Narration | None:
        """Send ``text``; the narration its reply is spoken in (None if not sent or
        stopped meanwhile)."""
        begun: asyncio.Future[Narration | None] = asyncio.get_running_loop().create_future()
        self._waiting = begun

        def narration_begun(narration: Narration) -> None:
            if not begun.done():
                begun.set_result(narration)

        self.narrator.narration_begun.subscribe(narration_begun)
        try:
            if not await self._send(text):
                return None
            return await begun
        finally:
            self.narrator.narration_begun.unsubscribe(narration_begun)
            self._waiting = None

    async def _hear(self) -> str:
        """Listen until the first pause after speech; what was said ("" for nothing)."""
        self._enter("listening")
        live = self._listen()
        live.on_segment = lambda _segment: live.stop()
        self._live = live
        text = ""
        try:
            async for event in live.events():
                if isinstance(event, DictationFinished):
                    if event.reason in (StopReason.DEVICE_LOST, StopReason.FAILED):
                        raise VoiceConversationError(str(event.error or event.reason.value))
                    text = event.text.strip()
        finally:
            self._live = None
        return text

    async def _speak(self, narration: Narration) -> None:
        """Wait for the reply to be spoken; speech over it (barge-in) stops it."""
        if self._barge_in is None:
            await narration.finished()
            return
        watcher = asyncio.create_task(self._watch_for_speech(self._barge_in()))
        spoken = asyncio.ensure_future(narration.finished())
        try:
            await asyncio.wait({watcher, spoken}, return_when=asyncio.FIRST_COMPLETED)
            heard = watcher.done() and not watcher.cancelled() and watcher.result()
            if heard and self.narrator.stop():
                self.barged_in += 1
        finally:
            for task in (watcher, spoken):
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task

    async def _watch_for_speech(self, recorder: Recorder) -> bool:
        """Record until :data:`BARGE_IN_SECONDS` of speech are heard; True then. Nothing
        recorded is kept or transcribed."""
        blocks = recorder.blocks()
        try:
            await recorder.start()
        except AudioError:
            return False  # no barge-in, the reply still plays
        try:
            resampler = StreamResampler(recorder.samplerate, RATE)
            detector = default_detector()
            needed = max(1, round(BARGE_IN_SECONDS / FRAME_SECONDS))
            run = 0
            pending = np.zeros(0, np.float32)
            async for block in blocks:
                data = np.concatenate((pending, resampler.feed(block)))
                whole = data.size - data.size % FRAME_SAMPLES
                pending = data[whole:]
                for offset in range(0, whole, FRAME_SAMPLES):
                    frame = data[offset : offset + FRAME_SAMPLES]
                    run = run + 1 if detector.is_speech(frame, level_db(frame)) else 0
                    if run >= needed:
                        return True
            return False
        finally:
            with contextlib.suppress(Exception):
                (await recorder.stop()).discard()


def app_voice_conversation(
    context: AppContext, client: GroqClient, send: Callable[[str], Awaitable[bool]]
) -> VoiceConversation:
    """A voice conversation from the chosen microphone, on ``client`` (hold a lease on it),
    with dictation's language and vocabulary, spoken by the app's speaker."""
    from groq_tui.services.dictation import DictationOptions
    from groq_tui.services.speech_settings import narrator_for

    settings = context.settings

    def listen() -> LiveDictation:
        options = DictationOptions(
            model=context.audio_model,
            language=settings.dictation_language,
            prompt=settings.dictation_prompt or None,
        )
        return context.live_dictation(client, options)

    def barge_in() -> Recorder:
        return Recorder(device=settings.audio_device)

    return VoiceConversation(
        listen,
        send,
        narrator_for(context),
        barge_in=barge_in if settings.voice_barge_in else None,
    )
