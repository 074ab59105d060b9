"""A reply's thinking: the model's reasoning above its answer, live while it thinks.

:class:`ThinkingBlock` streams the reasoning with the same fast renderer as the answer
(:class:`~groq_tui.ui.widgets.streaming_markdown.StreamingMarkdown`), dimmed, under a title
line with a live clock. When the answer starts it folds to that one line (``Thought for
2.4 s · 512 tokens``), which a click (or the message's key) opens again. How it shows is
one of :data:`THINKING_DISPLAYS`: always open, folded once the answer starts (the default),
or hidden.

The widget does no I/O and reads no settings: the message view gives it the display mode
and feeds it text.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar, Literal, get_args

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets import Static

from groq_tui.domain import Message
from groq_tui.ui.widgets.streaming_markdown import StreamingMarkdown

ThinkingDisplay = Literal["show", "collapse", "hide"]
THINKING_DISPLAYS: tuple[ThinkingDisplay, ...] = get_args(ThinkingDisplay)
"""always show / collapse when the answer starts / hide."""

_DIM = Style(dim=True)
CLOCK_INTERVAL = 0.1
"""Seconds between two updates of the live clock."""


class ThinkingMarkdown(StreamingMarkdown):
    """The reasoning's text: the reply's renderer, every line dimmed."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        return Strip(Segment.apply_style(list(strip), post_style=_DIM), strip.cell_length)


def thought_summary(seconds: float | None, tokens: int | None, *, thinking: bool) -> str:
    """``Thinking… 1.2 s`` while it thinks; ``Thought for 2.4 s · 512 tokens`` after."""
    if thinking:
        return "Thinking…" if seconds is None else f"Thinking… {seconds:.1f} s"
    text = "Thought" if seconds is None else f"Thought for {seconds:.1f} s"
    if tokens is not None:
        text += f" · {tokens} tokens"
    return text


class ThinkingBlock(Vertical):
    """The reasoning of one reply: a title line and the (foldable) dimmed text.

    Args:
        reasoning: Reasoning already known (a reply loaded from history).
        display: How the block shows (see :data:`THINKING_DISPLAYS`).
        thinking: Whether the reasoning is still arriving (a live reply).
    """

    DEFAULT_CSS = """
    ThinkingBlock { height: auto; margin: 0 0 1 0; }
    ThinkingBlock .thinking--title { color: $text-muted; height: 1; }
    ThinkingBlock .thinking--title:hover { color: $text; }
    ThinkingBlock ThinkingMarkdown { padding: 0 0 0 2; }
    ThinkingBlock.-collapsed ThinkingMarkdown { display: none; }
    """

    expanded: reactive[bool] = reactive(True)
    """Whether the reasoning's text shows (else the title line alone)."""
    display_mode: reactive[ThinkingDisplay] = reactive[ThinkingDisplay]("collapse")
    """How the block shows: always open, folded once answered, or hidden."""

    CLOCK_INTERVAL: ClassVar[float] = CLOCK_INTERVAL

    def __init__(
        self,
        reasoning: str = "",
        *,
        display: ThinkingDisplay = "collapse",
        thinking: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.clock: Callable[[], float] = time.monotonic
        """Where the live clock reads the time (tests pin it)."""
        self.body = ThinkingMarkdown(reasoning)
        """The dimmed reasoning text."""
        self.thinking = thinking
        """Whether reasoning is still arriving."""
        self.started_at: float | None = self.clock() if thinking and reasoning else None
        self.seconds: float | None = None
        """How long the model thought (measured here while live, then the reply's figure)."""
        self.tokens: int | None = None
        """Reasoning tokens, once the server said."""
        self._clock: Timer | None = None
        if not thinking:
            self.body.finish()
        self.set_reactive(ThinkingBlock.display_mode, display)
        self.set_reactive(ThinkingBlock.expanded, display == "show" or thinking)

    def compose(self) -> ComposeResult:
        yield Static(self._title(), classes="thinking--title")
        yield self.body

    def on_mount(self) -> None:
        self._apply()
        if self.thinking and self.started_at is not None:
            self._start_clock()

    # -- what it shows -----------------------------------------------------------------------

    @property
    def title(self) -> str:
        """The title line's text, without the fold mark."""
        seconds = self.seconds
        if self.thinking and self.started_at is not None:
            seconds = self.clock() - self.started_at
        return thought_summary(seconds, self.tokens, thinking=self.thinking)

    def _title(self) -> Text:
        mark = "▼ " if self.expanded else "▶ "
        return Text(mark + self.title)

    def _apply(self) -> None:
        self.set_class(not self.expanded, "-collapsed")
        self.display = self.display_mode != "hide" or (self.expanded and not self.thinking)
        if self.is_mounted:
            self.query_one(".thinking--title", Static).update(self._title())

    def watch_expanded(self) -> None:
        self._apply()

    def watch_display_mode(self) -> None:
        if not self.thinking:
            self.expanded = self.display_mode == "show"
        self._apply()

    def toggle(self) -> None:
        """Open the reasoning, or fold it to its title line (a hidden block shows open)."""
        self.expanded = not self.expanded
        self._apply()

    def on_click(self, event: events.Click) -> None:
        if event.widget is not None and event.widget.has_class("thinking--title"):
            event.stop()
            self.toggle()

    # -- streaming ---------------------------------------------------------------------------

    def append(self, text: str) -> None:
        """More reasoning arrived."""
        if self.started_at is None:
            self.started_at = self.clock()
            self.thinking = True
            if self.is_mounted:
                self._start_clock()
        self.body.append(text)

    def answer_started(self) -> None:
        """The answer began: the thinking is over (folded unless shown always)."""
        if not self.thinking:
            return
        self.thinking = False
        if self.started_at is not None:
            self.seconds = self.clock() - self.started_at
        self._stop_clock()
        self.body.finish()
        self.expanded = self.display_mode == "show"
        self._apply()

    def finalize(self, message: Message) -> None:
        """The reply ended: its own figures replace the ones measured here."""
        self.answer_started()
        stats, usage = message.stats, message.usage
        if stats is not None and stats.thinking_time is not None:
            self.seconds = stats.thinking_time
        if usage is not None and usage.reasoning_tokens is not None:
            self.tokens = usage.reasoning_tokens
        self.body.finish()
        self._apply()

    def _start_clock(self) -> None:
        if self._clock is None:
            self._clock = self.set_interval(self.CLOCK_INTERVAL, self._tick)

    def _stop_clock(self) -> None:
        if self._clock is not None:
            self._clock.stop()
            self._clock = None

    def _tick(self) -> None:
        self.query_one(".thinking--title", Static).update(self._title())
