"""Transcribing (or translating) a whole file or recording, however long.

What is sent is what the service needs, not more. A file under the upload limit in a
compressed format goes as it is. A WAV file, a recording, or anything over the limit is
decoded, resampled to 16 kHz mono and sent as FLAC (about a tenth of a 44.1 kHz stereo
WAV); if that is still too big - or longer than ``max_piece_seconds`` - it is cut at its
pauses into pieces, which are transcribed in parallel (``concurrency`` at a time) and
joined in order, their segment and word timestamps shifted to the whole's timeline. A
piece the server still refuses as too large (413) is cut in two and sent again.

Every failure is a :class:`TranscriptionFailed` naming the file and the reason: no such
file, unsupported format, corrupt, empty or silent, too large to split, or the API's error.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from groq_tui.api import (
    GroqClient,
    GroqError,
    InvalidRequestParameter,
    RequestTooLargeError,
    Transcription,
    TranscriptionSegment,
    TranscriptionWord,
)
from groq_tui.api.params import AudioResponseFormat, audio_extension
from groq_tui.audio.encoding import (
    UPLOAD_EXTENSION,
    UPLOAD_RATE,
    encode_flac,
    read_mono,
)
from groq_tui.audio.errors import AudioDecodeError
from groq_tui.audio.resample import Samples, resample
from groq_tui.audio.splitting import Piece, max_seconds_for_bytes, split_at_silences
from groq_tui.services.errors import describe_error

DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
"""The service's upload limit for the free tier (the dev tier allows 100 MB)."""
SILENT_DB = -60.0
"""A recording whose loudest sample is below this (dBFS) has nothing to transcribe."""
DECODABLE = frozenset({"flac", "mp3", "mpga", "ogg", "opus", "wav"})
"""Extensions libsndfile decodes, so such files can be resampled and split here."""
_MAX_RESPLITS = 3

Granularity = Literal["word", "segment"]
ProgressCallback = Callable[[int, int], None]
"""Called with (pieces done, pieces in all) as each piece's text arrives."""


@dataclass(frozen=True)
class TranscriptionOptions:
    """How a file is transcribed."""

    model: str = "whisper-large-v3"
    language: str | None = None
    """ISO-639-1 code of the speech; None lets the service detect it."""
    prompt: str | None = None
    """Context or vocabulary, sent with every piece."""
    translate: bool = False
    """English text through /audio/translations."""
    temperature: float | None = None
    timestamp_granularities: tuple[Granularity, ...] = ("segment",)
    """What to time (translations time segments only; verbose_json only)."""
    response_format: AudioResponseFormat = "verbose_json"
    """What to ask for: "json" and "text" give the text alone, without timestamps."""
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    """The largest upload the server takes."""
    max_piece_seconds: float | None = 600.0
    """Cut longer audio into pieces of at most this, to transcribe them in parallel."""
    concurrency: int = 3
    """Pieces in flight at once."""


