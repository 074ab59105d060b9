"""Dictation into the composer: the chat screen's side of live dictation.

:class:`DictationController` starts a :class:`~groq_tui.services.dictation.LiveDictation`
on the app's client, inserts each segment's text at the composer's cursor as it arrives (in
order, while the person is still speaking), keeps the recorder bar's level, time and state
current, and, when the recording ends, reports why - a lost device keeps what was recorded,
a bad key or model says so once. The composer is never cleared: what the user typed stays
and dictated text goes where the cursor is.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from groq_tui.services.types import AudioError
from groq_tui.ui.app_context import host_of

if TYPE_CHECKING:
    from groq_tui.services.clients import ClientLease
    from groq_tui.services.dictation import DictationFinished, LiveDictation
    from groq_tui.ui.screens.chat import ChatScreen
    from groq_tui.ui.widgets.composer import Composer
    from groq_tui.ui.widgets.recorder_bar import RecorderBar

METER_INTERVAL = 1 / 15
"""How often the level meter and the clock are redrawn while recording."""
NO_SPACE_BEFORE = frozenset(".,;:!?)]}'\"")


def joined(before: str, text: str) -> str:
    """``text`` as it should be inserted after ``before``: a space between words."""
    text = " ".join(text.split())
    if not text:
        return ""
    if before and not before[-1].isspace() and text[0] not in NO_SPACE_BEFORE:
        return " " + text
    return text


class DictationController:
    """Records, transcribes at pauses, and types the text into the composer.

    Args:
        screen: The chat screen (it runs the worker and owns the composer and bar).
    """

    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen
        self.live: LiveDictation | None = None
        self.timings: list[tuple[float, float]] = []
        """Per segment: when its response was read and when its text was in the composer
        (``time.monotonic()``), for benchmarks/bench_audio.py."""
        self._timer: Any = None

    @property
    def recording(self) -> bool:
        """Whether the microphone is being recorded."""
        return self.live is not None and self.live.reason is None

    @property
    def busy(self) -> bool:
        """Recording, or still transcribing what was recorded."""
        return self.live is not None

    @property
    def bar(self) -> RecorderBar:
        from groq_tui.ui.widgets.recorder_bar import RecorderBar

        return self.screen.query_one(RecorderBar)

    @property
    def composer(self) -> Composer:
        from groq_tui.ui.widgets.composer import Composer

        return self.screen.query_one(Composer)

    def toggle(self) -> None:
        """Start recording, or stop it (what was said is still transcribed)."""
        if self.recording:
            self.stop()
        elif self.live is None:
            self.start()

    def stop(self) -> None:
        """Stop recording; the segment in progress is still transcribed and inserted."""
        if self.live is not None and self.live.reason is None:
            self.live.stop()
            self.bar.state = "transcribing"

    def start(self) -> None:
        """Open the microphone and dictate until stopped."""
        from groq_tui.services.dictation import DictationOptions

        context = self.screen.context
        if context.clients is None:
            host_of(self.screen).signals.once_started(self.start)
            return
        settings = context.settings
        options = DictationOptions(
            model=context.audio_model,
            language=None if settings.dictation_translate else settings.dictation_language,
            prompt=settings.dictation_prompt or None,
            translate=settings.dictation_translate,
        )
        # Held until the dictation ends: a server switch meanwhile leaves it its client.
        lease = context.lease_client()
        try:
            self.live = context.live_dictation(lease.client, options)
        except BaseException:
            lease.release()
            raise
        self.timings = []
        bar = self.bar
        bar.translate = settings.dictation_translate
        bar.elapsed = 0.0
        bar.pending = 0
        bar.state = "recording"
        self._timer = self.screen.set_interval(METER_INTERVAL, self._tick)
        self.screen.run_worker(self._run(self.live, lease), group="dictation", exclusive=True)

    def _tick(self) -> None:
        live = self.live
        if live is None:
            return
        bar = self.bar
        bar.pending = live.session.pending
        if live.reason is None:
            bar.level = live.level
            bar.elapsed = live.elapsed

    def insert(self, text: str) -> None:
        """Insert a segment's text at the composer's cursor."""
        composer = self.composer
        row, column = composer.cursor_location
        line = composer.document.get_line(row)
        piece = joined(line[:column], text)
        if piece:
            composer.insert(piece)

    async def _run(self, live: LiveDictation, lease: ClientLease) -> None:
        from groq_tui.services.dictation import DictationFinished, SegmentFailed, SegmentText
        from groq_tui.services.errors import describe_error
        from groq_tui.ui.widgets.recorder_bar import FLOOR_DB

        screen = self.screen
        told_failure = False
        try:
            async for event in live.events():
                if isinstance(event, SegmentText):
                    self.insert(event.text)
                    self.timings.append((event.response_at, time.monotonic()))
                elif isinstance(event, SegmentFailed):
                    if not told_failure or not event.fatal:
                        screen.notify(
                            f"Dictation: segment at {event.start:.1f}-{event.end:.1f} s "
                            f"failed: {describe_error(event.error, screen.context.base_url)}",
                            severity="error",
                            timeout=8,
                        )
                    told_failure = True
                elif isinstance(event, DictationFinished):
                    self._finished(event)
        except AudioError as exc:
            screen.notify(str(exc), title="Microphone", severity="error", timeout=10)
        finally:
            lease.release()
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            self.live = None
            # The screen's widgets are still there when it closes (ui/screens/settling.py).
            bar = self.bar
            bar.state = "idle"
            bar.level = FLOOR_DB
            bar.pending = 0

    def _finished(self, event: DictationFinished) -> None:
        from groq_tui.services.dictation import StopReason

        screen = self.screen
        kept = f" The recording is kept in {event.saved.audio}." if event.saved else ""
        if event.reason is StopReason.DEVICE_LOST:
            screen.notify(
                f"The microphone stopped: {event.error}. The text so far is in the composer."
                + kept,
                title="Microphone",
                severity="error",
                timeout=12,
            )
        elif kept:
            screen.notify(kept.strip(), timeout=5)
        if not event.text.strip():
            if event.reason is not StopReason.FAILED and event.duration > 0:
                screen.notify("No speech was heard.", severity="warning", timeout=4)
            return
        if screen.context.settings.dictation_send and event.reason is not StopReason.DEVICE_LOST:
            self.composer.action_submit()
