"""``groq-tui transcribe`` and ``groq-tui translate``: an audio file to text."""

from __future__ import annotations

import argparse
import sys
from typing import Literal

from groq_tui.api import InvalidRequestParameter, Transcription
from groq_tui.api.params import AudioResponseFormat, check_audio_params
from groq_tui.cli.common import EXIT_USAGE, client_from, describe_error, exit_code_for, fail
from groq_tui.cli.terminal import control_stream
from groq_tui.config import Settings
from groq_tui.services.typed_path import typed_path
from groq_tui.subtitles import to_srt, to_vtt

Granularity = Literal["word", "segment"]


def _granularities(value: str | None) -> list[Granularity] | None:
    if not value:
        return None
    chosen: list[Granularity] = []
    for part in value.split(","):
        part = part.strip()
        if part == "word":
            chosen.append("word")
        elif part == "segment":
            chosen.append("segment")
        else:
            raise InvalidRequestParameter(
                "timestamps", f"must be word, segment or word,segment; got {part!r}"
            )
    return chosen


def render(result: Transcription, output_format: str) -> str:
    """What goes to stdout for the chosen --format."""
    if output_format == "verbose_json":
        return result.model_dump_json(indent=2, exclude_unset=True) + "\n"
    if output_format in ("srt", "vtt"):
        if not result.segments:
            raise InvalidRequestParameter(
                "format", "the server returned no segments to build subtitles from"
            )
        return to_srt(result.segments) if output_format == "srt" else to_vtt(result.segments)
    return result.text.strip() + "\n"


async def run_audio(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``groq-tui transcribe`` or ``groq-tui translate``; returns the exit code.

    Files go through the transcription service: a WAV file, or anything over the upload
    limit (``max_upload_mb``), is sent as 16 kHz mono FLAC, split at pauses into pieces
    transcribed in parallel when it is still too large, and joined with shifted timestamps.
    """
    from groq_tui.services.transcription import (
        AudioRejected,
        TranscriptionFailed,
        TranscriptionOptions,
        transcribe_file,
    )

    translate = args.command == "translate"
    output_format: str = args.format
    response_format: AudioResponseFormat = (
        "verbose_json"
        if output_format in ("verbose_json", "srt", "vtt")
        else "text"
        if output_format == "text"
        else "json"
    )
    model = args.model or settings.audio_model
    language = None if translate else args.language
    try:
        granularities = None if translate else _granularities(args.timestamps)
        if output_format in ("srt", "vtt") and not granularities:
            granularities = None if translate else ["segment"]
        check_audio_params(
            model=model,
            response_format=response_format,
            temperature=args.temperature,
            timestamp_granularities=granularities,
            language=language,
        )
    except InvalidRequestParameter as exc:
        return fail(describe_error(exc), exit_code_for(exc))
    options = TranscriptionOptions(
        model=model,
        language=language,
        prompt=args.prompt,
        translate=translate,
        temperature=args.temperature,
        timestamp_granularities=tuple(granularities or ()),
        response_format=response_format,
        max_upload_bytes=int(settings.max_upload_mb * 1024 * 1024),
    )
    try:
        path = typed_path(args.file)  # a pasted file:// URL or quoted path too
    except ValueError as exc:
        return fail(f"{args.file}: {exc}", EXIT_USAGE)
    async with client_from(settings) as client:
        try:
            result = await transcribe_file(
                client, path, options, progress=_progress, notice=_notice
            )
            text = render(result, output_format)
        except AudioRejected as exc:  # nothing was sent: the input must change
            return fail(str(exc), EXIT_USAGE)
        except TranscriptionFailed as exc:
            return fail(str(exc), exit_code_for(exc.__cause__ or exc))
        except InvalidRequestParameter as exc:
            return fail(f"{args.file}: {describe_error(exc)}", exit_code_for(exc))
    sys.stdout.write(text)
    return 0


def _notice(message: str) -> None:
    """Something the user should know about the transcript (it covers part of the file)."""
    sys.stderr.write(f"groq-tui: warning: {message}\n")
    sys.stderr.flush()


def _progress(done: int, total: int) -> None:
    """Pieces done, on a terminal's stderr, for files long enough to be split."""
    if total > 1 and sys.stderr.isatty():
        end = "\n" if done == total else ""
        stream = control_stream(sys.stderr)
        stream.write(f"\rgroq-tui: {done}/{total} pieces transcribed{end}")
        stream.flush()
