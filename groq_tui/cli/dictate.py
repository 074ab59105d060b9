"""``groq-tui dictate`` (speech to text from the microphone) and ``groq-tui devices``.

``dictate`` prints one line per segment on stdout as soon as it is transcribed, in order,
until Ctrl+C, ``--stop-after-silence`` seconds without speech, or ``--max-seconds`` of
recording; the segment in progress is then still transcribed and printed, and the exit
code is 0. Errors are one line each on stderr. A second Ctrl+C quits at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Iterator

from groq_tui.api import InvalidRequestParameter
from groq_tui.api.params import check_audio_params
from groq_tui.audio.archive import RecordingArchive
from groq_tui.audio.errors import AudioUnavailable
from groq_tui.audio.recorder import Recorder
from groq_tui.cli.common import client_from, describe_error, exit_code_for, fail
from groq_tui.config import Settings, data_dir
from groq_tui.services.dictation import (
    DictationFinished,
    DictationOptions,
    LiveDictation,
    SegmentFailed,
    SegmentText,
    StopReason,
)

RECORDINGS_DIR = "recordings"
"""Kept recordings go in this folder of the data dir."""


def run_devices(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``groq-tui devices``: list the input devices, the default marked ``*``."""
    from groq_tui.audio.devices import list_input_devices

    try:
        devices = list_input_devices()
    except AudioUnavailable as exc:
        return fail(str(exc))
    for device in devices:
        sys.stdout.write(device.describe() + "\n")
    sys.stdout.flush()
    return 0


def _options(args: argparse.Namespace, settings: Settings) -> DictationOptions:
    """The request options from the flags, validated before anything is recorded."""
    model = getattr(args, "model", None) or settings.audio_model
    language = None if args.translate else (args.language or settings.dictation_language)
    temperature = getattr(args, "temperature", None)
    check_audio_params(
        model=model,
        response_format=None,
        temperature=temperature,
        timestamp_granularities=None,
        language=language,
    )
    for flag, value in (
        ("max_seconds", args.max_seconds),
        ("stop_after_silence", args.stop_after_silence),
    ):
        if value is not None and value <= 0:
            raise InvalidRequestParameter(flag, f"must be more than 0 seconds, got {value:g}")
    return DictationOptions(
        model=model,
        language=language,
        prompt=args.prompt or settings.dictation_prompt or None,
        translate=bool(args.translate),
        temperature=temperature,
    )


async def run_dictate(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``groq-tui dictate``; returns the exit code.

    ``args`` has ``translate``, ``language``, ``prompt``, ``max_seconds``,
    ``stop_after_silence``, ``device`` and optionally ``model``, ``temperature`` and
    ``keep`` (keep the recording and its transcript in the data dir).
    """
    try:
        options = _options(args, settings)
    except InvalidRequestParameter as exc:
        return fail(describe_error(exc), exit_code_for(exc))
    archive = RecordingArchive(data_dir() / RECORDINGS_DIR)
    failed = False
    finished: DictationFinished | None = None
    async with client_from(settings) as client:
        dictation = LiveDictation(
            client,
            options,
            recorder=Recorder(device=args.device or settings.audio_device),
            max_seconds=args.max_seconds,
            stop_after_silence=args.stop_after_silence,
            archive=archive,
            keep_recording=bool(getattr(args, "keep", False)),
        )
        if sys.stderr.isatty():
            sys.stderr.write("groq-tui: listening - Ctrl+C to stop\n")
        with _stop_on_interrupt(dictation):
            try:
                async for event in dictation.events():
                    if isinstance(event, SegmentText):
                        _print_line(event.text)
                    elif isinstance(event, SegmentFailed):
                        if not failed or not event.fatal:
                            fail(
                                f"segment {event.index + 1} ({_span(event)}): "
                                f"{describe_error(event.error, settings)}"
                            )
                        failed = True
                    else:
                        finished = event
            except AudioUnavailable as exc:
                return fail(str(exc))
    if finished is not None and finished.reason is StopReason.DEVICE_LOST:
        where = f"; what was recorded is kept in {finished.saved.audio}" if finished.saved else ""
        return fail(f"{finished.error}{where}")
    if finished is not None and finished.saved is not None:
        sys.stderr.write(f"groq-tui: recording kept in {finished.saved.audio}\n")
    return 1 if failed else 0


def _print_line(text: str) -> None:
    line = " ".join(text.split())
    if line:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _span(event: SegmentFailed) -> str:
    return f"{event.start:.1f}-{event.end:.1f} s"


@contextlib.contextmanager
def _stop_on_interrupt(dictation: LiveDictation) -> Iterator[None]:
    """Ctrl+C stops the recording (the last segment is still printed); a second one quits."""
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGINT)
    presses = 0

    def interrupted() -> None:
        nonlocal presses
        presses += 1
        if presses > 1:
            raise KeyboardInterrupt
        dictation.stop(StopReason.STOPPED)

    try:
        loop.add_signal_handler(signal.SIGINT, interrupted)
    except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        signal.signal(signal.SIGINT, previous)


__all__ = ["run_devices", "run_dictate"]
