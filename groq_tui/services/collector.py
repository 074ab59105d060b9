"""The cycle collector's full passes, held off while replies stream.

CPython's cycle collector now and then makes a full pass over every object not frozen (the app
freezes what start-up left). A streaming reply keeps what it shows (its text, the lines and
strips on screen), so full passes come often while replies stream and grow with what the app
holds: measured on four replies at once in compare, 60-100 ms each, about 150 ms of a 2.2 s
turn, taken from the frames and the keys. While a reply streams, only the young generations
are collected (what a stream makes and drops at once is still freed); the full passes resume a
moment after the last reply ends, when the reader reads, as Textual pauses the collector
while it scrolls smoothly (``App.PAUSE_GC_ON_SCROLL``). Replies that follow each other with no
such moment for :data:`HELD_AT_MOST` seconds get one pass at the start of the next, while the
server works on it: the garbage stays bounded (20 long replies sent back to back end at the
same memory as with no holding).

:data:`FULL_COLLECTIONS` is the one switch (the reply pipeline holds it while a reply streams;
:func:`full_collections_held` holds it for a block): nested holds, as compare's columns make,
release the passes once all of them ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Iterator

HELD_THRESHOLD = 1 << 30
"""The third generation's threshold while held: never reached (full passes wait)."""

RESUME_AFTER = 1.0
"""Seconds after the last hold ends before full passes may run again: not in the frame that
shows a reply's end, nor between two replies sent one after the other."""


HELD_AT_MOST = 20.0
"""Seconds of replies following each other with no pause for the passes, after which the next
reply starts with one (the garbage they leave is bounded)."""


class FullCollections:
    """Holds the collector's full passes while anyone holds them; see the module."""

    def __init__(
        self, resume_after: float = RESUME_AFTER, held_at_most: float = HELD_AT_MOST
    ) -> None:
        self.resume_after = resume_after
        self.held_at_most = held_at_most
        self._held_since = 0.0
        self._holders = 0
        self._saved: tuple[int, int, int] | None = None
        self._resume: asyncio.TimerHandle | None = None

    @property
    def held(self) -> bool:
        """Whether full passes wait (held, or released too recently)."""
        return self._saved is not None

    def hold(self) -> None:
        self._holders += 1
        if self._resume is not None:  # the last reply ended a moment ago: still held
            self._resume.cancel()
            self._resume = None
            if time.monotonic() - self._held_since > self.held_at_most:
                # Replies that follow each other closely (a conversation typed fast) would
                # hold the passes for good: one runs now, while the server works on the
                # request just sent.
                gc.collect()
                self._held_since = time.monotonic()
        if self._saved is None:
            self._saved = gc.get_threshold()
            self._held_since = time.monotonic()
            gc.set_threshold(*self._saved[:2], HELD_THRESHOLD)

    def release(self) -> None:
        self._holders -= 1
        if self._holders > 0:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop left to wait on: resume now
            self.resume_now()
            return
        self._resume = loop.call_later(self.resume_after, self.resume_now)

    def resume_now(self) -> None:
        """Let full passes run again now, unless a reply holds them (a resume still pending
        when its event loop ended never runs: the next hold or this puts things right)."""
        if self._resume is not None:
            self._resume.cancel()
        self._resume = None
        if self._holders == 0 and self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None


FULL_COLLECTIONS = FullCollections()
"""The process's one switch (the collector is the process's)."""


@contextlib.contextmanager
def full_collections_held(switch: FullCollections = FULL_COLLECTIONS) -> Iterator[None]:
    """Hold the collector's full passes for the duration (nested holds release together)."""
    switch.hold()
    try:
        yield
    finally:
        switch.release()
