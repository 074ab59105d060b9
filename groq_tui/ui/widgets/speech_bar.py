"""The speech bar: what is being read aloud, or what the voice conversation is doing.

It renders and posts messages only; the screen owns the speaker. A click on the bar pauses
or resumes the playback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

SpeechBarPhase = Literal["idle", "waiting", "playing", "paused"]
VoiceBarPhase = Literal["off", "listening", "sending", "speaking"]


class SpeechBar(Widget):
    """One line: the narration's state and title, the voice conversation's phase, the keys."""

    DEFAULT_CSS = """
    SpeechBar {
        height: 1;
        padding: 0 1;
        background: $boost;
        display: none;
    }
    SpeechBar.-active {
        display: block;
    }
    """

    phase: reactive[SpeechBarPhase] = reactive("idle")
    """What the speaker is doing."""
    title: reactive[str] = reactive("")
    """What is being said."""
    voice: reactive[VoiceBarPhase] = reactive("off")
    """The voice conversation's phase ("off": none is running)."""
    pause_key: reactive[str] = reactive("f8")
    """The key that pauses and resumes, as the user's keymap has it."""

    @dataclass
    class PauseToggled(Message):
        """The bar was clicked: pause or resume."""

        bar: SpeechBar

    def _active(self) -> bool:
        return self.phase != "idle" or self.voice != "off"

    def watch_phase(self) -> None:
        self.set_class(self._active(), "-active")

    def watch_voice(self) -> None:
        self.set_class(self._active(), "-active")

    def render(self) -> Text:
        text = Text()
        if self.voice == "listening":
            text.append("🎙 Listening… ", "bold green")
            text.append("speak, then pause to send", "dim")
        elif self.voice == "sending":
            text.append("… Waiting for the reply", "bold")
        elif self.voice == "speaking" and self.phase == "idle":
            text.append("▶ Speaking", "bold")
        if self.phase != "idle":
            if text:
                text.append("  · ")
            mark = {"waiting": "◌ ", "playing": "▶ ", "paused": "⏸ "}[self.phase]
            text.append(mark, "bold")
            text.append(self.title or "Reading aloud")
            state = "paused" if self.phase == "paused" else "pause"
            text.append(f"  · {self.pause_key}: {state} · esc: stop", "dim")
        elif self.voice != "off":
            text.append("  · esc: end the voice conversation", "dim")
        return text

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.PauseToggled(self))
