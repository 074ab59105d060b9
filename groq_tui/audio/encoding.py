"""What is uploaded: 16 kHz mono 16-bit FLAC, the format Whisper works in.

Whisper resamples everything to 16 kHz mono on the server, so sending more (stereo, 44.1 or
48 kHz, WAV) only costs upload time: the FLAC made here is about a tenth of the WAV a
sound card records. Reading goes through libsndfile (WAV, FLAC, OGG/Opus, MP3 and more).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile  # type: ignore[import-untyped]

from groq_tui.audio.errors import AudioDecodeError
from groq_tui.audio.resample import Samples, resample

UPLOAD_RATE = 16000
"""The sample rate the service transcribes at."""
UPLOAD_EXTENSION = "flac"


@dataclass(frozen=True)
class AudioInfo:
    """What an audio file or buffer holds, from its header."""

    format: str
    """libsndfile's container name: ``FLAC``, ``WAV``, ``OGG``, ``MP3``..."""
    subtype: str
    """The encoding inside it: ``PCM_16``, ``VORBIS``..."""
    samplerate: int
    channels: int
    frames: int

    @property
    def duration(self) -> float:
        """Seconds of audio."""
        return self.frames / self.samplerate if self.samplerate else 0.0


def to_mono(samples: npt.ArrayLike) -> Samples:
    """float32 mono: the mean of the channels of a (frames, channels) array."""
    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 2:
        data = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
    return np.ascontiguousarray(data, dtype=np.float32)


def to_pcm16(samples: npt.ArrayLike) -> npt.NDArray[np.int16]:
    """float samples in [-1, 1] as int16, clipped and rounded."""
    data = np.asarray(samples, dtype=np.float32)
    return np.round(np.clip(data, -1.0, 32767 / 32768) * 32768).astype(np.int16)


def encode_flac(samples: npt.ArrayLike, rate: int) -> bytes:
    """Mono float samples as 16-bit FLAC bytes, at ``rate`` as given."""
    buffer = io.BytesIO()
    soundfile.write(buffer, to_pcm16(to_mono(samples)), rate, format="FLAC", subtype="PCM_16")
    return buffer.getvalue()


def to_upload_flac(samples: npt.ArrayLike, rate: int) -> bytes:
    """Any float samples (mono, or (frames, channels)) as the 16 kHz mono FLAC to upload."""
    mono = to_mono(samples)
    if rate != UPLOAD_RATE:
        mono = resample(mono, rate, UPLOAD_RATE)
    return encode_flac(mono, UPLOAD_RATE)


def audio_info(source: bytes | Path) -> AudioInfo:
    """The header of audio ``source`` (bytes or a path).

    Raises:
        AudioDecodeError: it is empty or not audio libsndfile can read.
    """
    _check_source(source)
    try:
        info = soundfile.info(io.BytesIO(source) if isinstance(source, bytes) else str(source))
    except (RuntimeError, TypeError, ValueError) as exc:  # LibsndfileError is a RuntimeError
        raise AudioDecodeError(f"not readable as audio ({_reason(exc)})") from exc
    return AudioInfo(
        format=str(info.format),
        subtype=str(info.subtype),
        samplerate=int(info.samplerate),
        channels=int(info.channels),
        frames=int(info.frames),
    )


def read_mono(source: bytes | Path) -> tuple[Samples, int]:
    """Decode ``source`` to float32 mono samples and their rate.

    Raises:
        AudioDecodeError: it is empty, corrupt, or in a format libsndfile cannot decode.
    """
    _check_source(source)
    try:
        data, rate = soundfile.read(
            io.BytesIO(source) if isinstance(source, bytes) else str(source),
            dtype="float32",
            always_2d=True,
        )
    except (RuntimeError, TypeError, ValueError) as exc:
        raise AudioDecodeError(f"not readable as audio ({_reason(exc)})") from exc
    return to_mono(data), int(rate)


def _check_source(source: bytes | Path) -> None:
    if isinstance(source, bytes):
        if not source:
            raise AudioDecodeError("no audio: the data is empty")
        return
    if not source.exists():
        raise AudioDecodeError("no such file")
    if source.is_dir():
        raise AudioDecodeError("it is a directory")
    if source.stat().st_size == 0:
        raise AudioDecodeError("no audio: the file is empty")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    if "does not exist or is not a regular file" in text:  # libsndfile on a corrupt MP3
        return "corrupt, or not audio"
    # libsndfile's message follows the path it repeats; keep only the reason.
    return text.rsplit(": ", 1)[-1] if ": " in text else text or type(exc).__name__
