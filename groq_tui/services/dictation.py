"""Live dictation: speech cut at pauses, each segment transcribed as soon as it ends.

Two layers, both without Textual:

- :class:`~groq_tui.services.dictation_session.DictationSession` (in its own module)
  transcribes finished segments several at a time and hands their texts back in order.
- :class:`LiveDictation` records from the microphone, resamples to 16 kHz, cuts segments
  with the VAD and feeds a session, until :meth:`LiveDictation.stop`, a silence timeout, a
  time limit or the loss of the device; whatever was transcribed is still delivered.

The CLI's ``groq-tui dictate`` prints :class:`SegmentText` events; the app's dictation
screen shows them in its composer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from groq_tui.api import GroqClient
from groq_tui.audio.archive import DictationJournal, RecordingArchive, SavedRecording
from groq_tui.audio.encoding import UPLOAD_RATE
from groq_tui.audio.recorder import Recorder, Recording
from groq_tui.audio.resample import Samples, StreamResampler
from groq_tui.audio.segmenter import SpeechSegment, SpeechSegmenter
from groq_tui.services.dictation_session import (
    DictationOptions,
    DictationSession,
    SegmentFailed,
    SegmentText,
)

__all__ = [
    "DictationFinished",
    "DictationOptions",
    "LiveDictation",
    "LiveEvent",
    "SegmentFailed",
    "SegmentText",
    "StopReason",
]


class StopReason(Enum):
    """Why a live dictation ended."""

    STOPPED = "stopped"
    """:meth:`LiveDictation.stop` (the user)."""
    SILENCE = "silence"
    """No speech for ``stop_after_silence`` seconds."""
    TIME_LIMIT = "time limit"
    """``max_seconds`` recorded."""
    DEVICE_LOST = "device lost"
    """The input device disappeared or went silent; what was recorded is kept."""
    FAILED = "failed"
    """A segment failed in a way every later one would (bad key, unknown model)."""


@dataclass(frozen=True)
class DictationFinished:
    """The last event of a live dictation."""

    reason: StopReason
    text: str
    """Everything transcribed, in order."""
    duration: float
    """Seconds recorded."""
    error: Exception | None = None
    """The device loss or the fatal segment failure, if that is why it ended."""
    saved: SavedRecording | None = None
    """The recording, kept in the archive when asked for or when the device was lost."""
    recording: Recording | None = None
    """The same, still in its private temporary file, when there is no archive."""


LiveEvent = SegmentText | SegmentFailed | DictationFinished
_T = TypeVar("_T")


class LiveDictation:
    """Microphone -> segments at pauses -> texts in order, until stopped.

    Args:
        client: The API client.
        options: What each segment is sent with.
        recorder: The recorder to use (default: the default input device).
        segmenter: Cuts speech at pauses (default: :class:`SpeechSegmenter` defaults).
        max_seconds: Stop after recording this long.
        stop_after_silence: Stop after this many seconds without speech.
        archive: Where recordings are kept; without one, none is kept. With one, a
            journal there keeps the recording and the text so far while it runs, for
            :meth:`RecordingArchive.recover_unfinished` after a kill.
        keep_recording: Keep the recording (with its transcript) in ``archive``. It is
            kept anyway if the device was lost mid-way.
        on_segment: Called on the loop as each segment closes (before it is sent).
    """

    def __init__(
        self,
        client: GroqClient,
        options: DictationOptions,
        *,
        recorder: Recorder | None = None,
        segmenter: SpeechSegmenter | None = None,
        max_seconds: float | None = None,
        stop_after_silence: float | None = None,
        archive: RecordingArchive | None = None,
        keep_recording: bool = False,
        on_segment: Callable[[SpeechSegment], None] | None = None,
    ) -> None:
        self.recorder = recorder or Recorder()
        self.segmenter = segmenter or SpeechSegmenter()
        self.session = DictationSession(client, options)
        self.max_seconds = max_seconds
        self.stop_after_silence = stop_after_silence
        self.archive = archive
        self.keep_recording = keep_recording
        self.on_segment = on_segment
        self.reason: StopReason | None = None
        self._error: Exception | None = None
        self._stopping: asyncio.Task[Recording] | None = None
        self._journal: DictationJournal | None = None

    @property
    def level(self) -> float:
        """The input level in dBFS, for a meter."""
        return self.recorder.level

    @property
    def elapsed(self) -> float:
        """Seconds recorded."""
        return self.recorder.elapsed

    def stop(self, reason: StopReason = StopReason.STOPPED) -> None:
        """Stop recording; the segment in progress is still transcribed and delivered."""
        if self.reason is None:
            self.reason = reason
        if self._stopping is None and self.recorder.running:
            self._stopping = asyncio.create_task(self.recorder.stop(), name="recorder-stop")
        # Not started yet: the capture loop stops the recorder once it runs.

    async def events(self) -> AsyncIterator[LiveEvent]:
        """Start recording and yield each segment's text in order, then one
        :class:`DictationFinished`.

        Raises:
            AudioUnavailable: recording cannot start (no PortAudio, no such device).
        """
        blocks = self.recorder.blocks()
        if self.archive is not None:
            with contextlib.suppress(OSError):  # a read-only or full data dir: no journal
                self._journal = await asyncio.to_thread(self.archive.begin_dictation)
        try:
            await self.recorder.start()
        except BaseException:
            await self._close_journal()
            raise
        capture = asyncio.create_task(self._capture(blocks), name="dictation-capture")
        try:
            if self.recorder.path is not None:
                await self._note(DictationJournal.record_audio, self.recorder.path)
            async for event in self.session.events():
                if isinstance(event, SegmentText):
                    # On disk before it is shown: what the user saw typed survives a kill.
                    await self._note(DictationJournal.record_text, self.session.text)
                yield event
                if isinstance(event, SegmentFailed) and event.fatal and self._error is None:
                    self._error = event.error
                    self.stop(StopReason.FAILED)
            recording = await capture
        except BaseException:
            capture.cancel()
            await self.session.cancel()
            with contextlib.suppress(Exception):
                (await self.recorder.stop()).discard()
            await self._close_journal()
            raise
        try:
            finished = await self._finish(recording)
        finally:
            await self._close_journal()
        yield finished

    async def _note(self, entry: Callable[[DictationJournal, _T], None], value: _T) -> None:
        """Add an entry to the journal; a disk that fills up meanwhile costs only that."""
        if self._journal is not None:
            with contextlib.suppress(OSError):
                await asyncio.to_thread(entry, self._journal, value)

    async def _close_journal(self) -> None:
        if self._journal is not None:
            journal, self._journal = self._journal, None
            with contextlib.suppress(OSError):
                await asyncio.to_thread(journal.close)

    async def _capture(self, blocks: AsyncIterator[Samples]) -> Recording:
        """Feed the recorder's blocks to the segmenter until the recording ends."""
        try:
            resampler = StreamResampler(self.recorder.samplerate, UPLOAD_RATE)
            async for block in blocks:
                self._feed(resampler.feed(block))
                if self._stopping is None:
                    self._check_limits()
            self._feed(resampler.flush())
            last = self.segmenter.flush()
            if last is not None:
                self._submit(last)
        finally:
            self.session.close()
        recording = await (self._stopping or self.recorder.stop())
        if recording.error is not None and self.reason is None:
            self.reason = StopReason.DEVICE_LOST
            self._error = recording.error
        return recording

    def _check_limits(self) -> None:
        if self.reason is not None:  # stop() came before the recorder was running
            self.stop(self.reason)
        elif self.max_seconds is not None and self.recorder.elapsed >= self.max_seconds:
            self.stop(StopReason.TIME_LIMIT)
        elif (
            self.stop_after_silence is not None
            and not self.segmenter.in_speech
            and self.segmenter.silence >= self.stop_after_silence
        ):
            self.stop(StopReason.SILENCE)

    def _feed(self, samples: Samples) -> None:
        for segment in self.segmenter.feed(samples):
            self._submit(segment)

    def _submit(self, segment: SpeechSegment) -> None:
        if self.on_segment is not None:
            self.on_segment(segment)
        self.session.submit(segment)

    async def _finish(self, recording: Recording) -> DictationFinished:
        text = self.session.text
        saved = None
        kept = None
        keep = (self.keep_recording or recording.error is not None) and recording.frames > 0
        if keep and self.archive is not None:
            saved = await asyncio.to_thread(self.archive.save, recording.path, text)
        elif keep:
            kept = recording  # no archive: the caller decides where it goes
        else:
            await asyncio.to_thread(recording.discard)
        return DictationFinished(
            reason=self.reason or StopReason.STOPPED,
            text=text,
            duration=recording.duration,
            error=self._error,
            saved=saved,
            recording=kept,
        )
