"""Sample-rate conversion in numpy: a polyphase windowed-sinc filter, usable on a stream.

Output sample ``k`` lies at input position ``k * down / up`` (``up/down`` is the rate ratio
in lowest terms), so its fractional part takes one of ``up`` values: one Kaiser-windowed
sinc per phase is computed once, and each output is a dot product of the nearest inputs
with its phase's filter. The cut-off sits below the lower Nyquist frequency, so
downsampling does not alias (a 12 kHz tone recorded at 44.1 kHz does not fold into the
16 kHz result). The filter is symmetric and centred: no delay, no phase shift.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]

ZERO_CROSSINGS = 24
"""Sinc lobes kept on each side of the centre: the steepness of the anti-alias filter."""
ROLLOFF = 0.9
"""The cut-off as a fraction of the lower Nyquist frequency (room for the transition band)."""
KAISER_BETA = 8.6
"""About 85 dB of stop-band attenuation."""
_CHUNK = 16384
"""Outputs computed per numpy step, to bound the temporary gather matrix."""


def _filter_bank(up: int, down: int) -> tuple[npt.NDArray[np.float32], int]:
    """One filter per phase (rows), each normalised to unit DC gain, and the half length."""
    cutoff = ROLLOFF * min(1.0, up / down)  # in cycles per input sample, x2 (sinc's unit)
    half = math.ceil(ZERO_CROSSINGS / cutoff)
    taps = np.arange(-half + 1, half + 1, dtype=np.float64)  # input offsets from floor(t)
    phases = np.arange(up, dtype=np.float64)[:, None] / up
    x = taps[None, :] - phases  # distance of each input from the output position
    window = np.i0(KAISER_BETA * np.sqrt(np.clip(1.0 - (x / half) ** 2, 0.0, None)))
    bank = cutoff * np.sinc(cutoff * x) * window / np.i0(KAISER_BETA)
    bank /= bank.sum(axis=1, keepdims=True)
    return bank.astype(np.float32), half


class StreamResampler:
    """Converts a stream of mono blocks from one rate to another, block by block.

    Feeding the whole signal at once or in any split gives the same samples. ``flush()``
    returns the last outputs, which need input beyond the end (taken as silence).

    Args:
        from_rate: The input's rate in Hz.
        to_rate: The output's rate in Hz.
    """

    def __init__(self, from_rate: int, to_rate: int) -> None:
        if from_rate <= 0 or to_rate <= 0:
            raise ValueError(f"rates must be positive, got {from_rate} -> {to_rate}")
        self.from_rate = int(from_rate)
        self.to_rate = int(to_rate)
        g = math.gcd(self.from_rate, self.to_rate)
        self._up, self._down = self.to_rate // g, self.from_rate // g
        self._passthrough = self._up == self._down
        self._bank, self._half = (
            (np.ones((1, 1), np.float32), 1)
            if self._passthrough
            else _filter_bank(self._up, self._down)
        )
        # The buffer holds inputs from absolute index _origin on; it starts with `half`
        # zeros before the signal so the first outputs have their left neighbours.
        self._buffer: Samples = np.zeros(self._half - 1, np.float32)
        self._origin = -(self._half - 1)
        self._next = 0  # the next output's index
        self._fed = 0  # input samples received

    def feed(self, block: npt.ArrayLike) -> Samples:
        """The outputs that ``block`` (float mono) completes."""
        data = np.asarray(block, dtype=np.float32).reshape(-1)
        self._fed += data.size
        if self._passthrough:
            return data.copy()
        self._buffer = np.concatenate((self._buffer, data))
        return self._produce(self._origin + self._buffer.size)

    def flush(self) -> Samples:
        """The remaining outputs, up to the length of the whole input at the new rate."""
        if self._passthrough:
            return np.zeros(0, np.float32)
        self._buffer = np.concatenate((self._buffer, np.zeros(self._half, np.float32)))
        total = -(-self._fed * self._up // self._down)  # ceil: every input span covered
        return self._produce(self._origin + self._buffer.size, limit=total)

    def _produce(self, available: int, limit: int | None = None) -> Samples:
        up, down, half = self._up, self._down, self._half
        # Output k needs inputs floor(k*down/up) - half + 1 ... floor(k*down/up) + half.
        last = ((available - half) * up - 1) // down  # largest k whose inputs have all arrived
        if limit is not None:
            last = min(last, limit - 1)
        if last < self._next:
            return np.zeros(0, np.float32)
        pieces = []
        for start in range(self._next, last + 1, _CHUNK):
            k = np.arange(start, min(start + _CHUNK, last + 1), dtype=np.int64)
            position = k * down
            base = position // up - self._origin - half + 1
            index = base[:, None] + np.arange(2 * half, dtype=np.int64)[None, :]
            phase_filters = self._bank[position % up]
            pieces.append(np.einsum("ij,ij->i", self._buffer[index], phase_filters))
        self._next = last + 1
        keep_from = (self._next * down) // up - half + 1  # first input the next output needs
        drop = max(0, keep_from - self._origin)
        self._buffer = self._buffer[drop:]
        self._origin += drop
        return np.concatenate(pieces).astype(np.float32, copy=False)


def resample(samples: npt.ArrayLike, from_rate: int, to_rate: int) -> Samples:
    """The whole of ``samples`` (float mono) at ``to_rate``.

    The result has ``ceil(len * to_rate / from_rate)`` samples.
    """
    resampler = StreamResampler(from_rate, to_rate)
    head = resampler.feed(samples)
    return np.concatenate((head, resampler.flush()))
