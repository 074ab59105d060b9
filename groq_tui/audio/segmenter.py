"""Cutting live speech into segments at its pauses, as the audio arrives.

A segment opens on the first speech frame (with the ``pre_roll`` before it, so the first
consonant is not clipped) and closes once ``hangover`` seconds pass without speech; it then
ends ``tail`` seconds after its last speech frame. Segments with less than ``min_speech``
of speech (a cough, a click) are dropped. A segment that reaches ``max_segment`` is cut at
its best pause in its second half, and the rest goes on as the next segment.

Tuned on espeak-ng and recorded speech: pauses between words and at commas last 0.1-0.3 s
and must not split a sentence; pauses between sentences last 0.4-1 s. A 0.6 s hangover
keeps sentences whole and lets a segment close less than a second after the speaker stops.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from groq_tui.audio.resample import Samples
from groq_tui.audio.splitting import choose_cut
from groq_tui.audio.vad import (
    FRAME_SAMPLES,
    FRAME_SECONDS,
    RATE,
    SpeechDetector,
    default_detector,
    level_db,
)


@dataclass(frozen=True)
class SegmenterSettings:
    """How speech is cut into segments (seconds)."""

    hangover: float = 0.6
    """Silence that closes a segment."""
    pre_roll: float = 0.3
    """Audio kept before the first speech frame."""
    tail: float = 0.2
    """Audio kept after the last speech frame."""
    min_speech: float = 0.25
    """Segments with less speech than this are dropped."""
    max_segment: float = 30.0
    """The longest segment; longer speech is cut at a pause (Whisper's window is 30 s)."""


@dataclass(frozen=True)
class SegmentSpan:
    """Where a segment stands in the stream: what a segment and its transcript share."""

    index: int
    """Its place in the stream, from 0."""
    start: float
    """Seconds from the start of the stream."""
    end: float

    @property
    def duration(self) -> float:
        """Its length in seconds."""
        return self.end - self.start


@dataclass(frozen=True)
class SpeechSegment(SegmentSpan):
    """A stretch of speech, ready to transcribe."""

    samples: Samples = field(repr=False)
    """16 kHz mono float32."""
    speech: float
    """Seconds of it that the detector called speech."""
    closed_at: float
    """``time.monotonic()`` when the segmenter closed it."""


class SpeechSegmenter:
    """Fed 16 kHz mono blocks of any size; returns the segments they complete.

    Args:
        settings: Timings; the defaults suit dictation.
        detector: Decides speech per frame; :func:`~groq_tui.audio.vad.default_detector`
            if not given.
    """

    rate = RATE

    def __init__(
        self, settings: SegmenterSettings | None = None, detector: SpeechDetector | None = None
    ) -> None:
        self.settings = settings or SegmenterSettings()
        self.detector = detector if detector is not None else default_detector()
        s = self.settings
        self._hangover = max(1, round(s.hangover / FRAME_SECONDS))
        self._tail = min(self._hangover, round(s.tail / FRAME_SECONDS))
        self._min_speech = max(1, round(s.min_speech / FRAME_SECONDS))
        self._max_frames = max(2, round(s.max_segment / FRAME_SECONDS))
        self._pre_roll: deque[Samples] = deque(
            maxlen=max(0, round(s.pre_roll / FRAME_SECONDS)) or None
        )
        self._pending = np.zeros(0, np.float32)
        self._frame = 0  # frames processed
        self._last_speech = -1  # index of the last speech frame
        self._count = 0  # segments emitted
        # the open segment
        self._frames: list[Samples] = []
        self._speech: list[bool] = []
        self._levels: list[float] = []
        self._start = 0

    @property
    def in_speech(self) -> bool:
        """Whether a segment is open."""
        return bool(self._frames)

    @property
    def position(self) -> float:
        """Seconds of audio processed."""
        return self._frame * FRAME_SECONDS

    @property
    def silence(self) -> float:
        """Seconds since the last speech frame (since the start if none yet)."""
        return (self._frame - 1 - self._last_speech) * FRAME_SECONDS

    def feed(self, samples: npt.ArrayLike) -> list[SpeechSegment]:
        """Process ``samples`` (16 kHz mono float); the segments that closed in them."""
        data = np.asarray(samples, dtype=np.float32).reshape(-1)
        if self._pending.size:
            data = np.concatenate((self._pending, data))
        whole = data.size - data.size % FRAME_SAMPLES
        self._pending = data[whole:].copy()
        closed: list[SpeechSegment] = []
        for offset in range(0, whole, FRAME_SAMPLES):
            segment = self._process(data[offset : offset + FRAME_SAMPLES])
            if segment is not None:
                closed.append(segment)
        return closed

    def flush(self) -> SpeechSegment | None:
        """Close the open segment at the end of the stream (None if there is none or it
        holds too little speech)."""
        if not self._frames:
            return None
        last = max(i for i, speech in enumerate(self._speech) if speech)
        return self._close(min(len(self._frames), last + 1 + self._tail))

    def _process(self, frame: Samples) -> SpeechSegment | None:
        level = level_db(frame)
        speech = self.detector.is_speech(frame, level)
        index = self._frame
        self._frame += 1
        if speech:
            self._last_speech = index
        if not self._frames:
            if not speech:
                self._pre_roll.append(frame)
                return None
            self._start = index - len(self._pre_roll)
            self._frames = [*self._pre_roll, frame]
            self._speech = [False] * len(self._pre_roll) + [True]
            self._levels = [-100.0] * len(self._pre_roll) + [level]
            self._pre_roll.clear()
            return None
        self._frames.append(frame)
        self._speech.append(speech)
        self._levels.append(level)
        if not speech and index - self._last_speech >= self._hangover:
            end = (self._last_speech - self._start) + 1 + self._tail
            return self._close(end)
        if len(self._frames) >= self._max_frames:
            quiet = np.logical_not(np.array(self._speech))
            cut = choose_cut(
                quiet, np.array(self._levels), len(self._frames) // 2, len(self._frames)
            )
            return self._close(cut, keep_open=True)
        return None

    def _close(self, end: int, *, keep_open: bool = False) -> SpeechSegment | None:
        """Emit frames ``[0, end)`` of the open segment; the rest becomes pre-roll, or the
        next open segment when ``keep_open``."""
        frames, speech, levels, start = self._frames, self._speech, self._levels, self._start
        self._frames, self._speech, self._levels = [], [], []
        rest = frames[end:]
        if keep_open and rest:
            self._frames, self._speech, self._levels = rest, speech[end:], levels[end:]
            self._start = start + end
        else:
            for leftover in rest:
                self._pre_roll.append(leftover)
        voiced = sum(speech[:end])
        if voiced < self._min_speech:
            return None
        segment = SpeechSegment(
            index=self._count,
            start=start * FRAME_SECONDS,
            end=(start + end) * FRAME_SECONDS,
            samples=np.concatenate(frames[:end]),
            speech=voiced * FRAME_SECONDS,
            closed_at=time.monotonic(),
        )
        self._count += 1
        return segment
