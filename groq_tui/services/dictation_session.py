"""Transcribing finished speech segments in parallel and delivering their texts in order.

:class:`DictationSession` takes finished :class:`~groq_tui.audio.SpeechSegment` s, encodes
each as 16 kHz mono FLAC and sends it at once - several in flight at a time, bounded by
``concurrency`` - and hands the texts back *in order*, each as soon as it and every earlier
one have arrived. The text delivered so far goes with each request as ``prompt`` (after the
user's own prompt), so Whisper keeps names, spelling and casing consistent from one segment
to the next. :class:`~groq_tui.services.dictation.LiveDictation` feeds it from the microphone.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from groq_tui.api import (
    AuthenticationError,
    BadRequestError,
    GroqClient,
    InvalidRequestParameter,
    NotFoundError,
    PermissionDeniedError,
    Transcription,
)
from groq_tui.audio.encoding import UPLOAD_EXTENSION, UPLOAD_RATE, encode_flac
from groq_tui.audio.segmenter import SegmentSpan, SpeechSegment
from groq_tui.services.transcription import SpeechToTextOptions, send_audio

MAX_PROMPT_CHARS = 800
"""Whisper reads at most 224 prompt tokens (about 800 characters of English); the rest is
dropped from the front by the server, so the most recent text is what is kept here."""
NO_SPEECH_PROB = 0.6
LOW_LOGPROB = -1.0
"""Whisper's own rule for "this was not speech": both thresholds crossed."""


@dataclass(frozen=True)
class DictationOptions(SpeechToTextOptions):
    """What each segment is sent with (``prompt`` goes before the text delivered so far)."""

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
        return await send_audio(
            self.client,
            upload,
            f"segment.{UPLOAD_EXTENSION}",
            dataclasses.replace(self.options, prompt=prompt),
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
