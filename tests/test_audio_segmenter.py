"""Cutting live speech at pauses: fixed synthetic signals and espeak-ng speech."""

from __future__ import annotations

import io
import itertools
import subprocess

import numpy as np
import pytest
import soundfile as sf

from groq_tui.audio.resample import resample
from groq_tui.audio.segmenter import SegmenterSettings, SpeechSegment, SpeechSegmenter
from groq_tui.audio.vad import EnergyGate, WebRtcDetector, default_detector, level_db

RATE = 16000


def tone(seconds: float, level: float = 0.3) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    # a vowel-like sound: a 150 Hz fundamental with harmonics
    wave = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 8))
    return (level * wave / np.max(np.abs(wave))).astype(np.float32)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * RATE), np.float32)


def espeak(text: str) -> np.ndarray:
    wav = subprocess.run(["espeak-ng", "--stdout", text], capture_output=True, check=True).stdout
    data, rate = sf.read(io.BytesIO(wav), dtype="float32")
    return resample(data, rate, RATE)


def run(segmenter: SpeechSegmenter, audio: np.ndarray, block: int = 320) -> list[SpeechSegment]:
    segments = []
    for i in range(0, audio.size, block):
        segments += segmenter.feed(audio[i : i + block])
    last = segmenter.flush()
    return segments + ([last] if last else [])


def spans(segments: list[SpeechSegment]) -> list[tuple[float, float]]:
    return [(round(s.start, 2), round(s.end, 2)) for s in segments]


def assert_spans(segments: list[SpeechSegment], expected: list[tuple[float, float]]) -> None:
    """Start and end of each segment, within one 30 ms frame."""
    assert len(segments) == len(expected), spans(segments)
    for segment, (start, end) in zip(segments, expected, strict=True):
        assert segment.start == pytest.approx(start, abs=0.035), spans(segments)
        assert segment.end == pytest.approx(end, abs=0.035), spans(segments)


def test_pauses_longer_than_the_hangover_cut_segments() -> None:
    audio = np.concatenate([silence(1), tone(2), silence(1), tone(1.5), silence(1)])
    segments = run(SpeechSegmenter(detector=EnergyGate()), audio)
    # 0.3 s of pre-roll before each onset, 0.2 s of tail after each end
    assert_spans(segments, [(0.7, 3.2), (3.7, 5.7)])
    assert [s.index for s in segments] == [0, 1]
    assert segments[0].samples.size == round(segments[0].duration * RATE)
    assert segments[0].speech == pytest.approx(2.0, abs=0.05)


def test_short_pauses_do_not_split() -> None:
    audio = np.concatenate([tone(1), silence(0.4), tone(1), silence(0.25), tone(1), silence(1)])
    assert len(run(SpeechSegmenter(detector=EnergyGate()), audio)) == 1


def test_clicks_and_coughs_are_dropped() -> None:
    audio = np.concatenate([silence(1), tone(0.1, 0.8), silence(1), tone(1), silence(1)])
    (segment,) = run(SpeechSegmenter(detector=EnergyGate()), audio)
    assert segment.start == pytest.approx(1.8, abs=0.05)


def test_long_speech_is_cut_at_a_pause_under_the_maximum() -> None:
    # 45 s of talking with 0.3 s breaths every 4 s: never a pause long enough to close
    phrase = np.concatenate([tone(3.7), silence(0.3)])
    audio = np.concatenate([np.tile(phrase, 11), tone(1), silence(1)])
    segments = run(SpeechSegmenter(SegmenterSettings(max_segment=30), EnergyGate()), audio)
    assert len(segments) == 2
    assert segments[0].duration <= 30
    cut = segments[0].end
    assert cut % 4 >= 3.7 or cut % 4 == 0  # in a breath, not in a phrase
    assert segments[1].start == segments[0].end  # nothing lost at the cut
    assert segments[1].end == pytest.approx(45.2, abs=0.05)


def test_block_size_does_not_change_the_result() -> None:
    audio = np.concatenate([silence(0.5), tone(1.3), silence(0.9), tone(0.7), silence(0.2)])
    reference = spans(run(SpeechSegmenter(detector=EnergyGate()), audio, 480))
    for block in (1, 100, 4096, audio.size):
        assert spans(run(SpeechSegmenter(detector=EnergyGate()), audio, block)) == reference


def test_state_for_stop_conditions() -> None:
    segmenter = SpeechSegmenter(detector=EnergyGate())
    segmenter.feed(silence(1.5))
    assert segmenter.silence == pytest.approx(1.5, abs=0.03)
    assert not segmenter.in_speech
    segmenter.feed(tone(0.5))
    assert segmenter.in_speech
    assert segmenter.silence == 0
    assert segmenter.feed(silence(0.3)) == []
    assert segmenter.silence == pytest.approx(0.3, abs=0.03)
    assert segmenter.position == pytest.approx(2.3, abs=0.03)


def test_flush_closes_the_open_segment() -> None:
    segmenter = SpeechSegmenter(detector=EnergyGate())
    assert segmenter.feed(np.concatenate([silence(0.5), tone(1)])) == []
    segment = segmenter.flush()
    assert segment is not None
    assert_spans([segment], [(0.2, 1.5)])
    assert segmenter.flush() is None


def test_the_energy_gate_adapts_to_the_room() -> None:
    noise = np.random.default_rng(0).standard_normal(RATE * 3).astype(np.float32) * 0.01  # -40 dB
    audio = noise.copy()
    audio[RATE : 2 * RATE] += tone(1)
    segments = run(SpeechSegmenter(detector=EnergyGate()), audio)
    assert_spans(segments, [(0.7, 2.2)])
    assert run(SpeechSegmenter(detector=EnergyGate()), noise) == []


def test_level_db() -> None:
    assert level_db(np.full(480, 0.5, np.float32)) == pytest.approx(-6.02, abs=0.01)
    assert level_db(np.zeros(480, np.float32)) == -100
    assert level_db(np.zeros(0, np.float32)) == -100


@pytest.fixture(scope="module")
def sentences() -> tuple[np.ndarray, list[float]]:
    """Three espeak-ng sentences, one second apart: the audio and each sentence's end."""
    parts, ends, t = [silence(0.5)], [], 0.5
    for text in (
        "The first sentence talks about the weather, which is mild today.",
        "Then a second one, with a comma, and another comma, follows it.",
        "A third.",
    ):
        speech = espeak(text)
        parts += [speech, silence(1.0)]
        t += speech.size / RATE
        ends.append(t)
        t += 1.0
    return np.concatenate(parts), ends


@pytest.mark.parametrize("detector", [WebRtcDetector, EnergyGate])
def test_real_speech_is_cut_between_sentences(
    detector: type[WebRtcDetector | EnergyGate], sentences: tuple[np.ndarray, list[float]]
) -> None:
    audio, ends = sentences
    segments = run(SpeechSegmenter(detector=detector()), audio)
    assert len(segments) == 3
    for segment, end in zip(segments, ends, strict=True):
        assert end - 0.8 < segment.end <= end + 0.25  # espeak ends each sentence in silence
    assert all(a.end < b.start for a, b in itertools.pairwise(segments))


def test_sentence_pauses_within_one_utterance_do_not_split() -> None:
    speech = espeak("One sentence. Another sentence, right after it. And a third one.")
    audio = np.concatenate([speech, silence(1)])
    assert len(run(SpeechSegmenter(detector=WebRtcDetector()), audio)) == 1


def test_webrtc_vad_is_the_default_when_installed() -> None:
    assert isinstance(default_detector(), WebRtcDetector)
