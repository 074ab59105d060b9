"""One audio file written from several encoded pieces, one piece in memory at a time."""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any

import numpy as np

from groq_tui.audio.playback import decode_audio
from groq_tui.audio.resample import resample

CONTAINERS = {
    "wav": ("WAV", "PCM_16"),
    "flac": ("FLAC", "PCM_16"),
    "ogg": ("OGG", "VORBIS"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
}
"""The formats a joined file can be written in (libsndfile)."""


class JoinedAudioFile:
    """Appends decoded pieces to one mono file at the first piece's rate (blocking calls).

    Args:
        path: Where to write.
        file_format: One of :data:`CONTAINERS`.
    """

    def __init__(self, path: str | os.PathLike[str], file_format: str) -> None:
        if file_format not in CONTAINERS:
            raise ValueError(f"cannot write {file_format!r}; formats: {', '.join(CONTAINERS)}")
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
            container, subtype = CONTAINERS[self.file_format]
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

    def __enter__(self) -> JoinedAudioFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
