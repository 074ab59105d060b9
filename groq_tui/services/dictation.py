"""Live dictation: speech cut at pauses, each segment transcribed as soon as it ends.

Two layers, both without Textual:

- :class:`DictationSession` takes finished :class:`~groq_tui.audio.SpeechSegment` s,
  encodes each as 16 kHz mono FLAC and sends it at once - several in flight at a time,
  bounded by ``concurrency`` - and hands the texts back *in order*, each as soon as it and
  every earlier one have arrived. The text delivered so far goes with each request as
  ``prompt`` (after the user's own prompt), so Whisper keeps names, spelling and casing
  consistent from one segment to the next.
- :class:`LiveDictation` records from the microphone, resamples to 16 kHz, cuts segments
  with the VAD and feeds a session, until :meth:`LiveDictation.stop`, a silence timeout, a
  time limit or the loss of the device; whatever was transcribed is still delivered.

The CLI's ``groq-tui dictate`` prints :class:`SegmentText` events; the app's dictation
screen shows them in its composer.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from enum import Enum

from groq_tui.api import (
    AuthenticationError,
    BadRequestError,
    GroqClient,
    InvalidRequestParameter,
    NotFoundError,
    PermissionDeniedError,
    Transcription,
)
from groq_tui.audio.archive import RecordingArchive, SavedRecording
from groq_tui.audio.encoding import UPLOAD_EXTENSION, UPLOAD_RATE, encode_flac
from groq_tui.audio.recorder import Recorder, Recording
from groq_tui.audio.resample import Samples, StreamResampler
from groq_tui.audio.segmenter import SegmentSpan, SpeechSegment, SpeechSegmenter
from groq_tui.services.transcription import send_audio

MAX_PROMPT_CHARS = 800
"""Whisper reads at most 224 prompt tokens (about 800 characters of English); the rest is
dropped from the front by the server, so the most recent text is what is kept here."""
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
"""Whisper's own rule for "this was not speech": both thresholds crossed."""


@dataclass(frozen=True)
class DictationOptions:
    """What each segment is sent with."""

    model: str = "whisper-large-v3"
    language: str | None = None
    """ISO-639-1 code of the speech; None lets the service detect it."""
    prompt: str | None = None
    """Context or vocabulary (names, spellings) sent before the previous text."""
    translate: bool = False
    """Send to /audio/translations (English text from any language)."""
    temperature: float | None = None
    concurrency: int = 4
    """Segments in flight at once."""


@dataclass(frozen=True)
class SegmentText(SegmentSpan):
    """A segment's text, delivered in order."""

    text: str
    """Stripped; may be empty (the segment held no words)."""
    closed_at: float
    """``time.monotonic()`` when the segment ended (the segmenter closed it)."""
    sent_at: float
    """When its request started (after encoding)."""
    response_at: float
    """When the response had been read."""
    delivered_at: float = 0.0
    """When it was handed to the consumer."""


@dataclass(frozen=True)
class SegmentFailed(SegmentSpan):
    """A segment that could not be transcribed, delivered in its place in the order."""

    error: Exception

    @property
    def fatal(self) -> bool:
        """Whether every later segment would fail the same way (bad key, unknown model,
        invalid parameters), so dictation should stop."""
        return is_fatal(self.error)


DictationEvent = SegmentText | SegmentFailed


def is_fatal(error: BaseException) -> bool:
    """Whether ``error`` will recur for every request with the same settings."""
    return isinstance(
        error,
        AuthenticationError
        | PermissionDeniedError
        | NotFoundError
        | BadRequestError
        | InvalidRequestParameter,
    )


def build_prompt(
    user_prompt: str | None, previous: str, limit: int = MAX_PROMPT_CHARS
) -> str | None:
    """The ``prompt`` for the next segment: the user's prompt, then the end of the text so far.

    The previous text is cut at a word boundary to fit ``limit`` characters in all; the
    user's prompt (vocabulary) is never cut for it.
    """
    user = (user_prompt or "").strip()
    room = limit - len(user) - (1 if user else 0)
    tail = previous.strip()
    if room <= 0:
        tail = ""
    elif len(tail) > room:
        tail = tail[-room:]
        space = tail.find(" ")
        tail = tail[space + 1 :] if 0 <= space < len(tail) - 1 else tail
    joined = " ".join(part for part in (user, tail) if part)
    return joined or None


