"""Cutting audio at its pauses: long recordings into uploads under the size limit.

A cut never falls in a word if it can help it: among the frames where a piece may end,
the longest run of quiet frames wins (the latest, on a tie) and the cut goes in its
middle; with no quiet frame at all, the latest of the quietest frames is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from groq_tui.audio.resample import Samples

FRAME_SECONDS = 0.02
QUIET_MARGIN_DB = 10.0
"""A frame is quiet when within this of the recording's noise floor..."""
LOUD_MARGIN_DB = 15.0
"""...and at least this below its loud parts."""
FLAC_BYTES_PER_SECOND = 32000 + 256
"""The most 16 kHz mono 16-bit FLAC can take: raw PCM (FLAC falls back to verbatim
frames for noise) plus frame headers; real speech takes half of it or less."""
FLAC_HEADER_BYTES = 8192


@dataclass(frozen=True)
class Piece:
    """A part of a longer recording, by sample index."""

    start: int
    end: int

    def offset(self, rate: int) -> float:
        """Where the piece starts, in seconds."""
        return self.start / rate


class LevelMeter:
    """The RMS level (dBFS, at least -100) of consecutive frames of a signal fed in blocks.

    Feeding the whole signal or any split of it gives the same levels; only the levels are
    kept (one float per frame), never the samples.
    """

    def __init__(self, rate: int, frame_seconds: float = FRAME_SECONDS) -> None:
        self.frame = max(1, round(rate * frame_seconds))
        self._carry = np.zeros(0, np.float64)
        self._parts: list[npt.NDArray[np.float64]] = []

    def feed(self, samples: Samples) -> None:
        """Measure the frames that ``samples`` completes."""
        data = np.concatenate((self._carry, np.asarray(samples, np.float64)))
        whole = data.size // self.frame * self.frame
        if whole:
            power = np.square(data[:whole]).reshape(-1, self.frame).mean(axis=1)
            self._parts.append(_decibels(power))
        self._carry = data[whole:]

    def levels(self) -> npt.NDArray[np.float64]:
        """The levels of every frame fed so far; the last may be short."""
        parts = list(self._parts)
        if self._carry.size:  # a short last frame: the mean of what it has
            parts.append(_decibels(np.square(self._carry).mean(keepdims=True)))
        return np.concatenate(parts) if parts else np.zeros(0, np.float64)


def _decibels(power: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    with np.errstate(divide="ignore"):
        levels: npt.NDArray[np.float64] = np.maximum(10.0 * np.log10(power), -100.0)
    return levels


def frame_levels(
    samples: Samples, rate: int, frame_seconds: float = FRAME_SECONDS
) -> npt.NDArray[np.float64]:
    """The RMS level (dBFS, at least -100) of consecutive frames; the last may be short."""
    meter = LevelMeter(rate, frame_seconds)
    meter.feed(samples)
    return meter.levels()


def quiet_frames(levels: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Which frames are pauses: near the recording's noise floor and well below its loud
    parts (so a recording without pauses has none)."""
    floor = float(np.percentile(levels, 5))
    loud = float(np.percentile(levels, 90))
    threshold = min(max(floor + QUIET_MARGIN_DB, -60.0), loud - LOUD_MARGIN_DB)
    quiet: npt.NDArray[np.bool_] = levels <= threshold
    return quiet


def choose_cut(
    quiet: npt.NDArray[np.bool_], levels: npt.NDArray[np.float64], lo: int, hi: int
) -> int:
    """The frame index in ``[lo, hi)`` to cut before: the middle of the longest quiet run.

    Args:
        quiet: Per frame, whether it is a pause.
        levels: Per frame, its level (breaks the tie when nothing is quiet).
        lo: The first frame the cut may fall on (at least 1).
        hi: One past the last.
    """
    lo, hi = max(1, lo), min(hi, len(quiet))
    if hi <= lo:
        return max(1, hi)
    best_length, best_cut = 0, -1
    run_start = None
    for i in range(lo, hi + 1):
        is_quiet = i < hi and bool(quiet[i])
        if is_quiet and run_start is None:
            run_start = i
        elif not is_quiet and run_start is not None:
            length = i - run_start
            if length >= best_length:
                best_length, best_cut = length, run_start + length // 2
            run_start = None
    if best_cut >= lo:
        return best_cut
    return hi - 1 - int(np.argmin(levels[lo:hi][::-1]))  # the latest of the quietest


def split_at_silences(
    samples: Samples,
    rate: int,
    max_seconds: float,
    *,
    min_seconds: float | None = None,
) -> list[Piece]:
    """Pieces of at most ``max_seconds`` covering ``samples``, cut at pauses.

    Args:
        samples: Mono audio.
        rate: Its sample rate.
        max_seconds: The longest a piece may be.
        min_seconds: The shortest a piece may be before the last one (default: half of
            ``max_seconds``): the cut is chosen between the two.
    """
    return split_by_levels(
        frame_levels(samples, rate), samples.size, rate, max_seconds, min_seconds=min_seconds
    )


def split_by_levels(
    levels: npt.NDArray[np.float64],
    total: int,
    rate: int,
    max_seconds: float,
    *,
    min_seconds: float | None = None,
) -> list[Piece]:
    """Pieces of at most ``max_seconds`` covering ``total`` samples, cut at pauses found in
    their frame ``levels`` (from :class:`LevelMeter`): the samples themselves are not needed,
    so a long file can be planned from one pass over it.

    Args:
        levels: Per frame of :data:`FRAME_SECONDS`, its level.
        total: How many samples the audio has.
        rate: Its sample rate.
        max_seconds: The longest a piece may be.
        min_seconds: The shortest a piece may be before the last one (default: half of
            ``max_seconds``).
    """
    if max_seconds <= 0:
        raise ValueError(f"max_seconds must be positive, got {max_seconds}")
    frame = max(1, round(rate * FRAME_SECONDS))
    max_frames = max(1, int(max_seconds * rate) // frame)
    min_frames = max(
        1, int((min_seconds if min_seconds is not None else max_seconds / 2) * rate) // frame
    )
    min_frames = min(min_frames, max_frames)
    if total <= max_frames * frame:
        return [Piece(0, total)] if total else []
    quiet = quiet_frames(levels)
    pieces: list[Piece] = []
    start_frame = 0
    while total - start_frame * frame > max_frames * frame:
        cut = choose_cut(quiet, levels, start_frame + min_frames, start_frame + max_frames + 1)
        pieces.append(Piece(start_frame * frame, cut * frame))
        start_frame = cut
    pieces.append(Piece(start_frame * frame, total))
    return pieces


def max_seconds_for_bytes(max_bytes: int) -> float:
    """How long a 16 kHz mono FLAC piece may be and stay under ``max_bytes`` for sure."""
    return max(1.0, (max_bytes - FLAC_HEADER_BYTES) / FLAC_BYTES_PER_SECOND)
