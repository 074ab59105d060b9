"""Playing audio on an output device: whole files or a stream of pieces, back to back.

    player = Player()                        # the default output device (or a name/index)
    await player.play(wav_bytes)             # returns when the last sample has been played
    await player.play_pieces(pieces)         # async iterable of files or samples, gapless
    player.pause(); player.resume(); player.stop()   # from anywhere, at once

One PortAudio output stream plays everything queued, so consecutive pieces follow each other
with no gap as long as each arrives before the previous one has finished (a piece that is
late leaves silence, never a click or a restart). PortAudio's callback thread takes samples
from a buffer; nothing blocks the event loop: the stream is opened and closed in a worker
thread, and stop/pause are flags the callback reads, so they act within one block (~20 ms).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import io
import threading
import time
from collections.abc import AsyncIterable
from typing import Any

import numpy as np
import numpy.typing as npt

from groq_tui.audio.errors import AudioDecodeError, AudioUnavailable, DeviceLost
from groq_tui.audio.portaudio import load_sounddevice
from groq_tui.audio.resample import resample

Samples = npt.NDArray[np.float32]
Piece = bytes | Samples
"""An encoded audio file (wav, flac, ogg, mp3) or float32 mono samples at the player's rate."""

BLOCK_SECONDS = 0.02
"""PortAudio's block: how soon stop and pause take effect."""

OUTPUT_LATENCY = 0.2
"""Seconds of audio the sound server holds ahead: enough to ride out a busy machine."""

TAIL_SECONDS = 0.15
"""The least silence played after the audio, so that closing the device cuts nothing."""


def decode_audio(data: bytes) -> tuple[Samples, int]:
    """Decode a wav, flac, ogg or mp3 file into float32 mono samples and their rate.

    Raises:
        AudioDecodeError: The bytes are not audio libsndfile can read.
    """
    import soundfile  # type: ignore[import-untyped]

    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as exc:
        raise AudioDecodeError(f"cannot play this audio: {exc}") from exc
    mono: Samples = (
        samples.mean(axis=1, dtype=np.float32) if samples.shape[1] > 1 else samples[:, 0]
    )
    return np.ascontiguousarray(mono, dtype=np.float32), int(rate)


def find_output_device(wanted: str | int | None) -> int | None:
    """PortAudio's index of the output device named ``wanted`` (None: the default).

    A name matches exactly (ignoring case) or as a unique part of one device's name.

    Raises:
        AudioUnavailable: Nothing, or more than one device, matches.
    """
    if wanted is None or (isinstance(wanted, str) and not wanted.strip()):
        return None
    sd = load_sounddevice()
    outputs = [
        (int(info["index"]), str(info["name"]))
        for info in sd.query_devices()
        if int(info["max_output_channels"]) > 0
    ]
    if isinstance(wanted, int) or wanted.strip().isdigit():
        index = int(wanted)
        if any(found == index for found, _ in outputs):
            return index
        raise AudioUnavailable(f"no output device has index {index}")
    needle = wanted.strip().casefold()
    exact = [index for index, name in outputs if name.casefold() == needle]
    partial = [index for index, name in outputs if needle in name.casefold()]
    if exact or len(partial) == 1:
        return (exact or partial)[0]
    listed = ", ".join(f"{index} {name!r}" for index, name in outputs)
    many = "matches several output devices" if partial else "matches no output device"
    raise AudioUnavailable(f"{wanted!r} {many}; output devices: {listed}")


def list_output_devices() -> list[tuple[str, str]]:
    """PortAudio's output devices as (name, description), the default first.

    Raises:
        AudioUnavailable: PortAudio cannot be loaded.
    """
    sd = load_sounddevice()
    try:
        default = int(sd.default.device[1])
    except (TypeError, ValueError, IndexError):
        default = -1
    devices: list[tuple[int, str, str]] = []
    for info in sd.query_devices():
        if int(info["max_output_channels"]) <= 0:
            continue
        index, name = int(info["index"]), str(info["name"])
        rate = int(float(info["default_samplerate"]))
        mark = " (default)" if index == default else ""
        devices.append((index, name, f"{index}: {name}{mark} · {rate} Hz"))
    devices.sort(key=lambda device: device[0] != default)
    return [(name, description) for _, name, description in devices]