def speech_text(result: Transcription) -> str:
    """The text of ``result`` without the parts Whisper itself marks as not speech."""
    segments = result.segments
    if not segments:
        return result.text.strip()
    kept = [
        segment.text.strip()
        for segment in segments
        if not (
            (segment.no_speech_prob or 0.0) > NO_SPEECH_PROB
            and (segment.avg_logprob if segment.avg_logprob is not None else 0.0) < LOW_LOGPROB
        )
    ]
    if len(kept) == len(segments):
        return result.text.strip()
    return " ".join(part for part in kept if part)


class DictationSession:
    """Transcribes segments in parallel and delivers their texts in order.

    Args:
        client: The API client (its retries apply to each segment).
        options: Model, language, prompt, translate, concurrency.
    """

    def __init__(self, client: GroqClient, options: DictationOptions) -> None:
        self.client = client
        self.options = options
        self._limit = asyncio.Semaphore(max(1, options.concurrency))
        self._tasks: set[asyncio.Task[None]] = set()
        self._ready: dict[int, DictationEvent] = {}
        self._submitted = 0
        self._next = 0
        self._closed = False
        self._ended = False
        self._out: asyncio.Queue[DictationEvent | None] = asyncio.Queue()
        self._texts: list[str] = []

    @property
    def text(self) -> str:
        """The text delivered so far, segments joined by spaces."""
        return " ".join(text for text in self._texts if text)

    @property
    def pending(self) -> int:
        """Segments submitted whose event has not been delivered yet."""
        return self._submitted - self._next

    def submit(self, segment: SpeechSegment) -> None:
        """Start transcribing ``segment`` now (it waits only for a free slot)."""
        if self._closed:
            raise RuntimeError("the session is closed")
        order = self._submitted
        self._submitted += 1
        task = asyncio.create_task(self._transcribe(order, segment), name=f"dictation-{order}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def close(self) -> None:
        """No more segments: :meth:`events` ends after the last one submitted."""
        self._closed = True
        self._release()

    async def cancel(self) -> None:
        """Abandon the segments in flight."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if not self._ended:
            self._ended = True
            self._out.put_nowait(None)

    async def events(self) -> AsyncIterator[DictationEvent]:
        """Each segment's text (or failure) in order, as soon as it can be delivered."""
        while (event := await self._out.get()) is not None:
            yield (
                dataclasses.replace(event, delivered_at=time.monotonic())
                if isinstance(event, SegmentText)
                else event
            )

    async def _transcribe(self, order: int, segment: SpeechSegment) -> None:
        event: DictationEvent
        try:
            # FLAC encoding is CPU work (a few ms for 30 s): off the loop.
            upload = await asyncio.to_thread(encode_flac, segment.samples, UPLOAD_RATE)
            async with self._limit:
                sent_at = time.monotonic()
                result = await self._send(upload, build_prompt(self.options.prompt, self.text))
            event = SegmentText(
                index=segment.index,
                start=segment.start,
                end=segment.end,
                text=speech_text(result),
                closed_at=segment.closed_at,
                sent_at=sent_at,
                response_at=time.monotonic(),
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one failed segment must not lose the others
            event = SegmentFailed(segment.index, segment.start, segment.end, exc)
        self._ready[order] = event
        self._release()

    async def _send(self, upload: bytes, prompt: str | None) -> Transcription:
        options = self.options
        return await send_audio(
            self.client,
            upload,
            f"segment.{UPLOAD_EXTENSION}",
            model=options.model,
            translate=options.translate,
            language=options.language,
            prompt=prompt,
            temperature=options.temperature,
        )

    def _release(self) -> None:
        """Deliver every event whose predecessors have all been delivered."""
        while self._next in self._ready:
            event = self._ready.pop(self._next)
            self._next += 1
            if isinstance(event, SegmentText):
                self._texts.append(event.text)
            self._out.put_nowait(event)
        if self._closed and not self._ended and self._next == self._submitted:
            self._ended = True
            self._out.put_nowait(None)


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


class LiveDictation:
    """Microphone -> segments at pauses -> texts in order, until stopped.

    Args:
        client: The API client.
        options: What each segment is sent with.
        recorder: The recorder to use (default: the default input device).
        segmenter: Cuts speech at pauses (default: :class:`SpeechSegmenter` defaults).
        max_seconds: Stop after recording this long.
        stop_after_silence: Stop after this many seconds without speech.
        archive: Where recordings are kept; without one, none is kept.
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
        await self.recorder.start()
        capture = asyncio.create_task(self._capture(blocks), name="dictation-capture")
        try:
            async for event in self.session.events():
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
            raise
        yield await self._finish(recording)

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
