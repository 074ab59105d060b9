"""Recording from an input device to a private temporary file.

PortAudio calls back on its own thread. The callback does one thing: it hands a copy of
the buffer to the event loop (``loop.call_soon_threadsafe(queue.put_nowait, ...)``), as in
sounddevice's asyncio example; it never blocks, locks, or touches state the loop owns. If
the loop has closed (the app ended without stopping the recorder), the hand-off raises
and the callback ends the stream: asking ``is_closed()`` first would leave a moment in
which the loop closes between the question and the hand-off. The level meter and passing
blocks on happen on the loop, in the recorder's pump task; encoding and writing the file
happen in a :class:`~groq_tui.audio.flac_writer.FlacWriter`'s thread, never on the loop.

The file is FLAC (16-bit, mono, the device's rate), created with mode 0600. A device that
disappears mid-recording (unplugged, sound server gone) or goes silent for
``stall_timeout`` ends the recording with :class:`DeviceLost`; what was recorded until
then is in the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from groq_tui.audio.devices import InputDevice, find_input_device
from groq_tui.audio.encoding import to_mono
from groq_tui.audio.errors import AudioUnavailable, DeviceLost
from groq_tui.audio.flac_writer import FlacWriter
from groq_tui.audio.portaudio import load_sounddevice
from groq_tui.audio.resample import Samples
from groq_tui.audio.vad import SILENCE_DB, level_db

_END = object()
"""Queued by PortAudio's finished callback: the stream is over."""
_PA_INVALID_CHANNEL_COUNT = -9998


@dataclass(frozen=True)
class Recording:
    """What a recorder captured."""

    path: Path
    """The private (0600) FLAC file holding it."""
    samplerate: int
    frames: int
    device: str
    """The input device's name."""
    error: DeviceLost | None = None
    """Why the recording ended early, if it did."""

    @property
    def duration(self) -> float:
        """Seconds recorded."""
        return self.frames / self.samplerate if self.samplerate else 0.0

    def discard(self) -> None:
        """Delete the file."""
        self.path.unlink(missing_ok=True)


def private_temp_path(suffix: str, directory: Path | None = None) -> Path:
    """A new empty file only its owner can read (mode 0600), for audio in transit; in the
    system's temp dir when ``directory`` cannot take it (missing, read-only, full)."""
    try:
        fd, name = tempfile.mkstemp(prefix="groq-tui-", suffix=suffix, dir=directory)
    except OSError:
        if directory is None:
            raise
        fd, name = tempfile.mkstemp(prefix="groq-tui-", suffix=suffix)
    os.close(fd)
    os.chmod(name, 0o600)  # mkstemp's default already; explicit, whatever the platform
    return Path(name)


