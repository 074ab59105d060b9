"""Subtitle formats (SRT, WebVTT) from timed transcript segments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class TimedText(Protocol):
    """Anything with a start, an end (seconds) and text: a transcript segment."""

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def text(self) -> str: ...


def _timestamp(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def to_srt(segments: Iterable[TimedText]) -> str:
    """SubRip: numbered cues, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, blank line between cues."""
    cues = []
    for number, segment in enumerate(_non_empty(segments), start=1):
        cues.append(
            f"{number}\n{_timestamp(segment.start, ',')} --> {_timestamp(segment.end, ',')}\n"
            f"{segment.text.strip()}\n"
        )
    return "\n".join(cues)


def to_vtt(segments: Iterable[TimedText]) -> str:
    """WebVTT: a ``WEBVTT`` header, then ``HH:MM:SS.mmm --> HH:MM:SS.mmm`` cues."""
    cues = ["WEBVTT\n"]
    for segment in _non_empty(segments):
        cues.append(
            f"{_timestamp(segment.start, '.')} --> {_timestamp(segment.end, '.')}\n"
            f"{segment.text.strip()}\n"
        )
    return "\n".join(cues)


def _non_empty(segments: Iterable[TimedText]) -> list[TimedText]:
    return [segment for segment in segments if segment.text.strip()]
