"""Resampling with fixed signals: accuracy, no aliasing, stream = whole, lengths."""

from __future__ import annotations

import numpy as np
import pytest

from groq_tui.audio.resample import StreamResampler, resample


def sine(freq: float, rate: int, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(round(rate * seconds)) / rate
    return np.sin(2 * np.pi * freq * t).astype(np.float32)


def rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12))


@pytest.mark.parametrize(
    ("from_rate", "to_rate"), [(44100, 16000), (48000, 16000), (22050, 16000), (8000, 16000)]
)
def test_a_tone_in_the_passband_comes_out_unchanged(from_rate: int, to_rate: int) -> None:
    out = resample(sine(1000, from_rate), from_rate, to_rate)
    expected = sine(1000, to_rate)
    assert out.dtype == np.float32
    assert len(out) == to_rate
    core = slice(200, -200)  # the edges see the silence before and after the signal
    assert np.max(np.abs(out[core] - expected[core])) < 1e-3


@pytest.mark.parametrize("freq", [9000, 12000, 20000])
def test_tones_above_the_new_nyquist_do_not_alias(freq: int) -> None:
    out = resample(sine(freq, 44100), 44100, 16000)
    assert rms_db(out[200:-200]) < -60  # a full-scale tone is -3 dB; aliasing would keep it


def test_speech_band_keeps_its_level() -> None:
    out = resample(sine(6000, 48000), 48000, 16000)
    assert abs(rms_db(out[200:-200]) - rms_db(sine(6000, 16000))) < 0.5


def test_any_split_of_the_stream_gives_the_same_samples() -> None:
    signal = np.random.default_rng(7).standard_normal(44100).astype(np.float32) * 0.2
    whole = resample(signal, 44100, 16000)
    stream = StreamResampler(44100, 16000)
    parts, i = [], 0
    for size in np.random.default_rng(3).integers(1, 3000, 200):
        parts.append(stream.feed(signal[i : i + size]))
        i += int(size)
        if i >= len(signal):
            break
    parts.append(stream.feed(signal[i:]))
    parts.append(stream.flush())
    assert np.array_equal(np.concatenate(parts), whole)


@pytest.mark.parametrize("length", [0, 1, 2, 440, 441, 1000])
def test_output_length_is_the_input_duration_at_the_new_rate(length: int) -> None:
    out = resample(np.ones(length, np.float32), 44100, 16000)
    assert len(out) == -(-length * 160 // 441)


def test_same_rate_passes_samples_through() -> None:
    signal = sine(440, 16000, 0.1)
    assert np.array_equal(resample(signal, 16000, 16000), signal)


def test_dc_gain_is_one_for_every_phase() -> None:
    out = resample(np.full(44100, 0.5, np.float32), 44100, 16000)
    assert np.allclose(out[200:-200], 0.5, atol=1e-4)


def test_an_impulse_stays_where_it_was() -> None:
    impulse = np.zeros(1600, np.float32)
    impulse[800] = 1
    out = resample(impulse, 16000, 8000)
    assert int(np.argmax(out)) == 400  # no delay: the filter is centred


def test_rates_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        StreamResampler(0, 16000)
