"""``groq-tui speak``: text to speech, played on the default output or written to a file."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from groq_tui.api import GroqError, InvalidRequestParameter
from groq_tui.api.speech import SpeechFormat
from groq_tui.audio import AudioError
from groq_tui.cli.common import (
    EXIT_USAGE,
    client_from,
    describe_error_async,
    exit_code_for,
    fail,
)
from groq_tui.config import Settings

DEFAULT_MODEL = "canopylabs/orpheus-v1-english"
DEFAULT_VOICE = "autumn"
FILE_FORMATS: tuple[SpeechFormat, ...] = ("wav", "flac", "mp3", "ogg")


def _read_text(args: argparse.Namespace) -> str:
    if args.text is None or args.text == "-":
        return sys.stdin.read()
    return str(args.text)


def _file_format(args: argparse.Namespace) -> SpeechFormat:
    if args.format:
        return args.format  # type: ignore[no-any-return]
    if args.output:
        suffix = Path(args.output).suffix.lower().lstrip(".")
        for known in FILE_FORMATS:
            if suffix == known:
                return known
    return "wav"


async def run_speak(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``groq-tui speak``; returns the exit code."""
    from groq_tui.audio.playback import Player
    from groq_tui.services.speech import SpeechOptions, save_speech, speak

    if args.local:
        from groq_tui.local.voice_engine import BUNDLED_VOICE, BUNDLED_VOICE_MODEL_ID

        model, voice = args.model or BUNDLED_VOICE_MODEL_ID, args.voice or BUNDLED_VOICE
    else:
        model, voice = args.model or DEFAULT_MODEL, args.voice or DEFAULT_VOICE
    text = await asyncio.to_thread(_read_text, args)
    options = SpeechOptions(
        model=model,
        voice=voice,
        response_format=_file_format(args),
        speed=args.speed,
        sample_rate=args.sample_rate,
    )
    if not text.strip():
        return fail("there is no text to speak (give TEXT, or pipe it to stdin)", EXIT_USAGE)
    async with client_from(settings) as client:
        try:
            if args.output:
                await save_speech(client, text, options, args.output)
                return 0
            await speak(client, text, options, Player(args.device))
            return 0
        except InvalidRequestParameter as exc:
            return fail(str(exc), exit_code_for(exc))
        except AudioError as exc:
            return fail(str(exc))
        except GroqError as exc:
            return fail(await describe_error_async(exc, client, settings), exit_code_for(exc))
