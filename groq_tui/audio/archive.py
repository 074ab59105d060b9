"""Recordings the user chose to keep, each with its transcript, in the data dir.

``<dir>/<stamp>-<kind>.flac`` holds the audio and ``<dir>/<stamp>-<kind>.txt`` the text
(both 0600, the folder 0700: speech is private). Listing reads only the folder.

A dictation in progress writes its recording into ``<dir>/.unfinished/`` and keeps a
:class:`DictationJournal` there: the recording's path, then the text so far after each
segment, the file locked while its writer lives. A process killed mid-dictation (kill -9,
a crash, a power cut) leaves both behind; :meth:`RecordingArchive.recover_unfinished` keeps
them as an ordinary saved recording the next time.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from groq_tui.audio.errors import AudioDecodeError

UNFINISHED = ".unfinished"
"""The archive's sub-folder for dictations in progress (hidden: not listed as saved)."""
JOURNAL_SUFFIX = ".journal"


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

    @property
    def unfinished_directory(self) -> Path:
        """Where dictations in progress write their recordings and journals."""
        return self.directory / UNFINISHED

    def begin_dictation(self) -> DictationJournal:
        """A new journal for a dictation starting now (creates the folders, 0700).

        Blocking file I/O: call it from a worker thread in async code.
        """
        self.unfinished_directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.directory, 0o700)
        return DictationJournal(self.unfinished_directory)

    def recover_unfinished(self) -> list[SavedRecording]:
        """Keep the dictations whose writer is gone: each recording (its readable part, as
        a complete FLAC) with the text its journal holds. Journals still locked by a live
        process are left alone. Blocking: call it from a worker thread in async code."""
        folder = self.unfinished_directory
        if not folder.is_dir():
            return []
        kept = []
        for journal in sorted(folder.glob(f"*{JOURNAL_SUFFIX}")):
            saved = self._recover(journal)
            if saved is not None:
                kept.append(saved)
        return kept

    def _recover(self, journal: Path) -> SavedRecording | None:
        try:
            handle = journal.open("rb")
        except OSError:
            return None  # removed by its writer meanwhile
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return None  # its dictation is still going on
            audio, text = _read_journal(handle.read())
            saved = None
            if audio is not None and audio.is_file():
                repaired = _complete_flac(audio)
                if repaired is not None:
                    saved = self.save(
                        repaired, text, when=datetime.fromtimestamp(audio.stat().st_mtime)
                    )
                audio.unlink(missing_ok=True)
            journal.unlink(missing_ok=True)
        return saved

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
        from groq_tui.audio.encoding import audio_info  # numpy and libsndfile: when listing

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


class DictationJournal:
    """What a dictation in progress has recorded and transcribed so far, on disk.

    One line of JSON per entry, appended and never rewritten (a kill mid-write loses at
    most the entry being written): ``{"audio": path}`` once the recording exists, then
    ``{"text": text so far}`` after each segment. The file stays locked (``flock``) until
    :meth:`close`, so another instance recovers only a journal whose writer is gone.
    Blocking file I/O: call the methods from a worker thread in async code.
    """

    def __init__(self, directory: Path) -> None:
        fd, name = tempfile.mkstemp(prefix="dictation-", suffix=JOURNAL_SUFFIX, dir=directory)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self.path = Path(name)
        self._fd: int | None = fd

    def record_audio(self, path: Path) -> None:
        """Note the recording's file (written by the recorder from now on)."""
        self._append({"audio": str(path)})

    def record_text(self, text: str) -> None:
        """Note everything transcribed so far."""
        self._append({"text": text})

    def _append(self, entry: dict[str, str]) -> None:
        if self._fd is not None:
            os.write(self._fd, json.dumps(entry).encode() + b"\n")

    def close(self) -> None:
        """The dictation ended normally: remove the journal (and release its lock)."""
        if self._fd is None:
            return
        self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None


def _read_journal(data: bytes) -> tuple[Path | None, str]:
    """The recording's path and the last text from a journal (a torn last line is skipped)."""
    audio: Path | None = None
    text = ""
    for line in data.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("audio"), str):
            audio = Path(entry["audio"])
        if isinstance(entry.get("text"), str):
            text = entry["text"]
    return audio, text


def _complete_flac(audio: Path) -> Path | None:
    """A complete FLAC of what can be decoded from a recording its writer never closed
    (its header has no length; the encoder's last buffer is lost), next to it; None if
    nothing can be decoded."""
    # Here, not at the top: the app looks for cut-off dictations at every start, and there
    # is seldom one to repair (libsndfile and numpy cost about 0.1 s to load).
    import soundfile  # type: ignore[import-untyped]

    target = audio.with_name(audio.stem + "-recovered.flac")
    frames = 0
    try:
        with contextlib.ExitStack() as stack:
            source = stack.enter_context(soundfile.SoundFile(str(audio)))
            block = max(1, int(source.samplerate) // 10)
            sink = stack.enter_context(
                soundfile.SoundFile(
                    str(target),
                    "w",
                    int(source.samplerate),
                    source.channels,
                    "PCM_16",
                    format="FLAC",
                )
            )
            while True:
                try:
                    data = source.read(block, dtype="int16")
                except (RuntimeError, ValueError):  # the torn end of the file
                    break
                if not len(data):
                    break
                sink.write(data)
                frames += len(data)
                if len(data) < block:
                    break
    except (RuntimeError, TypeError, ValueError, OSError):
        target.unlink(missing_ok=True)
        return None
    if not frames:
        target.unlink(missing_ok=True)
        return None
    return target
