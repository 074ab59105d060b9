"""One transcript from the transcripts of consecutive pieces: texts joined, timestamps
moved onto the whole recording's timeline."""

from __future__ import annotations

from collections.abc import Sequence

from groq_tui.api import Transcription, TranscriptionSegment, TranscriptionWord


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


__all__ = ["join_transcriptions", "shift_segments", "shift_words"]