class Recorder:
    """Records one input device until :meth:`stop`, or until the device is lost.

    Args:
        device: Index or name (or unique part of one) of the input device; None for the
            system's default.
        samplerate: The rate to open the device at; None for its own default (resampling
            to the upload rate is done afterwards, in numpy).
        block_seconds: How much audio each callback carries.
        directory: Where the temporary file goes (default, or when it cannot be written:
            the system's temp dir).
        stall_timeout: Seconds without a buffer after which the device counts as lost.
    """

    def __init__(
        self,
        device: str | int | None = None,
        *,
        samplerate: int | None = None,
        block_seconds: float = 0.02,
        directory: Path | None = None,
        stall_timeout: float = 5.0,
    ) -> None:
        self._wanted = device
        self._wanted_rate = samplerate
        self._block_seconds = block_seconds
        self._directory = directory
        self._stall_timeout = stall_timeout
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._consumers: list[asyncio.Queue[Samples | None]] = []
        self._stream: Any = None
        self._writer: FlacWriter | None = None
        self._pump: asyncio.Task[None] | None = None
        self._stopping = False
        self._recording: Recording | None = None
        self.device: InputDevice | None = None
        """The device being recorded (set by :meth:`start`)."""
        self.samplerate = 0
        """The rate the device delivers (set by :meth:`start`)."""
        self.path: Path | None = None
        """The file being written."""
        self.frames = 0
        """Samples recorded so far."""
        self.level = SILENCE_DB
        """The RMS level of the last block in dBFS, for a level meter."""
        self.overflows = 0
        """Blocks PortAudio reported as overflowed (audio lost because the system lagged)."""
        self.error: DeviceLost | None = None
        """Set when the device was lost."""
        self.started_at: float | None = None
        """``time.monotonic()`` when the stream started."""
        self.first_block_at: float | None = None
        """``time.monotonic()`` when the first buffer arrived."""

    @property
    def elapsed(self) -> float:
        """Seconds recorded so far."""
        return self.frames / self.samplerate if self.samplerate else 0.0

    @property
    def running(self) -> bool:
        """Whether audio is being recorded."""
        return self._pump is not None and not self._pump.done()

    def blocks(self) -> AsyncIterator[Samples]:
        """The mono float32 blocks as they arrive (at :attr:`samplerate`), until the end.

        Call it before :meth:`start` (or right after, before awaiting anything else) to
        get every block; each call gets its own copy of the stream.
        """
        queue: asyncio.Queue[Samples | None] = asyncio.Queue()
        self._consumers.append(queue)
        return self._iterate(queue)

    async def _iterate(self, queue: asyncio.Queue[Samples | None]) -> AsyncIterator[Samples]:
        try:
            while (block := await queue.get()) is not None:
                yield block
        finally:
            if queue in self._consumers:
                self._consumers.remove(queue)

    async def start(self) -> None:
        """Open the device and start recording.

        Raises:
            AudioUnavailable: PortAudio is missing, there is no (such) input device, or it
                cannot be opened.
        """
        if self._pump is not None:
            raise RuntimeError("a Recorder records once; make a new one")
        # PortAudio's set-up blocks (device probing, server round trips): off the loop.
        self.device = await asyncio.to_thread(find_input_device, self._wanted)
        self.samplerate = int(self._wanted_rate or self.device.default_samplerate)
        self.path = await asyncio.to_thread(private_temp_path, ".flac", self._directory)
        try:
            self._writer = await asyncio.to_thread(FlacWriter, self.path, self.samplerate)
            self._stream = await asyncio.to_thread(self._open, asyncio.get_running_loop())
        except BaseException:
            await asyncio.to_thread(self._close_file_and_delete)
            raise
        self.started_at = time.monotonic()
        self._pump = asyncio.create_task(self._run_pump(), name="recorder-pump")

    def _open(self, loop: asyncio.AbstractEventLoop) -> Any:
        """Open and start the PortAudio stream (in a worker thread)."""
        sd = load_sounddevice()
        queue = self._queue
        assert self.device is not None

        def callback(indata: Any, frames: int, time_info: Any, status: Any) -> None:
            # PortAudio's thread: copy the buffer (PortAudio reuses it), hand it over, return.
            try:
                loop.call_soon_threadsafe(queue.put_nowait, (indata.copy(), bool(status)))
            except RuntimeError:  # the event loop is closed: nobody is listening any more
                raise sd.CallbackAbort from None

        def finished() -> None:
            with contextlib.suppress(RuntimeError):  # a closed loop needs no end marker
                loop.call_soon_threadsafe(queue.put_nowait, _END)

        channels = 1
        while True:
            try:
                stream = sd.InputStream(
                    device=self.device.index,
                    samplerate=self.samplerate,
                    channels=channels,
                    dtype="float32",
                    blocksize=max(1, round(self.samplerate * self._block_seconds)),
                    callback=callback,
                    finished_callback=finished,
                )
            except sd.PortAudioError as exc:
                code = exc.args[1] if len(exc.args) > 1 else None
                if code == _PA_INVALID_CHANNEL_COUNT and channels == 1 and self.device.channels > 1:
                    channels = 2  # some hardware records stereo only; mixed down on the loop
                    continue
                raise self._unavailable(exc) from exc
            try:
                stream.start()
            except sd.PortAudioError as exc:
                stream.close(ignore_errors=True)
                raise self._unavailable(exc) from exc
            return stream

    def _unavailable(self, exc: Exception) -> AudioUnavailable:
        name = self.device.name if self.device else "the input device"
        return AudioUnavailable(f"cannot record from {name!r}: {exc.args[0] if exc.args else exc}")

    async def _run_pump(self) -> None:
        """Move blocks from PortAudio's queue to the file and the consumers."""
        name = self.device.name if self.device else "the input device"
        try:
            while True:
                try:
                    # Not wait_for: on Python 3.11 it swallows a cancel that arrives in the
                    # same step as a block, and the pump would outlive the app's exit.
                    async with asyncio.timeout(self._stall_timeout):
                        item = await self._queue.get()
                except TimeoutError:
                    if self._stopping:
                        return
                    self.error = DeviceLost(
                        f"no audio from {name!r} for {self._stall_timeout:g} s", self.path
                    )
                    return
                if item is _END:
                    if not self._stopping:
                        self.error = DeviceLost(
                            f"the input device {name!r} stopped delivering audio "
                            "(unplugged, or the sound server went away)",
                            self.path,
                        )
                    return
                data, overflowed = item
                self._take(to_mono(data), overflowed)
        finally:
            for queue in self._consumers:
                queue.put_nowait(None)

    def _take(self, block: Samples, overflowed: bool) -> None:
        if self.first_block_at is None:
            self.first_block_at = time.monotonic()
        if overflowed:
            self.overflows += 1
        assert self._writer is not None
        self._writer.write(block)
        self.frames += block.size
        self.level = level_db(block)
        for queue in self._consumers:
            queue.put_nowait(block)

    async def wait(self) -> None:
        """Return when the recording has ended by itself (device lost)."""
        if self._pump is not None:
            await asyncio.shield(self._pump)

    async def stop(self) -> Recording:
        """Stop recording (if still running) and return what was recorded.

        Never raises for a lost device: the :class:`Recording` carries the error, and the
        file holds everything recorded before it. Safe to call more than once.
        """
        if self._recording is not None:
            return self._recording
        if self._pump is None or self.path is None or self.device is None:
            raise RuntimeError("the recorder was not started")
        self._stopping = True
        stream = self._stream
        if stream is not None:
            # Stopping waits for PortAudio's thread: off the loop. The finished callback
            # then queues _END behind the last buffers, so the pump drains them all.
            await asyncio.to_thread(_close_stream, stream, abort=self.error is not None)
        if not self._pump.done():
            self._queue.put_nowait(_END)  # the stream had already ended
        # The pump may have been cancelled with the app's other tasks: finish all the same.
        await asyncio.wait([self._pump])
        if not self._pump.cancelled():
            self._pump.result()  # a failure of the pump is the caller's to see
        await asyncio.to_thread(self._close_file)
        self._recording = Recording(
            path=self.path,
            samplerate=self.samplerate,
            frames=self.frames,
            device=self.device.name,
            error=self.error,
        )
        return self._recording

    def _close_file(self) -> None:
        """Write what is queued and close the file (blocks: in a worker thread)."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()

    def _close_file_and_delete(self) -> None:
        try:
            self._close_file()
        finally:
            if self.path is not None:
                self.path.unlink(missing_ok=True)


def _close_stream(stream: Any, *, abort: bool) -> None:
    """Stop and close a stream whose device may already be gone."""
    sd = load_sounddevice()
    try:
        if abort:
            stream.abort()
        else:
            stream.stop()
    except sd.PortAudioError:
        pass
    with contextlib.suppress(sd.PortAudioError):
        stream.close()