class _Buffer:
    """Samples waiting to be played, filled by the loop, drained by PortAudio's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._blocks: collections.deque[Samples] = collections.deque()
        self._offset = 0
        self.finished = False
        """No more samples will come: the stream ends once the buffer is empty."""
        self.played = 0
        """Samples handed to PortAudio so far (silence while paused or starved excluded)."""
        self.queued = 0
        """Samples of audio queued so far (the closing silence excluded)."""
        self.first_played_at: float | None = None
        """``time.monotonic()`` when the first samples were handed to the device."""

    def put(self, samples: Samples, *, audio: bool = True) -> None:
        if len(samples):
            with self._lock:
                self._blocks.append(samples)
                self.queued += len(samples) if audio else 0

    def fill(self, out: Samples) -> bool:
        """Copy the next samples into ``out`` (silence after them); False once all played."""
        wanted = len(out)
        done = 0
        with self._lock:
            while done < wanted and self._blocks:
                block = self._blocks[0]
                take = min(wanted - done, len(block) - self._offset)
                out[done : done + take] = block[self._offset : self._offset + take]
                done += take
                self._offset += take
                if self._offset == len(block):
                    self._blocks.popleft()
                    self._offset = 0
            self.played += done
            if done and self.first_played_at is None:
                self.first_played_at = time.monotonic()
            empty = not self._blocks
        out[done:] = 0.0
        return not (empty and self.finished)

    @property
    def drained(self) -> bool:
        """Whether everything queued has been handed to the device and no more will come."""
        with self._lock:
            return self.finished and not self._blocks


class Player:
    """Plays audio on one output device; one playback at a time.

    Args:
        device: An output device's name (or a unique part of it) or index; None is the
            system's default output.
    """

    def __init__(self, device: str | int | None = None) -> None:
        self.device = device
        self._stop = threading.Event()
        self._pause = threading.Event()
        self._busy = False
        self.samplerate: int | None = None
        """The rate of the playback running now (that of its first piece)."""
        self._buffer: _Buffer | None = None
        self._ended: asyncio.Future[None] | None = None
        self.underruns = 0
        """How often the device ran dry since this player was made (a gap a listener hears)."""
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def playing(self) -> bool:
        """Whether a playback is running (paused counts)."""
        return self._busy

    @property
    def paused(self) -> bool:
        """Whether playback is paused."""
        return self._pause.is_set()

    @property
    def played_seconds(self) -> float:
        """Seconds of audio played so far in the current (or last) playback."""
        if self._buffer is None or not self.samplerate:
            return 0.0
        return min(self._buffer.played, self._buffer.queued) / self.samplerate

    @property
    def first_audio_at(self) -> float | None:
        """``time.monotonic()`` when the current (or last) playback's first samples went to
        the device (None before): what a latency figure ends on."""
        return None if self._buffer is None else self._buffer.first_played_at

    def stop(self) -> None:
        """Stop at once (the running ``play`` returns); safe from any thread, idempotent."""
        self._stop.set()
        ended, loop = self._ended, self._loop
        if ended is not None and loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(_resolve, ended)

    def pause(self) -> None:
        """Hold playback (silence is played) until :meth:`resume`."""
        self._pause.set()

    def resume(self) -> None:
        """Continue a paused playback where it stopped."""
        self._pause.clear()

    async def play(self, audio: Piece, samplerate: int | None = None) -> bool:
        """Play one file (or samples at ``samplerate``); return when it has been played.

        Returns:
            True if it played to the end, False if :meth:`stop` cut it short.
        """

        async def one() -> AsyncIterable[Piece]:
            yield audio

        return await self.play_pieces(one(), samplerate)

    async def play_pieces(
        self, pieces: AsyncIterable[Piece], samplerate: int | None = None
    ) -> bool:
        """Play pieces back to back as they arrive; return when the last has been played.

        The device opens at the first piece's rate (or ``samplerate`` for raw samples);
        later pieces at another rate are resampled. Cancelling the caller stops at once.

        Returns:
            True if everything played to the end, False if :meth:`stop` cut it short.

        Raises:
            AudioUnavailable: No PortAudio, or the device cannot be opened.
            AudioDecodeError: A piece is not audio.
            DeviceLost: The device stopped playing before the end (unplugged, sound
                server gone): the stream ended with audio still waiting.
            RuntimeError: The player is already playing.
        """
        if self._busy:
            raise RuntimeError("this player is already playing; stop it first")
        self._busy = True
        self._stop.clear()
        self._pause.clear()
        self._buffer = buffer = _Buffer()
        self.samplerate = samplerate
        loop = asyncio.get_running_loop()
        self._ended = ended = loop.create_future()
        self._loop = loop
        streams: list[Any] = []
        feeder = asyncio.create_task(self._feed(pieces, buffer, streams, ended))
        reopened = False
        try:
            while True:
                await asyncio.wait({feeder, ended}, return_when=asyncio.FIRST_COMPLETED)
                if feeder.done():
                    feeder.result()  # a piece that is not audio, a device that cannot open
                    if streams:
                        await ended
                if self._stop.is_set():
                    return False
                if not streams or buffer.drained:
                    return True
                # PortAudio ended the stream on an error with audio still waiting. A sound
                # server that hiccuped takes a new stream: once, from where it stopped.
                if reopened:
                    raise self._lost(buffer)
                reopened = True
                ended = await self._reopen(buffer, streams, loop)
        finally:
            drain = not self._stop.is_set()  # played to the end: let the device finish it
            self._stop.set()  # the callback aborts at its next block (a cancelled caller)
            buffer.finished = True
            if not feeder.done():
                feeder.cancel()
                with contextlib.suppress(BaseException):
                    await feeder
            if streams:
                await asyncio.shield(asyncio.to_thread(_close, streams[0], drain))
            self._busy = False
            self._ended = None

    def _lost(self, buffer: _Buffer) -> DeviceLost:
        return DeviceLost(
            f"the output device stopped playing after {self.played_seconds:.1f} s "
            f"of {buffer.queued / (self.samplerate or 1):.1f} s "
            "(unplugged, or the sound server went away)"
        )

    async def _reopen(
        self, buffer: _Buffer, streams: list[Any], loop: asyncio.AbstractEventLoop
    ) -> asyncio.Future[None]:
        """Close the stream PortAudio ended and play the rest of ``buffer`` on a new one."""
        await asyncio.shield(asyncio.to_thread(_close, streams[0], False))
        self._ended = ended = loop.create_future()
        try:
            streams[0] = await asyncio.to_thread(self._open, buffer, loop, ended)
        except AudioUnavailable as exc:
            raise self._lost(buffer) from exc
        return ended

    async def _feed(
        self,
        pieces: AsyncIterable[Piece],
        buffer: _Buffer,
        streams: list[Any],
        ended: asyncio.Future[None],
    ) -> None:
        """Decode the pieces into the buffer, opening the device on the first."""
        loop = asyncio.get_running_loop()
        async for piece in pieces:
            samples = await self._prepare(piece)
            if self._stop.is_set():
                return
            if not streams:
                streams.append(await asyncio.to_thread(self._open, buffer, loop, ended))
            buffer.put(samples)
        if streams:
            # PortAudio reports the end when the last block is handed to the host API, and
            # closing then loses what the sound server has not played yet (measured: the
            # last 60 ms through ALSA's pulse plugin): end on silence, so only that is lost.
            tail = max(TAIL_SECONDS, 2 * float(streams[0].latency))
            rate = self.samplerate or 0
            buffer.put(np.zeros(round(rate * tail), dtype=np.float32), audio=False)
        buffer.finished = True
        if not streams:
            _resolve(ended)  # nothing to play

    async def _prepare(self, piece: Piece) -> Samples:
        if isinstance(piece, bytes | bytearray | memoryview):
            samples, rate = await asyncio.to_thread(decode_audio, bytes(piece))
        else:
            samples = np.ascontiguousarray(piece, dtype=np.float32).reshape(-1)
            rate = self.samplerate or 0
            if not rate:
                raise ValueError("raw samples need samplerate=")
        if self.samplerate is None:
            self.samplerate = rate
        if rate != self.samplerate:
            samples = await asyncio.to_thread(resample, samples, rate, self.samplerate)
        return samples

    def _open(
        self, buffer: _Buffer, loop: asyncio.AbstractEventLoop, ended: asyncio.Future[None]
    ) -> Any:
        sd = load_sounddevice()
        rate = self.samplerate or 0
        stop, pause = self._stop, self._pause

        def callback(out: Any, frames: int, _time: Any, status: Any) -> None:
            if status.output_underflow:
                self.underruns += 1
            if stop.is_set():
                out.fill(0)
                raise sd.CallbackAbort
            if pause.is_set():
                out.fill(0)
                return
            if not buffer.fill(out[:, 0]):
                raise sd.CallbackStop  # PortAudio plays what it holds, then finishes

        def finished() -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed after a Ctrl+C
                loop.call_soon_threadsafe(_resolve, ended)

        try:
            stream = sd.OutputStream(
                samplerate=rate,
                channels=1,
                dtype="float32",
                device=find_output_device(self.device),
                blocksize=max(1, round(rate * BLOCK_SECONDS)),
                latency=OUTPUT_LATENCY,
                callback=callback,
                finished_callback=finished,
            )
            stream.start()
        except sd.PortAudioError as exc:
            raise AudioUnavailable(f"cannot open the output device: {exc}") from exc
        return stream


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _close(stream: Any, drain: bool) -> None:
    with contextlib.suppress(Exception):
        if drain:
            stream.stop()
        else:
            stream.abort()
    with contextlib.suppress(Exception):
        stream.close()