class TranscriptionFailed(Exception):
    """A file could not be transcribed; ``str()`` names it and says why."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class AudioRejected(TranscriptionFailed):
    """The file or the audio was refused here, before anything was sent (the user must fix
    the input: a missing file, a directory, a format or content that is not audio)."""


# -- timestamps --------------------------------------------------------------------------------


def shift_segments(
    segments: Sequence[TranscriptionSegment], offset: float, first_id: int = 0
) -> list[TranscriptionSegment]:
    """``segments`` moved ``offset`` seconds later and numbered from ``first_id``."""
    return [
        segment.model_copy(
            update={
                "id": first_id + i,
                "start": segment.start + offset,
                "end": segment.end + offset,
            }
        )
        for i, segment in enumerate(segments)
    ]


def shift_words(words: Sequence[TranscriptionWord], offset: float) -> list[TranscriptionWord]:
    """``words`` moved ``offset`` seconds later."""
    return [
        word.model_copy(update={"start": word.start + offset, "end": word.end + offset})
        for word in words
    ]


def join_transcriptions(parts: Sequence[tuple[float, Transcription]]) -> Transcription:
    """One transcription from pieces given as (offset in seconds, result), in order.

    Texts are joined with single spaces; segments and words are shifted by their piece's
    offset (segments renumbered); the duration is the last piece's end.
    """
    if not parts:
        return Transcription(text="")
    if len(parts) == 1 and parts[0][0] == 0:
        return parts[0][1]
    segments: list[TranscriptionSegment] = []
    words: list[TranscriptionWord] = []
    has_segments = any(result.segments is not None for _, result in parts)
    has_words = any(result.words is not None for _, result in parts)
    for offset, result in parts:
        segments += shift_segments(result.segments or [], offset, len(segments))
        words += shift_words(result.words or [], offset)
    last_offset, last = parts[-1]
    duration = last_offset + last.duration if last.duration is not None else None
    first = parts[0][1]
    return Transcription(
        text=" ".join(text for _, result in parts if (text := result.text.strip())),
        task=first.task,
        language=first.language,
        duration=duration,
        segments=segments if has_segments else None,
        words=words if has_words else None,
    )


# -- the service -------------------------------------------------------------------------------


async def transcribe_file(
    client: GroqClient,
    path: str | os.PathLike[str],
    options: TranscriptionOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> Transcription:
    """Transcribe (or translate) the audio file at ``path``.

    Raises:
        TranscriptionFailed: naming the file and the reason.
    """
    options = options or TranscriptionOptions()
    source = Path(path)
    name = str(path)
    ext, size = await asyncio.to_thread(_check_file, source, name)
    over = size > options.max_upload_bytes
    if ext in DECODABLE and (over or ext == "wav"):
        try:
            samples, rate = await asyncio.to_thread(read_mono, source)
        except AudioDecodeError as exc:
            raise AudioRejected(name, str(exc)) from exc
        return await transcribe_samples(
            client, samples, rate, options, progress=progress, name=name
        )
    if over:
        raise AudioRejected(
            name,
            f"{size / 2**20:.1f} MB is over the {options.max_upload_bytes / 2**20:.0f} MB "
            f"upload limit, and .{ext} cannot be split here: convert it to FLAC first "
            f"(e.g. ffmpeg -i {source.name} -ar 16000 -ac 1 out.flac)",
        )
    if ext in DECODABLE:
        try:
            await asyncio.to_thread(_check_header, source)
        except AudioDecodeError as exc:
            raise AudioRejected(name, str(exc)) from exc
    data = await asyncio.to_thread(source.read_bytes)
    result = await _send(client, data, source.name, options, name)
    if progress is not None:
        progress(1, 1)
    return result


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
    limit_seconds = max_seconds_for_bytes(options.max_upload_bytes)
    if options.max_piece_seconds:
        limit_seconds = min(limit_seconds, options.max_piece_seconds)
    pieces = await asyncio.to_thread(split_at_silences, audio, UPLOAD_RATE, limit_seconds)
    job = _PieceJob(client, options, name, len(pieces), progress)
    results = await asyncio.gather(*(job.run(audio, piece, 0) for piece in pieces))
    return join_transcriptions([part for parts in results for part in parts])


class _PieceJob:
    """Transcribes pieces with bounded concurrency, counting progress."""

    def __init__(
        self,
        client: GroqClient,
        options: TranscriptionOptions,
        name: str,
        total: int,
        progress: ProgressCallback | None,
    ) -> None:
        self.client = client
        self.options = options
        self.name = name
        self.total = total
        self.done = 0
        self.progress = progress
        self.limit = asyncio.Semaphore(max(1, options.concurrency))

    async def run(
        self, audio: Samples, piece: Piece, depth: int
    ) -> list[tuple[float, Transcription]]:
        """The piece's result (or its halves' results, if it is too large to send)."""
        upload = await asyncio.to_thread(encode_flac, audio[piece.start : piece.end], UPLOAD_RATE)
        splittable = depth < _MAX_RESPLITS and piece.end - piece.start >= 2 * UPLOAD_RATE
        if len(upload) > self.options.max_upload_bytes:
            if splittable:
                return await self._halves(audio, piece, depth)
            raise TranscriptionFailed(self.name, "a piece stays over the upload limit")
        try:
            async with self.limit:
                result = await _send(
                    self.client, upload, f"audio.{UPLOAD_EXTENSION}", self.options, self.name
                )
        except TranscriptionFailed as exc:
            if splittable and isinstance(exc.__cause__, RequestTooLargeError):
                return await self._halves(audio, piece, depth)
            raise
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)
        return [(piece.offset(UPLOAD_RATE), result)]

    async def _halves(
        self, audio: Samples, piece: Piece, depth: int
    ) -> list[tuple[float, Transcription]]:
        samples = audio[piece.start : piece.end]
        halves = split_at_silences(
            samples, UPLOAD_RATE, (piece.end - piece.start) / UPLOAD_RATE / 2
        )
        self.total += len(halves) - 1
        parts = await asyncio.gather(
            *(
                self.run(audio, Piece(piece.start + half.start, piece.start + half.end), depth + 1)
                for half in halves
            )
        )
        return [part for group in parts for part in group]


async def send_audio(
    client: GroqClient,
    data: bytes,
    filename: str,
    *,
    model: str,
    translate: bool = False,
    language: str | None = None,
    prompt: str | None = None,
    temperature: float | None = None,
    response_format: AudioResponseFormat = "verbose_json",
    timestamp_granularities: Sequence[Granularity] | None = None,
) -> Transcription:
    """One upload to /audio/transcriptions or, to translate, /audio/translations (which
    takes neither a language nor timestamp granularities)."""
    if translate:
        return await client.audio.translations.create(
            file=data,
            filename=filename,
            model=model,
            prompt=prompt,
            response_format=response_format,
            temperature=temperature,
        )
    return await client.audio.transcriptions.create(
        file=data,
        filename=filename,
        model=model,
        language=language,
        prompt=prompt,
        response_format=response_format,
        temperature=temperature,
        timestamp_granularities=list(timestamp_granularities or ()) or None,
    )


async def _send(
    client: GroqClient, data: bytes, filename: str, options: TranscriptionOptions, name: str
) -> Transcription:
    """One request; API failures become :class:`TranscriptionFailed` naming the file."""
    verbose = options.response_format == "verbose_json"
    try:
        return await send_audio(
            client,
            data,
            filename,
            model=options.model,
            translate=options.translate,
            language=options.language,
            prompt=options.prompt,
            temperature=options.temperature,
            response_format=options.response_format,
            # The API refuses timestamps for anything but verbose_json.
            timestamp_granularities=options.timestamp_granularities if verbose else None,
        )
    except RequestTooLargeError as exc:
        raise TranscriptionFailed(
            name,
            f"the server refused it as too large ({exc}); set a lower upload limit",
        ) from exc
    except GroqError as exc:
        raise TranscriptionFailed(name, describe_error(exc, client.base_url)) from exc


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


def _check_header(source: Path) -> None:
    """Raise :class:`AudioDecodeError` if libsndfile cannot read the file's header."""
    from groq_tui.audio.encoding import audio_info

    info = audio_info(source)
    if info.frames == 0 and info.format not in ("MPEG", "MP3"):
        raise AudioDecodeError("no audio: it holds no samples")


__all__ = [
    "DEFAULT_MAX_UPLOAD_BYTES",
    "ProgressCallback",
    "TranscriptionFailed",
    "TranscriptionOptions",
    "join_transcriptions",
    "send_audio",
    "shift_segments",
    "shift_words",
    "transcribe_file",
    "transcribe_samples",
]
