"""Modal pickers for the transcription workbench: an audio file, or a saved recording."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Label, Static

from groq_tui.services.types import AUDIO_EXTENSIONS
from groq_tui.ui.screens.dialogs import ChoicePicker
from groq_tui.ui.while_running import while_running

AUDIO_SUFFIXES = frozenset(f".{ext}" for ext in AUDIO_EXTENSIONS)
"""The file name endings the service accepts."""


class AudioDirectoryTree(DirectoryTree):
    """A directory tree showing folders and audio files only (hidden ones left out)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("backspace", "parent", "Parent folder", id="file_picker.parent"),
    ]

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        # Runs in the tree's loader thread, so the is_dir() calls do not block the UI.
        return [
            path
            for path in paths
            if not path.name.startswith(".")
            and (path.suffix.lower() in AUDIO_SUFFIXES or path.is_dir())
        ]

    def action_parent(self) -> None:
        """Show the folder above this one."""
        current = Path(self.path).expanduser().resolve()
        if current.parent != current:
            self.path = current.parent


def _folder(text: str) -> Path | None:
    """The typed path if it is a folder (blocking: a stat)."""
    path = Path(text).expanduser()
    return path if path.is_dir() else None


class FilePicker(ModalScreen[str | None]):
    """Choose an audio file: browse the tree, or type a path (a folder typed is browsed).

    Args:
        start: The folder to show first (a file's folder if a file is given).
    """

    DEFAULT_CSS = """
    FilePicker { align: center middle; }
    FilePicker > Vertical {
        width: 90%; max-width: 110; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    FilePicker AudioDirectoryTree { height: 1fr; }
    FilePicker .picker--hint { color: $text-muted; height: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="file_picker.cancel"),
    ]

    def __init__(self, start: Path) -> None:
        super().__init__()
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text("Open an audio file", style="bold"))
            yield Input(str(self.start), placeholder="a path", id="picker-path", compact=True)
            yield AudioDirectoryTree(self.start, id="picker-tree")
            yield Static(
                f"{' '.join(sorted(AUDIO_EXTENSIONS))} · enter: open · backspace: parent folder"
                " · esc: cancel",
                classes="picker--hint",
            )

    @while_running
    def on_mount(self) -> None:
        self.query_one(AudioDirectoryTree).focus()

    @on(DirectoryTree.FileSelected, "#picker-tree")
    def _file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(str(event.path))

    @on(DirectoryTree.DirectorySelected, "#picker-tree")
    def _directory_selected(self, event: DirectoryTree.DirectorySelected) -> None:
        self.query_one("#picker-path", Input).value = str(event.path)

    @on(Input.Submitted, "#picker-path")
    async def _typed(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        folder = await asyncio.to_thread(_folder, text)
        if folder is not None:
            self.query_one(AudioDirectoryTree).path = folder
        else:
            self.dismiss(text)  # the workbench reports a missing or unsupported file

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)


@dataclass(frozen=True, slots=True)
class RecordingChoice:
    """A saved recording as the picker lists it."""

    audio: Path
    created: datetime
    duration: float
    preview: str
    """The start of its transcript."""


class RecordingPicker(ChoicePicker):
    """Choose one of the saved recordings, newest first; dismissed with its audio file's
    path."""

    def __init__(self, recordings: Sequence[RecordingChoice]) -> None:
        self.recordings = list(recordings)
        super().__init__(
            "Saved recordings",
            [(str(choice.audio), self._row(choice)) for choice in self.recordings],
            hint="enter: open · esc: cancel",
        )

    @staticmethod
    def _row(choice: RecordingChoice) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{choice.created:%Y-%m-%d %H:%M}", style="bold")
        minutes, seconds = divmod(round(choice.duration), 60)
        text.append(f"  {minutes}:{seconds:02d}  ", style="dim")
        text.append(choice.preview or choice.audio.name)
        return text


__all__ = [
    "AUDIO_SUFFIXES",
    "AudioDirectoryTree",
    "FilePicker",
    "RecordingChoice",
    "RecordingPicker",
]
