"""Sending audio: one upload, or the pieces of a long recording, in parallel.

Pieces go ``concurrency`` at a time; a piece the server still refuses as too large (413)
is cut in two at a pause and sent again. Results come back with their offsets, for
:func:`~groq_tui.services.transcript_timeline.join_transcriptions`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict

from groq_tui.api import GroqClient, GroqError, RequestTooLargeError, Transcription
from groq_tui.api.params import AudioResponseFormat
from groq_tui.audio.encoding import (
    UPLOAD_EXTENSION,
    UPLOAD_RATE,
    UploadStream,
    encode_flac,
    read_mono,
)
from groq_tui.audio.errors import AudioDecodeError
from groq_tui.audio.splitting import Piece, split_at_silences
from groq_tui.services.errors import describe_error
from groq_tui.services.transcript_timeline import join_transcriptions

DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
"""The service's upload limit for the free tier (the dev tier allows 100 MB)."""
_MAX_RESPLITS = 3
_Results = list[tuple[float, Transcription]]
"""A piece's transcripts with their offsets in seconds (more than one if it was cut)."""

Granularity = Literal["word", "segment"]
ProgressCallback = Callable[[int, int], None]
"""Called with (pieces done, pieces in all) as each piece's text arrives."""


@dataclass(frozen=True)
class SpeechToTextOptions:
    """What every upload of speech is sent with (a file's pieces, a dictation's segments)."""

    model: str = "whisper-large-v3"
    language: str | None = None
    """ISO-639-1 code of the speech; None lets the service detect it."""
    prompt: str | None = None
    """Context or vocabulary (names, spellings) for the model."""
    translate: bool = False
    """English text through /audio/translations."""
    temperature: float | None = None


@dataclass(frozen=True)
class TranscriptionOptions(SpeechToTextOptions):
    """How a file is transcribed (``prompt`` goes with every piece)."""

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


# -- pieces ------------------------------------------------------------------------------------


async def transcribe_stream(
    client: GroqClient,
    stream: UploadStream,
    pieces: list[Piece],
    options: TranscriptionOptions,
    name: str,
    progress: ProgressCallback | None,
) -> Transcription:
    """Decode, encode and send ``pieces`` of ``stream`` in order, no more of them held at
    once than are in flight."""
    job = PieceJob(client, options, name, len(pieces), progress)
    reader = stream.flac_pieces([piece.end for piece in pieces])
    admitted = asyncio.Semaphore(max(1, options.concurrency))

    async def transcribe(start: int, upload: bytes, length: int) -> _Results:
        try:
            return await job.run(start, upload, length)
        finally:
            admitted.release()

    tasks: list[asyncio.Task[_Results]] = []
    try:
        async with asyncio.TaskGroup() as group:
            for piece in pieces:
                await admitted.acquire()
                upload, length = await asyncio.to_thread(next, reader, (b"", 0))
                if not length:  # the file decoded shorter this time
                    admitted.release()
                    continue
                tasks.append(group.create_task(transcribe(piece.start, upload, length)))
    except BaseExceptionGroup as failures:  # the first failure, with its own cause
        first = failures.exceptions[0]
        if isinstance(first, AudioDecodeError):  # the file changed since it was measured
            raise TranscriptionFailed(name, str(first)) from first
        raise first  # noqa: B904
    finally:
        await asyncio.to_thread(reader.close)
    return join_transcriptions([part for task in tasks for part in task.result()])


class PieceJob:
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
        self, start: int, upload: bytes, length: int, depth: int = 0
    ) -> list[tuple[float, Transcription]]:
        """The result of the piece starting at sample ``start``, ``length`` samples long and
        encoded as ``upload`` (or its halves' results, if it is too large to send)."""
        splittable = depth < _MAX_RESPLITS and length >= 2 * UPLOAD_RATE
        if len(upload) > self.options.max_upload_bytes:
            if splittable:
                return await self._halves(start, upload, length, depth)
            raise TranscriptionFailed(self.name, "a piece stays over the upload limit")
        try:
            async with self.limit:
                result = await send_upload(
                    self.client, upload, f"audio.{UPLOAD_EXTENSION}", self.options, self.name
                )
        except TranscriptionFailed as exc:
            if splittable and isinstance(exc.__cause__, RequestTooLargeError):
                return await self._halves(start, upload, length, depth)
            raise
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)
        return [(start / UPLOAD_RATE, result)]

    async def _halves(
        self, start: int, upload: bytes, length: int, depth: int
    ) -> list[tuple[float, Transcription]]:
        samples, _ = await asyncio.to_thread(read_mono, upload)  # 16-bit FLAC: lossless
        halves = split_at_silences(samples, UPLOAD_RATE, length / UPLOAD_RATE / 2)
        self.total += len(halves) - 1
        uploads = [
            await asyncio.to_thread(encode_flac, samples[half.start : half.end], UPLOAD_RATE)
            for half in halves
        ]
        del samples
        parts = await asyncio.gather(
            *(
                self.run(start + half.start, data, half.end - half.start, depth + 1)
                for half, data in zip(halves, uploads, strict=True)
            )
        )
        return [part for group in parts for part in group]


class _SharedUploadArgs(TypedDict):
    """What /audio/transcriptions and /audio/translations both take."""

    file: bytes
    filename: str
    model: str
    prompt: str | None
    response_format: AudioResponseFormat
    temperature: float | None


async def send_audio(
    client: GroqClient,
    data: bytes,
    filename: str,
    options: SpeechToTextOptions,
    *,
    response_format: AudioResponseFormat = "verbose_json",
    timestamp_granularities: Sequence[Granularity] | None = None,
) -> Transcription:
    """One upload to /audio/transcriptions or, to translate, /audio/translations (which
    takes neither a language nor timestamp granularities)."""
    shared = _SharedUploadArgs(
        file=data,
        filename=filename,
        model=options.model,
        prompt=options.prompt,
        response_format=response_format,
        temperature=options.temperature,
    )
    if options.translate:
        return await client.audio.translations.create(**shared)
    return await client.audio.transcriptions.create(
        **shared,
        language=options.language,
        timestamp_granularities=list(timestamp_granularities or ()) or None,
    )


async def send_upload(
    client: GroqClient, data: bytes, filename: str, options: TranscriptionOptions, name: str
) -> Transcription:
    """One request; API failures become :class:`TranscriptionFailed` naming the file."""
    verbose = options.response_format == "verbose_json"
    try:
        return await send_audio(
            client,
            data,
            filename,
            options,
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


__all__ = [
    "DEFAULT_MAX_UPLOAD_BYTES",
    "AudioRejected",
    "Granularity",
    "PieceJob",
    "ProgressCallback",
    "SpeechToTextOptions",
    "TranscriptionFailed",
    "TranscriptionOptions",
    "send_audio",
    "transcribe_stream",
]
