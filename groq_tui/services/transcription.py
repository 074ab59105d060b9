"""Transcribing (or translating) a whole file or recording, however long.

What is sent is what the service needs, not more, and what a file holds is read from its
content, not its name. An MP3 or Ogg file under the upload limit goes as it is (named for
what it holds), as does a complete 16 kHz mono FLAC. Anything else libsndfile reads (WAV,
FLAC at other rates or with more channels, a truncated FLAC, anything over the limit) is
decoded in blocks, downmixed, resampled to 16 kHz and sent as FLAC (about a tenth of a
44.1 kHz stereo WAV); if that is still too big - or longer than ``max_piece_seconds`` -
it is cut at its pauses into pieces, which are transcribed in parallel and joined in
order, their segment and word timestamps shifted to the whole's timeline. Memory does not
grow with the file's length: one pass measures it, a second decodes the pieces as they go.

Every failure is a :class:`TranscriptionFailed` naming the file and the reason; when the
input must change and nothing was sent (no such file, unsupported format, not audio,
no samples, silent) it is an :class:`AudioRejected`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from groq_tui.api import (
    GroqClient,
    InvalidRequestParameter,
    Transcription,
)
from groq_tui.api.params import audio_extension
from groq_tui.audio.encoding import (
    UNKNOWN_FRAMES,
    UPLOAD_RATE,
    AudioInfo,
    AudioScan,
    UploadStream,
    audio_info,
    encode_flac,
    has_samples,
    scan_file,
)
from groq_tui.audio.errors import AudioDecodeError
from groq_tui.audio.resample import Samples, resample
from groq_tui.audio.splitting import (
    Piece,
    max_seconds_for_bytes,
    split_at_silences,
    split_by_levels,
)
from groq_tui.services.transcript_timeline import (
    join_transcriptions,
    shift_segments,
    shift_words,
)
from groq_tui.services.transcription_upload import (
    DEFAULT_MAX_UPLOAD_BYTES,
    AudioRejected,
    PieceJob,
    ProgressCallback,
    SpeechToTextOptions,
    TranscriptionFailed,
    TranscriptionOptions,
    send_audio,
    send_upload,
    transcribe_stream,
)

SILENT_DB = -60.0
"""A recording whose loudest sample is below this (dBFS) has nothing to transcribe."""
DECODABLE = frozenset({"flac", "mp3", "mpga", "ogg", "opus", "wav"})
"""Extensions libsndfile decodes, so such files can be resampled and split here."""
_LOSSY = frozenset({"MP3", "OGG"})
"""Containers of lossy audio (MP3; Vorbis or Opus in Ogg), sent as they are when they fit."""
_EXTENSIONS = {"FLAC": "flac", "MP3": "mp3", "OGG": "ogg", "WAV": "wav"}

# -- the service -------------------------------------------------------------------------------


async def transcribe_file(
    client: GroqClient,
    path: str | os.PathLike[str],
    options: TranscriptionOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    notice: Callable[[str], None] | None = None,
) -> Transcription:
    """Transcribe (or translate) the audio file at ``path``.

    What a file holds is read from its content, not its name (MP3 data named ``.wav`` is
    sent as MP3). A file that is decoded here is read in blocks, twice (once to measure
    it and plan the pieces, once to send them), so memory does not grow with its length.
    A damaged or truncated file is transcribed as far as it decodes, and ``notice`` is
    told how far that was.

    Raises:
        AudioRejected: the file is not audio that can be sent (nothing was sent).
        TranscriptionFailed: naming the file and the reason.
    """
    options = options or TranscriptionOptions()
    source = Path(path)
    name = str(path)
    ext, size = await asyncio.to_thread(_check_file, source, name)
    over = size > options.max_upload_bytes
    if ext not in DECODABLE:
        if over:
            raise AudioRejected(
                name,
                f"{size / 2**20:.1f} MB is over the {options.max_upload_bytes / 2**20:.0f} MB "
                f"upload limit, and .{ext} cannot be split here: convert it to FLAC first "
                f"(e.g. ffmpeg -i {source.name} -ar 16000 -ac 1 out.flac)",
            )
        return await _send_file(client, source, source.name, options, name, progress)
    try:
        info = await asyncio.to_thread(audio_info, source)
        if info.format in _LOSSY and not over:  # re-encoding would only make it larger
            if not await asyncio.to_thread(has_samples, source):
                raise AudioRejected(name, "no audio: it holds no samples")
            upload_name = _upload_name(source, info)
            return await _send_file(client, source, upload_name, options, name, progress)
        scan = await asyncio.to_thread(scan_file, source)
    except AudioDecodeError as exc:
        raise AudioRejected(name, str(exc)) from exc
    _check_scan(scan, info, name)
    if scan.stopped and notice is not None:
        notice(
            f"{name}: only the first {scan.seconds_read:.1f} s could be decoded "
            f"({scan.stopped}); transcribing that"
        )
    if not (over or scan.stopped) and (info.format, info.samplerate, info.channels) == (
        "FLAC",
        UPLOAD_RATE,
        1,
    ):  # already what would be sent
        return await _send_file(client, source, _upload_name(source, info), options, name, progress)
    pieces = split_by_levels(scan.levels, scan.samples, UPLOAD_RATE, _piece_seconds(options))
    return await transcribe_stream(client, UploadStream(source), pieces, options, name, progress)


async def transcribe_samples(
    client: GroqClient,
    samples: Samples,
    rate: int,
    options: TranscriptionOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    name: str = "the recording",
) -> Transcription:
    """Transcribe mono float samples at ``rate``: resampled, split if needed, joined.

    Raises:
        TranscriptionFailed: the audio is empty or silent, or the API failed.
    """
    options = options or TranscriptionOptions()
    if samples.size == 0:
        raise AudioRejected(name, "no audio: it is empty")
    peak = float(np.max(np.abs(samples)))
    if peak <= 10 ** (SILENT_DB / 20):
        raise AudioRejected(name, "silent: there is no sound to transcribe")
    audio = (
        samples
        if rate == UPLOAD_RATE
        else await asyncio.to_thread(resample, samples, rate, UPLOAD_RATE)
    )
    pieces = await asyncio.to_thread(split_at_silences, audio, UPLOAD_RATE, _piece_seconds(options))
    job = PieceJob(client, options, name, len(pieces), progress)

    async def transcribe(piece: Piece) -> list[tuple[float, Transcription]]:
        upload = await asyncio.to_thread(encode_flac, audio[piece.start : piece.end], UPLOAD_RATE)
        return await job.run(piece.start, upload, piece.end - piece.start)

    results = await asyncio.gather(*(transcribe(piece) for piece in pieces))
    return join_transcriptions([part for parts in results for part in parts])


def _check_file(source: Path, name: str) -> tuple[str, int]:
    """The file's extension and size, once it is known to be a non-empty file the service
    accepts."""
    if not source.exists():
        raise AudioRejected(name, "no such file")
    if source.is_dir():
        raise AudioRejected(name, "is a directory, not an audio file")
    try:
        ext = audio_extension(source.name)
    except InvalidRequestParameter as exc:
        reason = exc.message.split(": ", 1)[-1]
        raise AudioRejected(name, f"unsupported format: {reason}") from exc
    size = source.stat().st_size
    if size == 0:
        raise AudioRejected(name, "no audio: the file is empty")
    return ext, size


def _check_scan(scan: AudioScan, info: AudioInfo, name: str) -> None:
    """Refuse a file that decoded to nothing, or to silence."""
    if not scan.samples:
        if scan.stopped and 0 < info.frames < UNKNOWN_FRAMES:
            raise AudioRejected(name, f"not readable as audio ({scan.stopped})")
        raise AudioRejected(name, "no audio: it holds no samples")
    if scan.peak <= 10 ** (SILENT_DB / 20):
        raise AudioRejected(name, "silent: there is no sound to transcribe")


def _piece_seconds(options: TranscriptionOptions) -> float:
    """The longest piece to send: under the upload limit, and ``max_piece_seconds``."""
    limit_seconds = max_seconds_for_bytes(options.max_upload_bytes)
    if options.max_piece_seconds:
        limit_seconds = min(limit_seconds, options.max_piece_seconds)
    return limit_seconds


def _upload_name(source: Path, info: AudioInfo) -> str:
    """The file's name with the extension of what it holds (MP3 data named .wav goes as
    .mp3: the server reads the name)."""
    ext = source.suffix.lower().lstrip(".")
    real = _EXTENSIONS.get(info.format, ext)
    if ext == real or (real == "ogg" and ext == "opus") or (real == "mp3" and ext == "mpga"):
        return source.name
    return f"{source.stem}.{real}"


async def _send_file(
    client: GroqClient,
    source: Path,
    upload_name: str,
    options: TranscriptionOptions,
    name: str,
    progress: ProgressCallback | None,
) -> Transcription:
    """The file sent as it is, under ``upload_name``."""
    data = await asyncio.to_thread(source.read_bytes)
    result = await send_upload(client, data, upload_name, options, name)
    if progress is not None:
        progress(1, 1)
    return result


__all__ = [
    "DEFAULT_MAX_UPLOAD_BYTES",
    "AudioRejected",
    "ProgressCallback",
    "SpeechToTextOptions",
    "TranscriptionFailed",
    "TranscriptionOptions",
    "join_transcriptions",
    "send_audio",
    "shift_segments",
    "shift_words",
    "transcribe_file",
    "transcribe_samples",
]
