"""A Markdown view built for replies that stream at thousands of deltas per second.

Textual's ``Markdown`` re-parses the document and mounts block widgets on every append, so a
fast stream leaves it seconds behind. :class:`StreamingMarkdown` is a thin widget over
:class:`~groq_tui.ui.markdown.MarkdownLines`, which renders each finished block once and only
the open tail again (with Rich, no Textual). The widget

- takes deltas into that buffer and renders at most once a frame (60 fps), backing off when a
  frame (its render and the screen's repaint) is slow, so the loop stays free for key presses;
- draws through the Line API: its height is the number of lines, and a refresh repaints only
  the lines that changed;
- tells the renderer which of its lines are in view, so that after a burst of text, a long
  reply loaded from history or a width change the blocks the reader sees render at once and
  the others within the :class:`~groq_tui.ui.markdown.RenderBudget` a frame, newest first;
- highlights code with a dark or a light theme as the app's theme is dark or light.

The budget is shared by every ``StreamingMarkdown`` of a screen: a widget takes it from the
nearest ancestor that offers one (:class:`RenderBudgetOwner`), or is given one, or makes its
own. The widget does no I/O: a screen feeds it with :meth:`StreamingMarkdown.append`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

from rich.segment import Segment
from rich.style import Style
from textual import constants
from textual.dom import NoScreen
from textual.errors import NoWidget
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive
from textual.selection import Selection
from textual.strip import Strip
from textual.theme import Theme
from textual.timer import Timer
from textual.widget import Widget

from groq_tui.ui.markdown import MarkdownLines, RenderBudget, View, code_theme_for
from groq_tui.ui.widgets.layout_sized import layout_sized
from groq_tui.ui.widgets.plain_lines import plain_lines, plainly_drawn

if TYPE_CHECKING:
    from groq_tui.ui.markdown.rendering import Line

_SCREEN_TICK = 1 / constants.MAX_FPS
PAINTED_KEPT = 256
"""How many painted lines a view keeps as strips (a few screenfuls)."""


@runtime_checkable
class RenderBudgetOwner(Protocol):
    """A screen or container whose :class:`StreamingMarkdown` widgets share one budget.

    Any ancestor with a ``render_budget`` attribute qualifies; set it per instance (in
    ``__init__``), so that two screens never share one.
    """

    render_budget: RenderBudget


def _highlight(segments: list[Segment], start: int, end: int, style: Style) -> list[Segment]:
    """Put ``style`` over the cells from ``start`` to ``end`` (a text selection)."""
    length = Segment.get_line_length(segments)
    end = min(end, length)
    if start >= end:
        return segments
    before, selected, after = Segment.divide(segments, [start, end, length])
    return [*before, *Segment.apply_style(selected, post_style=style), *after]


class StreamingMarkdown(Widget):
    """Markdown that grows by deltas: finished blocks render once, the tail once a frame.

    Args:
        markdown: Initial text, e.g. a finished reply loaded from history (rendered once).
        budget: The render budget to share; None: the nearest :class:`RenderBudgetOwner`'s
            once mounted, or a budget of the widget's own.
        name: The widget's name.
        id: The widget's id.
        classes: Space-separated CSS classes.
    """

    virtual_size: Reactive[Size] = layout_sized()
    """Set by the layout only: its change asks for no second layout (see layout_sized)."""

    DEFAULT_CSS = """
    StreamingMarkdown {
        height: auto;
    }
    """

    FRAME_INTERVAL: ClassVar[float] = 1 / 60
    """The shortest time between two renders (seconds)."""
    RENDER_SHARE: ClassVar[float] = 0.5
    """The most of the loop's time rendering may take: after a frame of ``t`` seconds (our
    render and the screen's repaint) the next one waits at least ``t / RENDER_SHARE - t``, so
    a slow frame leaves room for input."""
    EAGER_CHARS: ClassVar[int] = 4000
    """Before the widget has been laid out (where it is on screen is not known yet): the source
    characters of the newest finished blocks a render pass renders whatever the budget (at
    least one block), so a short reply is never shown with stand-in lines."""

    @dataclass
    class Rendered(Message):
        """Posted after a render that showed new text."""

        streaming_markdown: StreamingMarkdown
        """The widget that rendered."""
        length: int
        """The length of the source that this render covered."""

        @property
        def control(self) -> StreamingMarkdown:
            """The widget that rendered (for ``@on`` selectors)."""
            return self.streaming_markdown

    def __init__(
        self,
        markdown: str = "",
        *,
        budget: RenderBudget | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._budget_given = budget is not None
        own_budget = RenderBudget(frame_seconds=self.FRAME_INTERVAL)
        self._lines = MarkdownLines(budget or own_budget, eager_chars=self.EAGER_CHARS)
        self._timer: Timer | None = None
        self._next_render_at = 0.0
        self._frame_cost = 0.0
        self._shown_length = 0
        self._reported_height = 0
        self._painted: dict[int, tuple[Line, Style, Strip]] = {}
        """The strips last given for lines in view, by y, with the line and style they show."""
        self._view: tuple[int, int] | None = None
        """The content lines the screen showed at the last look (top, bottom; either may lie
        outside the widget); None: not known."""
        self._view_scroller: Widget | None = None
        self._view_scroll_y = 0.0
        if markdown:
            self._lines.append(markdown)
            self._lines.take_pending()

    # -- public API ------------------------------------------------------------------------

    @property
    def markdown(self) -> str:
        """The full source so far, exactly as appended."""
        return self._lines.markdown

    @property
    def finished(self) -> bool:
        """Whether :meth:`finish` has been called (no more deltas are expected)."""
        return self._lines.finished

    @property
    def budget(self) -> RenderBudget:
        """The render budget this widget shares."""
        return self._lines.budget

    @property
    def code_theme(self) -> str:
        """The Pygments theme for code blocks (dark or light, as the app's theme)."""
        return self._lines.code_theme

    @property
    def block_renders(self) -> list[int]:
        """How often each finished block has been rendered (instrumentation for tests)."""
        return self._lines.block_renders

    @property
    def tail_renders(self) -> int:
        """How often the open tail has been rendered (instrumentation for tests)."""
        return self._lines.tail_renders

    @property
    def settled(self) -> bool:
        """Whether everything appended is on screen, rendered at the current width."""
        return self._lines.settled

    @property
    def settled_in_view(self) -> bool:
        """Whether everything appended is rendered where the widget was on screen at the last
        layout (blocks out of view may still show stand-in lines)."""
        self._update_view()
        return self._lines.settled_in(self.size.width, self._current_view)

    def append(self, delta: str) -> None:
        """Add text to the end. Cheap: the render happens at most once a frame.

        Appending after :meth:`finish` reopens the stream.

        Args:
            delta: The next piece of the reply.
        """
        if not delta:
            return
        self._lines.append(delta)
        if self._timer is None and self.is_mounted:
            self._schedule_frame()

    def finish(self) -> None:
        """No more deltas: render the tail as a finished block, without waiting for a frame."""
        self._lines.finish()
        if self.is_mounted:
            self._render_frame()

    def flush(self) -> None:
        """Render everything now: pending text, and every block not yet at the current width."""
        self._render_frame(budget=False)

    def code_blocks(self) -> list[str]:
        """The source of each fenced code block, in order (for "copy code block").

        Returns:
            Each block's code without its fence lines.
        """
        return self._lines.code_blocks()

    # -- Textual hooks ---------------------------------------------------------------------

    def on_mount(self) -> None:
        if not self._budget_given:
            owner = next((a for a in self.ancestors if isinstance(a, RenderBudgetOwner)), None)
            if owner is not None:
                self._lines.budget = owner.render_budget
        app = self.app
        self._lines.code_theme = code_theme_for(dark=app.current_theme.dark)
        app.theme_changed_signal.subscribe(self, self._theme_changed)
        # Text given before mounting is split now, so the first layout renders all of it.
        self._lines.take_pending()

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if width <= 0:
            return 0
        if self._lines.needs_render(width):
            self._render_lines(width, budget=True)
            if self._lines.catching_up:
                self._schedule_frame()
        self._reported_height = self._lines.height
        return self._reported_height

    def forget_painted(self) -> None:
        """Drop the strips kept for the lines in view (the conversation moved on: a reply that
        scrolls out of view would keep them, and what hangs off them, for good)."""
        self._painted.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        # The lines in view are the same strips from frame to frame (render_line), and with
        # no styling of its own to add, the widget gives them filtered and fitted as Textual
        # would, keeping Textual's caches of them instead of building every line anew.
        if plainly_drawn(self):
            return plain_lines(self, crop, self.render_line)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if width > 0 and not self._lines.is_laid_out_at(width):
            self._render_lines(width, budget=True)
            self._schedule_frame()
        line = self._lines.line(y)
        style = self.visual_style.rich_style
        try:
            selection = self.text_selection
        except NoScreen:  # drawn once more as it is taken off the screen
            selection = None
        span = None if selection is None else selection.get_span(y)
        if span is None:
            # A line still in view is given as the same strip, frame after frame: Textual
            # re-renders every line of a widget that grew, and building it again (styled,
            # with its offsets) cost 2 ms a frame for a screenful. Only the lines painted
            # lately are kept: Strip's own caches would hold more copies of every line that
            # was ever painted.
            painted = self._painted.get(y)
            if painted is not None and painted[0] is line and painted[1] == style:
                return painted[2]
        segments = Segment.apply_style(line.segments, style)
        if span is not None:
            start, end = span
            segments = _highlight(
                list(segments),
                start,
                line.cell_length if end == -1 else end,
                self.screen.get_component_rich_style("screen--selection"),
            )
        strip = Strip(segments, line.cell_length).apply_offsets(0, y)
        if span is None:
            if len(self._painted) >= PAINTED_KEPT:
                self._painted.clear()
            self._painted[y] = (line, style, strip)
        return strip

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        lines = self._lines
        text = "\n".join(lines.line(y).text.rstrip() for y in range(lines.height))
        return selection.extract(text), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    # -- internals -------------------------------------------------------------------------

    def _theme_changed(self, theme: Theme) -> None:
        code_theme = code_theme_for(dark=theme.dark)
        if code_theme != self._lines.code_theme:
            # Every block renders again, the ones in view first, like after a resize.
            self._lines.code_theme = code_theme
            self._schedule_frame()

    def _render_lines(self, width: int, *, budget: bool) -> int:
        app = self.app
        return self._lines.render(
            width, app.console, app.console_options, view=self._current_view, budget=budget
        )

    def _schedule_frame(self) -> None:
        if self._timer is not None:
            return
        # Textual's timers divide by their delay: never ask for zero.
        delay = max(0.001, self._next_render_at - time.monotonic())
        self._timer = self.set_timer(delay, self._on_frame, name="streaming-markdown")

    def _on_frame(self) -> None:
        self._timer = None
        self._render_frame()

    def _render_frame(self, *, budget: bool = True) -> None:
        """Take the pending text and render what changed, then refresh those lines."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        started = time.monotonic()
        lines = self._lines
        lines.take_pending()
        width = self.size.width
        if width <= 0 or not self.is_mounted:
            # Not laid out yet: the layout asks for the height and renders then.
            self.refresh(layout=True)
            return
        if lines.is_laid_out_at(width) and lines.settled:
            return
        if lines.renders_blocks(width):
            self._update_view()
        first_changed = self._render_lines(width, budget=budget)
        height = lines.height
        if height != self._reported_height:
            self.refresh(layout=True)
        elif first_changed < height:
            self.refresh(Region(0, first_changed, width, height - first_changed))
        if self._shown_length != lines.length:
            self._shown_length = lines.length
            self.post_message(self.Rendered(self, lines.length))
        # A frame costs our render plus the screen's repaint; the repaint is measured once it
        # has happened and paces the next frame.
        cost = max(time.monotonic() - started, self._frame_cost)
        self._next_render_at = started + max(self.FRAME_INTERVAL, cost / self.RENDER_SHARE)
        self.call_after_refresh(self._frame_painted, started)
        if lines.catching_up:
            self._schedule_frame()

    def _update_view(self) -> None:
        """Note which of the widget's lines the last layout put on screen, and where the pane
        that scrolls it was then (see :attr:`_current_view`).

        Not during a layout: the screen's map of widgets may be being rebuilt.
        """
        try:
            geometry = self.screen.find_widget(self)
        except (NoScreen, NoWidget):
            self._view = None
            return
        offset = geometry.region.y + self.styles.gutter.top
        clip = geometry.clip
        self._view = (clip.y - offset, clip.bottom - offset)
        scroller = next(
            (a for a in self.ancestors if isinstance(a, Widget) and a.allow_vertical_scroll),
            None,
        )
        self._view_scroller = scroller
        self._view_scroll_y = scroller.scroll_y if scroller is not None else 0.0

    @property
    def _current_view(self) -> View | None:
        """The lines on screen now: the last look, moved by how far its pane has scrolled since
        (safe during a layout), and cut to the widget."""
        if self._view is None:
            return None
        top, bottom = self._view
        if self._view_scroller is not None:
            shift = round(self._view_scroller.scroll_y - self._view_scroll_y)
            top, bottom = top + shift, bottom + shift
        height = self._reported_height
        return View(max(0, top), min(max(bottom, 0), height), bottom >= height)

    def _frame_painted(self, started: float) -> None:
        # Up to one screen tick of that time was the screen waiting for its next refresh.
        self._frame_cost = time.monotonic() - started - _SCREEN_TICK
