"""Writing a recording's FLAC file from a thread of its own.

Encoding FLAC and writing it to disk can take milliseconds, and a disk can stall for
longer: none of it may happen on the event loop that draws the screen. The recorder hands
each block to :meth:`FlacWriter.write`, which only queues it; the writer's thread converts
it to 16-bit samples, encodes and writes it, in order.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any

import soundfile  # type: ignore[import-untyped]

from groq_tui.audio.encoding import to_pcm16
from groq_tui.audio.resample import Samples

_CLOSE = None
"""Queued by :meth:`FlacWriter.close`: everything before it is written, then the file closes."""


class FlacWriter:
    """A 16-bit mono FLAC file written by a background thread, block by block.

    Opening and closing block (they touch the disk): call them off the event loop.
    :meth:`write` never blocks.

    Args:
        path: The file to write (an existing file is overwritten, its mode kept).
        samplerate: The samples' rate in Hz.
    """

    def __init__(self, path: Path, samplerate: int) -> None:
        self.path = path
        self._file: Any = soundfile.SoundFile(
            str(path), "w", samplerate, 1, "PCM_16", format="FLAC"
        )
        self._blocks: queue.SimpleQueue[Samples | None] = queue.SimpleQueue()
        self._error: Exception | None = None
        # A daemon: an app that exits without stopping its recorder is not held open by it.
        self._thread = threading.Thread(
            target=self._run, name=f"flac-writer {path.name}", daemon=True
        )
        self._thread.start()

    def write(self, block: Samples) -> None:
        """Queue mono float samples to be written (never blocks)."""
        self._blocks.put(block)

    def close(self) -> None:
        """Write what is queued, close the file (blocks until done).

        Raises:
            OSError: Writing failed (disk full, file gone); what came before is in the file.
        """
        if self._thread.is_alive():
            self._blocks.put(_CLOSE)
            self._thread.join()
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._error is not None:
            error, self._error = self._error, None
            raise OSError(f"cannot write the recording {self.path}: {error}") from error

    def _run(self) -> None:
        while (block := self._blocks.get()) is not _CLOSE:
            if self._error is not None:
                continue  # keep draining: the recorder goes on until it is stopped
            try:
                self._file.write(to_pcm16(block))
            except (OSError, RuntimeError) as exc:  # libsndfile reports as RuntimeError
                self._error = exc
