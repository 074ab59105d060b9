"""Splitting long audio at its pauses, with fixed synthetic signals."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from groq_tui.audio.splitting import (
    LevelMeter,
    Piece,
    choose_cut,
    frame_levels,
    max_seconds_for_bytes,
    split_at_silences,
    split_by_levels,
)

RATE = 16000


def bursts(spec: list[tuple[str, float]], rate: int = RATE, noise_db: float = -100) -> np.ndarray:
    """Tone ("t") and silence ("s") stretches of the given seconds, over optional noise."""
    parts = []
    for kind, seconds in spec:
        n = round(seconds * rate)
        t = np.arange(n) / rate
        parts.append(0.3 * np.sin(2 * np.pi * 300 * t) if kind == "t" else np.zeros(n))
    signal = np.concatenate(parts)
    if noise_db > -100:
        noise = np.random.default_rng(0).standard_normal(signal.size) * 10 ** (noise_db / 20)
        signal = signal + noise
    return signal.astype(np.float32)


def covers(pieces: list[Piece], total: int) -> bool:
    return (
        pieces[0].start == 0
        and pieces[-1].end == total
        and all(a.end == b.start for a, b in itertools.pairwise(pieces))
    )


def test_short_audio_is_one_piece() -> None:
    audio = bursts([("t", 3)])
    assert split_at_silences(audio, RATE, 10) == [Piece(0, audio.size)]
    assert split_at_silences(np.zeros(0, np.float32), RATE, 10) == []


def test_cuts_fall_in_the_pauses() -> None:
    # speech 0-4, pause 4-5, speech 5-9, pause 9-9.6, speech 9.6-14
    audio = bursts([("t", 4), ("s", 1), ("t", 4), ("s", 0.6), ("t", 4.4)])
    pieces = split_at_silences(audio, RATE, 6)
    assert covers(pieces, audio.size)
    assert [round(p.start / RATE, 2) for p in pieces] == [0, 4.5, 9.3]
    assert all(p.end - p.start <= 6 * RATE for p in pieces)


def test_the_longest_pause_wins_and_the_latest_on_a_tie() -> None:
    audio = bursts([("t", 3), ("s", 0.4), ("t", 1), ("s", 0.8), ("t", 1), ("s", 0.4), ("t", 5)])
    (first, *_rest) = split_at_silences(audio, RATE, 8)
    assert first.end / RATE == pytest.approx(4.8, abs=0.02)  # the middle of the 0.8 s pause
    tie = bursts([("t", 3), ("s", 0.5), ("t", 1), ("s", 0.5), ("t", 5)])
    assert split_at_silences(tie, RATE, 6)[0].end / RATE == pytest.approx(4.75, abs=0.02)


def test_pauses_are_found_over_background_noise() -> None:
    audio = bursts([("t", 4), ("s", 1), ("t", 4)], noise_db=-45)
    (first, second) = split_at_silences(audio, RATE, 6)
    assert 4.0 <= first.end / RATE <= 5.0
    assert second.end == audio.size


def test_without_any_pause_the_pieces_still_fit() -> None:
    audio = bursts([("t", 20)])
    pieces = split_at_silences(audio, RATE, 6)
    assert covers(pieces, audio.size)
    assert all(p.end - p.start <= 6 * RATE for p in pieces)
    assert len(pieces) == 4


def test_choose_cut_takes_the_middle_of_the_longest_quiet_run() -> None:
    quiet = np.array([0, 1, 0, 1, 1, 1, 0, 1, 1, 0], bool)
    levels = np.zeros(10)
    assert choose_cut(quiet, levels, 1, 10) == 4
    assert choose_cut(quiet, levels, 6, 10) == 8  # only the later run is in range
    loud = np.zeros(10, bool)
    assert choose_cut(loud, np.array([0, 0, 0, -5, 0, -9, 0, 0, 0, 0.0]), 1, 10) == 5
    assert choose_cut(loud, np.zeros(10), 1, 10) == 9  # as late as possible


def test_frame_levels_measure_rms_in_dbfs() -> None:
    levels = frame_levels(np.full(RATE, 0.1, np.float32), RATE)
    assert len(levels) == 50
    assert np.allclose(levels, -20, atol=0.01)
    assert frame_levels(np.zeros(320, np.float32), RATE).tolist() == [-100.0]


def test_piece_length_for_a_byte_limit_is_safe_for_flac() -> None:
    seconds = max_seconds_for_bytes(25 * 1024 * 1024)
    assert 700 < seconds < 25 * 1024 * 1024 / 32000  # under raw 16-bit PCM, whatever the audio
    assert max_seconds_for_bytes(1000) == 1.0


def test_levels_measured_in_blocks_are_those_of_the_whole() -> None:
    signal = bursts([("t", 3.0), ("s", 0.7), ("t", 2.0), ("s", 0.01)], noise_db=-50)
    meter = LevelMeter(RATE)
    for start in range(0, signal.size, 7777):  # blocks that split frames anywhere
        meter.feed(signal[start : start + 7777])
    np.testing.assert_array_equal(meter.levels(), frame_levels(signal, RATE))


def test_a_plan_from_levels_alone_is_the_plan_from_the_samples() -> None:
    signal = bursts([("t", 5), ("s", 0.6), ("t", 4), ("s", 0.4), ("t", 6), ("s", 0.5), ("t", 3)])
    pieces = split_by_levels(frame_levels(signal, RATE), signal.size, RATE, 8.0)
    assert pieces == split_at_silences(signal, RATE, 8.0)
    assert len(pieces) >= 3 and covers(pieces, signal.size)
