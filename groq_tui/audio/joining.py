"""One audio file written from several encoded pieces, one piece in memory at a time."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from groq_tui.audio.encoding import FILE_FORMATS
from groq_tui.audio.playback import decode_audio
from groq_tui.audio.resample import resample


class JoinedAudioFile:
    """Appends decoded pieces to one mono file at the first piece's rate (blocking calls).

    Args:
        path: Where to write.
        file_format: One of :data:`FILE_FORMATS`.
    """

    def __init__(self, path: str | os.PathLike[str], file_format: str) -> None:
        if file_format not in FILE_FORMATS:
            raise ValueError(f"cannot write {file_format!r}; formats: {', '.join(FILE_FORMATS)}")
        self.path = path
        self.file_format = file_format
        self.samplerate: int | None = None
        self.frames = 0
        self._file: Any = None

    def append(self, encoded: bytes) -> None:
        """Decode ``encoded`` (wav, flac, ogg, mp3) and add its samples to the file."""
        import soundfile  # type: ignore[import-untyped]

        samples, rate = decode_audio(encoded)
        if self._file is None:
            container, subtype = FILE_FORMATS[self.file_format]
            self.samplerate = rate
            self._file = soundfile.SoundFile(
                self.path, "w", samplerate=rate, channels=1, format=container, subtype=subtype
            )
        elif rate != self.samplerate:
            samples = resample(samples, rate, self.samplerate or rate)
        self._file.write(np.asarray(samples, dtype=np.float32))
        self.frames += len(samples)

    def close(self) -> None:
        """Finish the file (idempotent)."""
        if self._file is not None:
            self._file.close()
            self._file = None
