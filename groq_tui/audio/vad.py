"""Voice activity detection on 30 ms frames of 16 kHz mono audio.

Two detectors share one small interface. :class:`WebRtcDetector` wraps the WebRTC VAD
(the ``webrtcvad-wheels`` package: Google's GMM detector, robust to steady noise such as
fans) and adds an absolute level floor, so near-silence never counts as speech.
:class:`EnergyGate` needs nothing but numpy: a frame is speech when it is louder than the
noise floor (the quietest frame of the last seconds) by a margin. :func:`default_detector`
picks the first when it is installed.
"""

from __future__ import annotations

import importlib
from collections import deque
from typing import Any, Protocol

import numpy as np

from groq_tui.audio.encoding import to_pcm16
from groq_tui.audio.resample import Samples

RATE = 16000
"""The detectors work at the upload rate."""
FRAME_SECONDS = 0.03
FRAME_SAMPLES = int(RATE * FRAME_SECONDS)
MIN_SPEECH_LEVEL_DB = -55.0
"""Frames quieter than this (RMS, dBFS) are never speech: about the hiss of a good mic."""
SILENCE_DB = -100.0
"""The level reported for digital silence."""


def level_db(samples: Samples) -> float:
    """The RMS level of float samples in dBFS (full-scale sine: -3 dB), at least -100."""
    if samples.size == 0:
        return SILENCE_DB
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return max(SILENCE_DB, 20.0 * float(np.log10(rms))) if rms > 0 else SILENCE_DB


class SpeechDetector(Protocol):
    """Says whether one frame (``FRAME_SAMPLES`` float samples at 16 kHz) is speech."""

    def is_speech(self, frame: Samples, level: float) -> bool:
        """Whether ``frame`` is speech.

        Args:
            frame: The samples.
            level: Their level in dBFS (:func:`level_db`), computed once by the caller.
        """
        ...


class EnergyGate:
    """Speech is what stands out from the noise floor; the floor adapts to the room.

    Args:
        margin_db: How far above the noise floor speech must be.
        min_level_db: Nothing quieter than this is speech, however quiet the room.
        floor_seconds: The window whose quietest frame is the noise floor; longer than
            any stretch of speech without a breath.
    """

    def __init__(
        self,
        margin_db: float = 12.0,
        min_level_db: float = MIN_SPEECH_LEVEL_DB,
        floor_seconds: float = 8.0,
    ) -> None:
        self.margin_db = margin_db
        self.min_level_db = min_level_db
        self._levels: deque[float] = deque(maxlen=max(1, round(floor_seconds / FRAME_SECONDS)))

    @property
    def threshold_db(self) -> float:
        """The level a frame must exceed now to count as speech."""
        floor = min(self._levels) if self._levels else SILENCE_DB
        return max(self.min_level_db, floor + self.margin_db)

    def is_speech(self, frame: Samples, level: float) -> bool:
        """Whether ``frame`` (at ``level`` dBFS) stands out from the noise floor."""
        self._levels.append(level)
        return bool(level > self.threshold_db)


class WebRtcDetector:
    """The WebRTC VAD, with frames below ``min_level_db`` ruled out first.

    Args:
        aggressiveness: 0 (lets most through) to 3 (strictest about what is speech).
        min_level_db: Nothing quieter than this is speech.

    Raises:
        ImportError: webrtcvad (the ``webrtcvad-wheels`` package) is not installed.
    """

    def __init__(self, aggressiveness: int = 2, min_level_db: float = MIN_SPEECH_LEVEL_DB) -> None:
        module: Any = importlib.import_module("webrtcvad")
        self._vad: Any = module.Vad(aggressiveness)
        self.min_level_db = min_level_db

    def is_speech(self, frame: Samples, level: float) -> bool:
        """Whether the WebRTC VAD hears speech in ``frame``."""
        if level < self.min_level_db:
            return False
        return bool(self._vad.is_speech(to_pcm16(frame).tobytes(), RATE))


def default_detector() -> SpeechDetector:
    """The WebRTC VAD if installed, else the energy gate."""
    try:
        return WebRtcDetector()
    except ImportError:
        return EnergyGate()
