"""``groq-tui transcribe`` and ``groq-tui translate``: an audio file to text."""

from __future__ import annotations

import argparse
import sys
from typing import Literal

from groq_tui.api import InvalidRequestParameter, Transcription
from groq_tui.api.params import AudioResponseFormat
from groq_tui.cli.common import (
    client_from,
    describe_error,
    describe_error_async,
    exit_code_for,
    fail,
)
from groq_tui.config import Settings
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
    """Run ``groq-tui transcribe`` or ``groq-tui translate``; returns the exit code."""
    translate = args.command == "translate"
    output_format: str = args.format
    response_format: AudioResponseFormat = (
        "verbose_json"
        if output_format in ("verbose_json", "srt", "vtt")
        else "text"
        if output_format == "text"
        else "json"
    )
    try:
        granularities = None if translate else _granularities(args.timestamps)
        if output_format in ("srt", "vtt") and not granularities:
            granularities = None if translate else ["segment"]
    except InvalidRequestParameter as exc:
        return fail(describe_error(exc), exit_code_for(exc))
    model = args.model or settings.audio_model
    async with client_from(settings) as client:
        try:
            if translate:
                result = await client.audio.translations.create(
                    file=args.file,
                    model=model,
                    prompt=args.prompt,
                    response_format=response_format,
                    temperature=args.temperature,
                )
            else:
                result = await client.audio.transcriptions.create(
                    file=args.file,
                    model=model,
                    language=args.language,
                    prompt=args.prompt,
                    response_format=response_format,
                    temperature=args.temperature,
                    timestamp_granularities=granularities,
                )
            text = render(result, output_format)
        except Exception as exc:
            message = await describe_error_async(exc, client, settings)
            return fail(f"{args.file}: {message}", exit_code_for(exc))
    sys.stdout.write(text)
    return 0
