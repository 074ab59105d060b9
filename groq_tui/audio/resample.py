"""Sample-rate conversion with libsoxr (python-soxr), usable on a stream.

soxr's high-quality setting is a linear-phase filter with its delay removed: a tone in
the pass band comes out unchanged, tones above the new Nyquist frequency do not fold
back (a 12 kHz tone recorded at 44.1 kHz does not alias into the 16 kHz result), and an
impulse stays where it was. Streaming and resampling the whole signal at once give the
same samples.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import soxr  # type: ignore[import-untyped]

Samples = npt.NDArray[np.float32]

QUALITY = "HQ"
"""soxr's high quality: 20-bit precision, far beyond what speech recognition can hear."""


class StreamResampler:
    """Converts a stream of mono blocks from one rate to another, block by block.

    Feeding the whole signal at once or in any split gives the same samples. ``flush()``
    returns the last outputs, which need input beyond the end (taken as silence); the
    whole output has ``ceil(inputs * to_rate / from_rate)`` samples.

    Args:
        from_rate: The input's rate in Hz.
        to_rate: The output's rate in Hz.
    """

    def __init__(self, from_rate: int, to_rate: int) -> None:
        if from_rate <= 0 or to_rate <= 0:
            raise ValueError(f"rates must be positive, got {from_rate} -> {to_rate}")
        self.from_rate = int(from_rate)
        self.to_rate = int(to_rate)
        self._passthrough = self.from_rate == self.to_rate
        self._soxr = (
            None
            if self._passthrough
            else soxr.ResampleStream(
                self.from_rate, self.to_rate, 1, dtype="float32", quality=QUALITY
            )
        )
        self._fed = 0  # input samples received
        self._emitted = 0  # output samples returned

    def feed(self, block: npt.ArrayLike) -> Samples:
        """The outputs that ``block`` (float mono) completes."""
        data = np.ascontiguousarray(np.asarray(block, dtype=np.float32).reshape(-1))
        self._fed += data.size
        if self._soxr is None:
            return data.copy()
        out: Samples = self._soxr.resample_chunk(data)
        self._emitted += out.size
        return out

    def flush(self) -> Samples:
        """The remaining outputs, up to the length of the whole input at the new rate."""
        if self._soxr is None:
            return np.zeros(0, np.float32)
        # soxr rounds the output length; a little silence past the end lets it compute the
        # last partly covered output too, so that every input span is covered (ceil).
        total = -(-self._fed * self.to_rate // self.from_rate)
        padding = np.zeros(-(-self.from_rate // self.to_rate) + 1, np.float32)
        out: Samples = self._soxr.resample_chunk(padding, last=True)
        out = out[: max(0, total - self._emitted)]
        self._emitted += out.size
        return out


def resample(samples: npt.ArrayLike, from_rate: int, to_rate: int) -> Samples:
    """The whole of ``samples`` (float mono) at ``to_rate``.

    The result has ``ceil(len * to_rate / from_rate)`` samples.
    """
    resampler = StreamResampler(from_rate, to_rate)
    head = resampler.feed(samples)
    return np.concatenate((head, resampler.flush()))
