"""What is uploaded: 16 kHz mono 16-bit FLAC, the format Whisper works in.

Whisper resamples everything to 16 kHz mono on the server, so sending more (stereo, 44.1 or
48 kHz, WAV) only costs upload time: the FLAC made here is about a tenth of the WAV a
sound card records. Reading goes through libsndfile (WAV, FLAC, OGG/Opus, MP3 and more).
"""

from __future__ import annotations

import io
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile  # type: ignore[import-untyped]

from groq_tui.audio.errors import AudioDecodeError
from groq_tui.audio.resample import Samples, StreamResampler, resample
from groq_tui.audio.splitting import LevelMeter

UPLOAD_RATE = 16000
"""The sample rate the service transcribes at."""
UPLOAD_EXTENSION = "flac"
BLOCK_SECONDS = 20.0
"""How much of a file is decoded at a time when it is read in blocks."""
UNKNOWN_FRAMES = 2**63 - 1
"""What libsndfile reports as the length of a FLAC stream whose header does not say."""
FILE_FORMATS = {
    "wav": ("WAV", "PCM_16"),
    "flac": ("FLAC", "PCM_16"),
    "ogg": ("OGG", "VORBIS"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
}
"""The formats audio is written in here: libsndfile's container and encoding for each."""


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
        """Seconds of audio (0 when the header does not say)."""
        if not self.samplerate or self.frames >= UNKNOWN_FRAMES:
            return 0.0
        return self.frames / self.samplerate


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


def encode_audio(samples: npt.ArrayLike, rate: int, file_format: str) -> bytes:
    """Samples as a file in ``file_format`` (one of :data:`FILE_FORMATS`), at ``rate``."""
    container, subtype = FILE_FORMATS[file_format]
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format=container, subtype=subtype)
    return buffer.getvalue()


def encode_flac(samples: npt.ArrayLike, rate: int) -> bytes:
    """Mono float samples as 16-bit FLAC bytes, at ``rate`` as given."""
    return encode_audio(to_pcm16(to_mono(samples)), rate, "flac")


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


@dataclass
class UploadStream:
    """A file decoded block by block into 16 kHz mono, for files too long to hold in memory.

    Iterating decodes the file from its start, each time: memory holds a block, never the
    whole. Decoding stops at the first unreadable frame (a truncated or damaged file); what
    was read before it is kept, ``stopped`` says why and ``seconds_read`` how far it got.

    Args:
        path: The file.
        block_seconds: How much to decode at a time.
    """

    path: Path
    block_seconds: float = BLOCK_SECONDS
    seconds_read: float = field(default=0.0, init=False)
    """How much of the file was decoded by the last pass."""
    stopped: str | None = field(default=None, init=False)
    """Why the last pass stopped before the end of the file, if it did."""

    def __iter__(self) -> Generator[Samples, None, None]:
        self.seconds_read, self.stopped = 0.0, None
        try:
            audio = soundfile.SoundFile(str(self.path))
        except (RuntimeError, TypeError, ValueError) as exc:
            raise AudioDecodeError(f"not readable as audio ({_reason(exc)})") from exc
        with audio:
            rate = int(audio.samplerate)
            resampler = StreamResampler(rate, UPLOAD_RATE)
            block = max(1, round(self.block_seconds * rate))
            frames = 0
            while True:
                try:
                    data = audio.read(block, dtype="float32", always_2d=True)
                except (RuntimeError, TypeError, ValueError) as exc:
                    self.stopped = _reason(exc)
                    data = _readable_part(audio, frames, rate)
                if not len(data):
                    break
                frames += len(data)
                self.seconds_read = frames / rate
                out = resampler.feed(to_mono(data))
                del data
                if out.size:
                    yield out
                if self.stopped:
                    break
            tail = resampler.flush()
            if tail.size:
                yield tail

    def flac_pieces(self, ends: Sequence[int]) -> Generator[tuple[bytes, int], None, None]:
        """Consecutive pieces of the 16 kHz stream as 16-bit FLAC, with their lengths in
        samples: each ends (exclusive) at the next of ``ends``, the last takes whatever
        remains. Blocks are encoded as they are decoded: only the FLAC is held."""
        blocks = iter(self)
        carry: Samples = np.zeros(0, np.float32)
        position = 0
        try:
            for index, end in enumerate(ends):
                wanted = None if index == len(ends) - 1 else end - position
                buffer = io.BytesIO()
                written = 0
                with soundfile.SoundFile(
                    buffer, "w", UPLOAD_RATE, 1, format="FLAC", subtype="PCM_16"
                ) as flac:
                    while wanted is None or written < wanted:
                        if not carry.size:
                            block = next(blocks, None)
                            if block is None:
                                break
                            carry = block
                        take = carry.size if wanted is None else min(carry.size, wanted - written)
                        flac.write(to_pcm16(carry[:take]))
                        written += take
                        carry = carry[take:]
                position += written
                yield buffer.getvalue(), written
        finally:
            blocks.close()


def _readable_part(audio: soundfile.SoundFile, start: int, rate: int) -> npt.NDArray[np.float32]:
    """What can be read from frame ``start`` on, in small steps, before the data fails."""
    parts: list[npt.NDArray[np.float32]] = []
    try:
        audio.seek(start)
        while len(part := audio.read(max(1, rate // 10), dtype="float32", always_2d=True)):
            parts.append(part)
    except (RuntimeError, TypeError, ValueError):
        pass
    return np.concatenate(parts) if parts else np.zeros((0, audio.channels), np.float32)


def has_samples(path: Path) -> bool:
    """Whether the first block of ``path`` decodes to at least one sample.

    Raises:
        AudioDecodeError: it cannot be opened, or its first block not decoded.
    """
    stream = UploadStream(path, block_seconds=1.0)
    for block in stream:
        if block.size:
            return True
    if stream.stopped:
        raise AudioDecodeError(f"not readable as audio ({stream.stopped})")
    return False


@dataclass(frozen=True)
class AudioScan:
    """One pass over a file in 16 kHz mono: what is needed to check it and plan its pieces."""

    samples: int
    """How many 16 kHz samples it decodes to."""
    peak: float
    """Its loudest sample's magnitude."""
    levels: npt.NDArray[np.float64]
    """The levels of its 20 ms frames (see :class:`~groq_tui.audio.splitting.LevelMeter`)."""
    seconds_read: float
    stopped: str | None
    """Why decoding stopped before the end of the file, if it did."""


def scan_file(path: Path) -> AudioScan:
    """Decode ``path`` once, in blocks, keeping its length, peak and frame levels only.

    Raises:
        AudioDecodeError: it cannot be opened as audio.
    """
    stream = UploadStream(path)
    meter = LevelMeter(UPLOAD_RATE)
    samples, peak = 0, 0.0
    for block in stream:
        samples += block.size
        peak = max(peak, float(np.max(np.abs(block))))
        meter.feed(block)
    return AudioScan(samples, peak, meter.levels(), stream.seconds_read, stream.stopped)


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
    text = str(exc).strip() or str(getattr(exc, "error_string", "")).strip()
    if "does not exist or is not a regular file" in text:  # libsndfile on a corrupt MP3
        return "corrupt, or not audio"
    # libsndfile's message follows the path it repeats; keep only the reason.
    text = text.rsplit(": ", 1)[-1] if ": " in text else text
    text = text.rstrip(".")  # it ends the message's parenthesis
    return text if text and text != "Unspecified internal error" else "corrupt data"
