"""SRT and WebVTT output from fixed segments."""

from __future__ import annotations

from groq_tui.api import TranscriptionSegment
from groq_tui.subtitles import to_srt, to_vtt

SEGMENTS = [
    TranscriptionSegment(start=0.0, end=2.5, text=" Hello there."),
    TranscriptionSegment(start=2.5, end=3661.0049, text=" An hour later. "),
    TranscriptionSegment(start=3661.0, end=3662.0, text="   "),
]


def test_srt() -> None:
    assert to_srt(SEGMENTS) == (
        "1\n00:00:00,000 --> 00:00:02,500\nHello there.\n\n"
        "2\n00:00:02,500 --> 01:01:01,005\nAn hour later.\n"
    )


def test_vtt() -> None:
    assert to_vtt(SEGMENTS) == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:02.500\nHello there.\n\n"
        "00:00:02.500 --> 01:01:01.005\nAn hour later.\n"
    )


def test_empty() -> None:
    assert to_srt([]) == ""
    assert to_vtt([]) == "WEBVTT\n"
