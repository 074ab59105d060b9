"""A timed transcript: its segments in a table, and the chosen segment's words beside it.

Plain data comes in (anything with ``start``, ``end`` and ``text`` or ``word``); the widget
only renders. Selecting a row (Enter or a click) opens the words pane, which then follows the
highlighted row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import DataTable

from groq_tui.subtitles import TimedText

TimedSegment = TimedText
"""A segment of speech: seconds and its text (what subtitles are made of)."""


class TimedWord(Protocol):
    """A word of speech and its seconds."""

    @property
    def word(self) -> str: ...
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Span:
    """A segment or word as the table shows it."""

    start: float
    end: float
    text: str


def clock(seconds: float) -> str:
    """``m:ss.ss`` (``h:mm:ss.ss`` from an hour on)."""
    hundredths = max(0, round(seconds * 100))
    minutes, hundredths = divmod(hundredths, 6000)
    hours, minutes = divmod(minutes, 60)
    secs = f"{hundredths // 100:02d}.{hundredths % 100:02d}"
    return f"{hours}:{minutes:02d}:{secs}" if hours else f"{minutes}:{secs}"


def words_by_segment(
    segments: Sequence[TimedSegment], words: Sequence[TimedWord]
) -> list[list[Span]]:
    """Each segment's words: a word belongs to the last segment starting at or before its
    middle, so words in the pauses between segments are not lost."""
    grouped: list[list[Span]] = [[] for _ in segments]
    if not segments:
        return grouped
    starts = [segment.start for segment in segments]
    index = 0
    for word in sorted(words, key=lambda w: w.start):
        middle = (word.start + word.end) / 2
        while index + 1 < len(starts) and starts[index + 1] <= middle:
            index += 1
        grouped[index].append(Span(word.start, word.end, word.word))
    return grouped


class TranscriptTable(Horizontal):
    """Segments (start, end, text) and, on demand, the words of the chosen one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "toggle_words", "Words", show=False, id="transcript.words"),
    ]

    DEFAULT_CSS = """
    TranscriptTable { height: 1fr; }
    TranscriptTable #segments { width: 1fr; height: 1fr; }
    TranscriptTable #words {
        width: 34; height: 1fr; display: none; border-left: vkey $foreground 30%;
    }
    TranscriptTable.-words #words { display: block; }
    """

    words_shown: reactive[bool] = reactive(False)
    """Whether the words pane is open."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.segments: list[Span] = []
        self.words: list[list[Span]] = []
        """Each segment's words."""

    def compose(self) -> ComposeResult:
        segments: DataTable[str] = DataTable(id="segments", cursor_type="row", zebra_stripes=True)
        segments.add_column("start", key="start")
        segments.add_column("end", key="end")
        segments.add_column("text", key="text")
        yield segments
        words: DataTable[str] = DataTable(id="words", cursor_type="row")
        words.add_column("start", key="start")
        words.add_column("end", key="end")
        words.add_column("word", key="word")
        yield words

    @property
    def has_words(self) -> bool:
        """Whether the transcript came with word timestamps."""
        return any(self.words)

    @property
    def segment_table(self) -> DataTable[str]:
        """The segments' table."""
        return self.query_one("#segments", DataTable)

    @property
    def word_table(self) -> DataTable[str]:
        """The words' table."""
        return self.query_one("#words", DataTable)

    def show(self, segments: Sequence[TimedSegment], words: Sequence[TimedWord] = ()) -> None:
        """Show a transcript's segments; ``words`` (if any) are offered per segment."""
        self.segments = [Span(s.start, s.end, s.text.strip()) for s in segments]
        self.words = words_by_segment(segments, words)
        table = self.segment_table
        table.clear()
        for index, span in enumerate(self.segments):
            table.add_row(clock(span.start), clock(span.end), span.text, key=str(index))
        self.words_shown = False
        self.word_table.clear()

    def clear(self) -> None:
        """Show nothing."""
        self.show([])

    def watch_words_shown(self, shown: bool) -> None:
        self.set_class(shown, "-words")
        if shown:
            self._show_words(self.segment_table.cursor_row)

    def _show_words(self, index: int) -> None:
        table = self.word_table
        table.clear()
        if not 0 <= index < len(self.words):
            return
        for span in self.words[index]:
            table.add_row(clock(span.start), clock(span.end), span.text)

    @on(DataTable.RowSelected, "#segments")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if not self.has_words:
            self.notify("No word timestamps: tick “word” and run again.", timeout=4)
            return
        self.words_shown = True
        self._show_words(event.cursor_row)

    @on(DataTable.RowHighlighted, "#segments")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if self.words_shown:
            self._show_words(event.cursor_row)

    def action_toggle_words(self) -> None:
        """Open or close the words pane."""
        if self.has_words:
            self.words_shown = not self.words_shown


__all__ = ["Span", "TimedSegment", "TimedWord", "TranscriptTable", "clock", "words_by_segment"]
