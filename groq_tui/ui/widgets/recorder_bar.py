"""The recorder bar under the composer: state, elapsed time and a live input level meter.

It only renders and posts messages; the chat screen owns the recording. A click toggles
recording; holding the mouse button down records while it is held (push-to-talk: terminals
report mouse releases, while Textual does not ask them for key releases, so the key -
ctrl+r - toggles).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from groq_tui.domain.wording import counted

RecorderState = Literal["idle", "recording", "transcribing"]

METER_CELLS = 16
FLOOR_DB = -60.0
"""The meter's bottom: quieter than this shows as empty."""
HOLD_SECONDS = 0.4
"""A press held longer than this is push-to-talk: releasing it stops the recording."""
_PARTS = " ▏▎▍▌▋▊▉█"


def meter(level_db: float, cells: int = METER_CELLS) -> str:
    """A bar of ``cells`` characters for a level in dBFS (``FLOOR_DB``..0)."""
    fraction = min(1.0, max(0.0, (level_db - FLOOR_DB) / -FLOOR_DB))
    eighths = round(fraction * cells * 8)
    full, part = divmod(eighths, 8)
    bar = "█" * full + (_PARTS[part] if full < cells else "")
    return bar.ljust(cells)


def clock(seconds: float) -> str:
    """``m:ss`` for an elapsed time."""
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


class RecorderBar(Widget):
    """One line: idle hint, or recording with time and level, or transcribing."""

    DEFAULT_CSS = """
    RecorderBar {
        height: 1;
        padding: 0 1;
        color: $text-muted;
    }
    RecorderBar:hover {
        background: $boost;
    }
    RecorderBar.-recording {
        color: $text;
    }
    """

    state: reactive[RecorderState] = reactive("idle")
    level: reactive[float] = reactive(FLOOR_DB)
    """Input level in dBFS."""
    elapsed: reactive[float] = reactive(0.0)
    """Seconds recorded."""
    pending: reactive[int] = reactive(0)
    """Segments sent and not yet transcribed."""
    translate: reactive[bool] = reactive(False)
    """Translate mode (English out) rather than transcription."""
    hint: reactive[str] = reactive("ctrl+r")
    """The key that toggles recording, as the user's keymap has it."""

    @dataclass
    class Pressed(Message):
        """Mouse button down on the bar."""

        bar: RecorderBar

    @dataclass
    class Released(Message):
        """Mouse button up; ``held`` says whether it was a long press (push-to-talk)."""

        bar: RecorderBar
        held: bool

    hold_seconds: float = HOLD_SECONDS
    """A press held longer than this is push-to-talk."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._pressed_at: float | None = None

    def watch_state(self, state: RecorderState) -> None:
        self.set_class(state == "recording", "-recording")

    def render(self) -> Text:
        mode = "translate" if self.translate else "dictate"
        if self.state == "recording":
            text = Text.assemble(
                ("● REC ", "bold red"),
                (clock(self.elapsed), "bold"),
                "  ",
                (meter(self.level), "green" if self.level < -6 else "red"),
                f" {max(self.level, FLOOR_DB):4.0f} dB",
            )
            if self.pending:
                text.append(f"  · {self.pending} transcribing", "italic")
            text.append(f"  · {self.hint} stop · {mode}", "dim")
            return text
        if self.state == "transcribing":
            left = f"{counted(self.pending, 'segment')} left" if self.pending else "finishing"
            return Text.assemble(("◌ Transcribing… ", "bold"), left)
        return Text.assemble(
            ("○ ", "dim"),
            f"{self.hint}: {mode} from the microphone",
            (" · hold the mouse here to talk", "dim"),
        )

    def on_mouse_down(self, event: events.MouseDown) -> None:
        event.stop()
        self._pressed_at = event.time  # when the terminal's event was read, not handled
        self.capture_mouse()
        self.post_message(self.Pressed(self))

    def on_mouse_up(self, event: events.MouseUp) -> None:
        event.stop()
        self.release_mouse()
        if self._pressed_at is None:
            return
        held = event.time - self._pressed_at >= self.hold_seconds
        self._pressed_at = None
        self.post_message(self.Released(self, held))
