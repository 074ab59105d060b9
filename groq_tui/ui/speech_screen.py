"""The chat screen's voice: read aloud, auto-read while streaming, the voice conversation.

:class:`SpeakingScreen` is that part of :class:`~groq_tui.ui.screens.chat.ChatScreen`. The
speaking is done by services (:mod:`groq_tui.services.speech_session`,
:mod:`groq_tui.services.voice_conversation`); this layer starts them, passes the reply
pipeline's events to the reply speaker (:meth:`SpeakingScreen.with_speech`), and keeps the
speech bar (mounted under the composer the first time something is said) current.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.binding import Binding, BindingType

from groq_tui.ui.app_context import host_of
from groq_tui.ui.screens.chat_settings import ModelSettingsScreen
from groq_tui.ui.widgets.messages import MessageView
from groq_tui.ui.widgets.speech_bar import SpeechBar

if TYPE_CHECKING:
    from groq_tui.domain import ReplyEvent
    from groq_tui.services.speech_session import Narrator, SpeechState
    from groq_tui.services.voice_conversation import VoiceConversation, VoicePhase


class SpeakingScreen(ModelSettingsScreen):
    """A chat screen that speaks: replies read aloud, and a hands-free voice conversation."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "read_aloud_last", "Read aloud", show=False, id="chat.read_aloud"),
        Binding("f8", "pause_speech", "Pause speech", show=False, id="chat.speech_pause"),
        Binding("f9", "voice_conversation", "Voice", show=False, id="chat.voice"),
    ]

    voice_conversation: VoiceConversation | None = None
    """The voice conversation running, if any."""
    _speech_bar: SpeechBar | None = None

    async def send(self, text: str) -> None:
        """Save the prompt, show it, and start the reply (the chat screen's)."""
        raise NotImplementedError

    # -- the speaker -------------------------------------------------------------------------

    @property
    def narrator(self) -> Narrator:
        """The app's speaker (made, and followed by the bar, on first use)."""
        from groq_tui.services.speech_settings import narrator_for

        narrator = narrator_for(self.context)
        if self._speech_bar is None:
            self._speech_bar = SpeechBar(id="speech-bar")
            keys = self.context.settings.keymap.get("chat.speech_pause")
            if keys:
                self._speech_bar.pause_key = keys.split(",")[0].strip()
            self.query_one("#chat-column").mount(self._speech_bar)
            narrator.changed.subscribe(self._speech_changed)
        return narrator

    @property
    def speech_bar(self) -> SpeechBar:
        """The speech bar (mounted on first use)."""
        _ = self.narrator
        assert self._speech_bar is not None
        return self._speech_bar

    def on_unmount(self) -> None:
        if self._speech_bar is not None:
            from groq_tui.services.speech_settings import narrator_for

            narrator = narrator_for(self.context)
            narrator.changed.unsubscribe(self._speech_changed)
            narrator.stop()
        # A voice conversation ends with its worker, which closing the screen cancels.

    def _speech_changed(self, state: SpeechState) -> None:
        bar = self._speech_bar
        if bar is None or not bar.is_attached:
            return
        bar.phase = state.phase
        bar.title = state.title
        if state.error:
            self.notify(state.error, title="Speech", severity="error", timeout=10)

    def read_aloud(self, markdown: str, title: str) -> None:
        """Read ``markdown`` aloud (what was playing stops)."""
        if self.context.clients is None:
            host_of(self).signals.once_started(lambda: self.read_aloud(markdown, title))
            return
        if not markdown.strip():
            self.notify("There is nothing to read.", severity="warning", timeout=3)
            return
        self.narrator.say(markdown, title)

    def action_read_aloud_last(self) -> None:
        """Read the focused message aloud, or the last reply."""
        focused = self.focused
        message = focused.message if isinstance(focused, MessageView) else None
        if message is None:
            message = self.conversation_view.last("assistant")
        if message is None:
            self.notify("There is no reply to read yet.", severity="warning", timeout=3)
            return
        self.read_aloud(message.content, _title(message.content))

    @on(MessageView.ReadAloudRequested)
    def _read_aloud_requested(self, event: MessageView.ReadAloudRequested) -> None:
        self.read_aloud(event.view.message.content, _title(event.view.message.content))

    @on(SpeechBar.PauseToggled)
    def action_pause_speech(self) -> None:
        """Pause the speech, or resume it."""
        self.narrator.toggle_pause()

    def stop_speech(self) -> bool:
        """Stop what is being said and end the voice conversation; False if neither ran."""
        stopped = False
        if self.voice_conversation is not None:
            self.voice_conversation.stop()
            stopped = True
        if self._speech_bar is not None:
            stopped = self.narrator.stop() or stopped
        return stopped

    # -- auto-read ---------------------------------------------------------------------------

    def toggle_auto_read(self) -> None:
        """Read replies aloud while they stream, or stop doing so (saved)."""
        auto_read = not self.context.settings.auto_read
        self.context.files.change_setting("auto_read", auto_read)
        self.notify(f"Auto-read: {'on' if auto_read else 'off'}.", timeout=3)

    def with_speech(
        self, events: AsyncGenerator[ReplyEvent, None]
    ) -> AsyncGenerator[ReplyEvent, None]:
        """The reply's events, spoken as they stream when auto-read is on or a voice
        conversation runs; otherwise ``events`` themselves (speech costs a reply nothing
        unless it is used: not a layer per event, not its modules' import)."""
        if not (self.context.settings.auto_read or self.voice_conversation is not None):
            return events
        return self._spoken(events)

    async def _spoken(
        self, events: AsyncGenerator[ReplyEvent, None]
    ) -> AsyncGenerator[ReplyEvent, None]:
        from groq_tui.services.speech_session import ReplySpeaker

        speaker = ReplySpeaker(self.narrator)
        try:
            async for event in events:
                speaker.feed(event)
                yield event
        finally:
            speaker.end()
            await events.aclose()

    # -- the voice conversation ----------------------------------------------------------------

    def action_voice_conversation(self) -> None:
        """Start a voice conversation, or end the one running."""
        if self.voice_conversation is not None:
            self.voice_conversation.stop()
            return
        if self.context.clients is None:
            host_of(self).signals.once_started(self.action_voice_conversation)
            return
        self.run_worker(self._converse(), group="voice", exclusive=True)

    async def _send_spoken(self, text: str) -> bool:
        if self.service is None:
            return False
        if self.streaming:  # the user spoke over a reply still streaming: it ends there
            for worker in [w for w in self.workers if w.group == "reply"]:
                worker.cancel()
                with contextlib.suppress(Exception):
                    await worker.wait()
        await self.send(text)
        return True

    async def _converse(self) -> None:
        from groq_tui.services.errors import describe_error
        from groq_tui.services.types import AudioError
        from groq_tui.services.voice_conversation import (
            VoiceConversationError,
            app_voice_conversation,
        )

        bar = self.speech_bar
        with self.context.lease_client() as client:
            conversation = app_voice_conversation(self.context, client, self._send_spoken)
            self.voice_conversation = conversation
            conversation.phase_changed.subscribe(self._voice_phase)
            try:
                await conversation.run()
            except (AudioError, VoiceConversationError) as exc:
                self.notify(describe_error(exc), title="Voice conversation", severity="error")
            finally:
                self.voice_conversation = None
                if bar.is_attached:
                    bar.voice = "off"

    def _voice_phase(self, phase: VoicePhase) -> None:
        bar = self._speech_bar
        if bar is not None and bar.is_attached:
            bar.voice = "off" if phase == "stopped" else phase


def _title(markdown: str) -> str:
    """The first words of a message, for the bar."""
    from groq_tui.services.speakable import speakable

    words = speakable(markdown).split()
    title = " ".join(words[:8])
    return title + ("…" if len(words) > 8 else "")
