"""Recordings the user chose to keep, each with its transcript, in the data dir.

``<dir>/<stamp>-<kind>.flac`` holds the audio and ``<dir>/<stamp>-<kind>.txt`` the text
(both 0600, the folder 0700: speech is private). Listing reads only the folder.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from groq_tui.audio.encoding import audio_info
from groq_tui.audio.errors import AudioDecodeError


@dataclass(frozen=True)
class SavedRecording:
    """A kept recording and its transcript."""

    audio: Path
    transcript_path: Path
    created: datetime
    duration: float
    """Seconds (0 when the file cannot be read)."""

    @property
    def transcript(self) -> str:
        """The transcript's text ("" if there is none)."""
        try:
            return self.transcript_path.read_text(encoding="utf-8")
        except OSError:
            return ""


class RecordingArchive:
    """The folder of kept recordings.

    Args:
        directory: Where recordings are kept, e.g. ``data_dir() / "recordings"``.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def save(
        self, audio: Path, transcript: str, *, kind: str = "dictation", when: datetime | None = None
    ) -> SavedRecording:
        """Move ``audio`` into the archive and write ``transcript`` next to it.

        Blocking file I/O: call it from a worker thread in async code.
        """
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        when = when or datetime.now()
        stem = f"{when:%Y%m%d-%H%M%S}-{kind}"
        target = self.directory / f"{stem}{audio.suffix}"
        n = 1
        while target.exists():
            n += 1
            target = self.directory / f"{stem}-{n}{audio.suffix}"
        shutil.move(str(audio), target)
        os.chmod(target, 0o600)
        text_path = target.with_suffix(".txt")
        fd = os.open(text_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(transcript.strip() + "\n" if transcript.strip() else "")
        return self._entry(target)

    def list(self) -> list[SavedRecording]:
        """Every kept recording, newest first."""
        if not self.directory.is_dir():
            return []
        entries = [
            self._entry(path)
            for path in self.directory.iterdir()
            if path.is_file() and path.suffix != ".txt" and not path.name.startswith(".")
        ]
        return sorted(entries, key=lambda entry: entry.created, reverse=True)

    def delete(self, saved: SavedRecording) -> None:
        """Remove a kept recording and its transcript."""
        saved.audio.unlink(missing_ok=True)
        saved.transcript_path.unlink(missing_ok=True)

    @staticmethod
    def _entry(path: Path) -> SavedRecording:
        try:
            duration = audio_info(path).duration
        except AudioDecodeError:
            duration = 0.0
        return SavedRecording(
            audio=path,
            transcript_path=path.with_suffix(".txt"),
            created=datetime.fromtimestamp(path.stat().st_mtime),
            duration=duration,
        )
