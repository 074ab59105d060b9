"""A Markdown view built for replies that stream at thousands of deltas per second.

Textual's ``Markdown`` re-parses the document and mounts block widgets on every append, so a
fast stream leaves it seconds behind. :class:`StreamingMarkdown` instead

- splits the text into top-level blocks as it arrives (:mod:`.markdown_blocks`); a finished
  block is rendered once (with Rich's ``Markdown``) and its lines are kept, only the open tail
  is rendered again;
- takes deltas into a buffer and renders at most once a frame (60 fps), backing off when a
  frame (its render and the screen's repaint) is slow, so the loop stays free for key presses;
- draws through the Line API: the widget is a list of cached strips, its height is the number
  of lines, and a refresh repaints only the lines that changed;
- renders the finished blocks in view at once (the newest ones, when the pane follows the
  reply), and the others within a few milliseconds a frame, newest first: a burst of text, a
  long reply loaded from history, or a width change (a resize, the pane's scrollbar
  appearing) that needs every block rendered again never stalls the loop; until its turn
  comes a block out of view shows its old lines.

The widget does no I/O: a screen feeds it with :meth:`StreamingMarkdown.append`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

from markdown_it import MarkdownIt
from rich.console import JustifyMethod
from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from rich.style import Style
from textual import constants
from textual.dom import NoScreen
from textual.errors import NoWidget
from textual.geometry import Region, Size
from textual.message import Message
from textual.selection import Selection
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from groq_tui.safe_text import visible_controls
from groq_tui.ui.widgets.markdown_blocks import (
    BlockSplitter,
    NewlineNormalizer,
    fenced_code_blocks,
)

_BLANK = Strip([], 0)
_SCREEN_TICK = 1 / constants.MAX_FPS


@cache
def _parser() -> MarkdownIt:
    """The parser Rich's ``Markdown`` builds for itself, built once."""
    return MarkdownIt().enable("strikethrough").enable("table")


class BlockMarkdown(RichMarkdown):
    """Rich's ``Markdown`` with one shared parser.

    Rich builds a new ``MarkdownIt`` (its rule chains and their caches) for every document it
    renders: a third of the time of rendering a short block, and a streamed reply renders
    hundreds of them. Parsing is stateless between calls, so one parser serves them all.
    """

    def __init__(self, markup: str, code_theme: str = "monokai") -> None:
        # Rich's own __init__ would build a parser: the attributes it sets, with its defaults
        # (a test checks that they stay the same as Rich's).
        self.markup = markup
        self.parsed = _parser().parse(markup)
        self.code_theme = code_theme
        self.justify: JustifyMethod | None = None
        self.style: str | Style = "none"
        self.hyperlinks = True
        self.inline_code_lexer: str | None = None
        self.inline_code_theme = code_theme


def _highlight(segments: list[Segment], start: int, end: int, style: Style) -> list[Segment]:
    """Put ``style`` over the cells from ``start`` to ``end`` (a text selection)."""
    length = Segment.get_line_length(segments)
    end = min(end, length)
    if start >= end:
        return segments
    before, selected, after = Segment.divide(segments, [start, end, length])
    return [*before, *Segment.apply_style(selected, post_style=style), *after]


@dataclass(slots=True)
class _RenderedLines:
    """The lines of one rendered piece of Markdown at one width."""

    width: int
    strips: list[Strip]
    ends_with_rule: bool
    """Rich puts no blank line after a horizontal rule (the rule brings its own)."""


class _Block:
    """A finished top-level block: its source and its latest rendered lines."""

    __slots__ = ("rendered", "renders", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self.rendered: _RenderedLines | None = None
        self.renders = 0

    def stand_in(self, width: int) -> _RenderedLines:
        """Lines to show until the block is rendered at ``width``: its old lines, or blanks."""
        if self.rendered is not None:
            return self.rendered
        height = sum(1 + len(line) // max(1, width) for line in self.source.split("\n"))
        return _RenderedLines(width, [_BLANK] * height, False)


class StreamingMarkdown(Widget):
    """Markdown that grows by deltas: finished blocks render once, the tail once a frame.

    Args:
        markdown: Initial text, e.g. a finished reply loaded from history (rendered once).
        name: The widget's name.
        id: The widget's id.
        classes: Space-separated CSS classes.
    """

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
    RENDER_SLICE: ClassVar[float] = 0.008
    """Seconds per frame, shared by every instance, for rendering finished blocks (new ones,
    or old ones after a width change); the rest show stand-in lines until later frames."""
    EAGER_CHARS: ClassVar[int] = 4000
    """Before the widget has been laid out (where it is on screen is not known yet): the source
    characters of the newest finished blocks a render pass renders whatever the slice (at
    least one block), so a short reply is never shown with stand-in lines."""
    code_theme: ClassVar[str] = "monokai"
    """The Pygments theme for code blocks."""

    _slice_started: ClassVar[float] = 0.0
    _slice_spent: ClassVar[float] = 0.0

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
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._chunks: list[str] = []
        self._length = 0
        self._pending: list[str] = []
        self._normalizer = NewlineNormalizer()
        self._splitter = BlockSplitter()
        self._blocks: list[_Block] = []
        self._finished = False
        self._timer: Timer | None = None
        self._next_render_at = 0.0
        self._frame_cost = 0.0
        self._shown_length = 0
        # The lines at ``_width``: every finished block (``_starts`` holds where each one
        # begins), then the open tail. Blocks listed in ``_missing`` show stand-in lines.
        self._width = 0
        self._lines: list[Strip] = []
        self._starts: list[int] = []
        self._separator_after: list[bool] = []
        self._missing: list[int] = []
        self._known_blocks = 0
        self._tail_raw: list[Strip] = []
        self._tail_lines: list[Strip] = []
        self._tail_stale = False
        self._tail_renders = 0
        self._reported_height = 0
        self._view: tuple[int, int] | None = None
        """The content lines the screen showed at the last look (top, bottom; either may lie
        outside the widget); None: not known."""
        self._view_scroller: Widget | None = None
        self._view_scroll_y = 0.0
        if markdown:
            self.append(markdown)
            self._take_pending()

    # -- public API ------------------------------------------------------------------------

    @property
    def markdown(self) -> str:
        """The full source so far, exactly as appended."""
        if len(self._chunks) > 1:
            self._chunks[:] = ["".join(self._chunks)]
        return self._chunks[0] if self._chunks else ""

    @property
    def finished(self) -> bool:
        """Whether :meth:`finish` has been called (no more deltas are expected)."""
        return self._finished

    @property
    def block_renders(self) -> list[int]:
        """How often each finished block has been rendered (instrumentation for tests)."""
        return [block.renders for block in self._blocks]

    @property
    def tail_renders(self) -> int:
        """How often the open tail has been rendered (instrumentation for tests)."""
        return self._tail_renders

    @property
    def settled(self) -> bool:
        """Whether everything appended is on screen, rendered at the current width."""
        return not self._pending and not self._missing and not self._tail_stale

    @property
    def settled_in_view(self) -> bool:
        """Whether everything appended is rendered where the widget was on screen at the last
        layout (blocks out of view may still show stand-in lines)."""
        if self._pending or self._tail_stale or self._width != self.size.width:
            return False
        self._update_view()
        return not self._needed()

    def append(self, delta: str) -> None:
        """Add text to the end. Cheap: the render happens at most once a frame.

        Appending after :meth:`finish` reopens the stream.

        Args:
            delta: The next piece of the reply.
        """
        if not delta:
            return
        self._chunks.append(delta)
        self._length += len(delta)
        self._pending.append(delta)
        self._finished = False
        if self._timer is None and self.is_mounted:
            self._schedule_frame()

    def finish(self) -> None:
        """No more deltas: render the tail as a finished block, without waiting for a frame."""
        self._finished = True
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
        return fenced_code_blocks(self.markdown)

    # -- Textual hooks ---------------------------------------------------------------------

    def on_mount(self) -> None:
        # Text given before mounting is split now, so the first layout renders all of it.
        self._take_pending()

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if width <= 0:
            return 0
        if width != self._width or self._known_blocks < len(self._blocks) or self._tail_stale:
            self._render_lines(width, budget=True)
            if self._missing:
                self._schedule_frame()
        self._reported_height = self._height
        return self._height

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if width != self._width and width > 0:
            self._render_lines(width, budget=True)
            self._schedule_frame()
        strip = self._line(y)
        # Built afresh rather than with Strip.apply_style, whose per-strip caches would keep
        # two more copies of every line that was ever painted.
        segments = Segment.apply_style(strip, self.visual_style.rich_style)
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(y)) is not None:
            start, end = span
            segments = _highlight(
                list(segments),
                start,
                strip.cell_length if end == -1 else end,
                self.screen.get_component_rich_style("screen--selection"),
            )
        return Strip(segments, strip.cell_length).apply_offsets(0, y)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        text = "\n".join(self._line(y).text.rstrip() for y in range(self._height))
        return selection.extract(text), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()

    # -- internals -------------------------------------------------------------------------

    @property
    def _height(self) -> int:
        return len(self._lines) + len(self._tail_lines)

    def _line(self, y: int) -> Strip:
        lines = self._lines
        if y < len(lines):
            return lines[y]
        tail_y = y - len(lines)
        tail = self._tail_lines
        return tail[tail_y] if 0 <= tail_y < len(tail) else _BLANK

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
        self._take_pending()
        width = self.size.width
        if width <= 0 or not self.is_mounted:
            # Not laid out yet: the layout asks for the height and renders then.
            self.refresh(layout=True)
            return
        if self._width == width and self.settled:
            return
        if self._missing or self._known_blocks < len(self._blocks) or self._width != width:
            self._update_view()
        first_changed = self._render_lines(width, budget=budget)
        height = self._height
        if height != self._reported_height:
            self.refresh(layout=True)
        elif first_changed < height:
            self.refresh(Region(0, first_changed, width, height - first_changed))
        if self._shown_length != self._length:
            self._shown_length = self._length
            self.post_message(self.Rendered(self, self._length))
        # A frame costs our render plus the screen's repaint; the repaint is measured once it
        # has happened and paces the next frame.
        cost = max(time.monotonic() - started, self._frame_cost)
        self._next_render_at = started + max(self.FRAME_INTERVAL, cost / self.RENDER_SHARE)
        self.call_after_refresh(self._frame_painted, started)
        if self._missing:
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
    def _current_view(self) -> tuple[int, int] | None:
        """The lines on screen now: the last look, moved by how far its pane has scrolled since
        (safe during a layout), and cut to the widget."""
        if self._view is None:
            return None
        top, bottom = self._view
        if self._view_scroller is not None:
            shift = round(self._view_scroller.scroll_y - self._view_scroll_y)
            top, bottom = top + shift, bottom + shift
        height = self._reported_height
        return max(0, top), min(max(bottom, 0), height)

    def _frame_painted(self, started: float) -> None:
        # Up to one screen tick of that time was the screen waiting for its next refresh.
        self._frame_cost = time.monotonic() - started - _SCREEN_TICK

    def _take_pending(self) -> None:
        """Move pending deltas into the splitter, which may finish blocks."""
        text = ""
        if self._pending:
            text = self._normalizer.feed("".join(self._pending))
            self._pending.clear()
        if self._finished:
            text += self._normalizer.flush()
        if text:
            # Model text is untrusted: no escape sequence of it may reach the terminal.
            text = visible_controls(text)
            self._blocks.extend(_Block(source) for source in self._splitter.feed(text))
            self._tail_stale = True

    def _render_lines(self, width: int, *, budget: bool) -> int:
        """Bring the lines up to date at ``width``, rendering only what changed.

        Args:
            width: The content width to render at.
            budget: Render blocks that lack lines at this width only for this frame's share
                of :attr:`RENDER_SLICE` (at least one); the rest keep stand-in lines.

        Returns:
            The first line that changed (the height if none did).
        """
        blocks = self._blocks
        relayout_from = len(blocks)
        if width != self._width:
            self._width = width
            self._missing = list(range(len(blocks)))
            self._known_blocks = len(blocks)
            relayout_from = 0
            self._tail_stale = True
        elif self._known_blocks < len(blocks):
            relayout_from = self._known_blocks
            self._missing.extend(range(self._known_blocks, len(blocks)))
            self._known_blocks = len(blocks)
        if self._missing:
            relayout_from = min(relayout_from, self._render_missing(width, budget=budget))
        first_changed = len(self._lines)
        if relayout_from < len(blocks):
            if relayout_from < len(self._starts):
                first_changed = self._starts[relayout_from]
            self._lay_out(relayout_from)
        if self._tail_stale:
            tail = self._splitter.tail
            self._tail_raw = self._render_markdown(tail, width).strips if tail.strip() else []
            self._tail_renders += 1
            self._tail_stale = False
        self._tail_lines = self._spaced(self._tail_raw, self._separator_due)
        return min(first_changed, len(self._lines))

    def _render_missing(self, width: int, *, budget: bool) -> int:
        """Render blocks without lines at ``width``: those in view first, then newest first.

        In view, because that is what the reader sees; then newest first, because a
        conversation pane shows the end of a reply. In a burst of text, or after a width
        change, the blocks out of view catch up over the next frames.

        Args:
            width: The width to render at.
            budget: Render the blocks in view (see :meth:`_needed`), then stop when this
                frame's slice is spent.

        Returns:
            The lowest index rendered.
        """
        missing = self._missing
        lowest = len(self._blocks)
        needed = self._needed() if budget else set(missing)
        if needed and len(needed) < len(missing):
            # Move the needed blocks to the end of the stack (popped first), in order.
            missing[:] = [i for i in missing if i not in needed] + sorted(needed)
        cls = StreamingMarkdown
        while missing:
            now = time.monotonic()
            if now - cls._slice_started > self.FRAME_INTERVAL:
                cls._slice_started, cls._slice_spent = now, 0.0
            elif not needed and cls._slice_spent >= self.RENDER_SLICE:
                break
            index = missing.pop()
            needed.discard(index)
            block = self._blocks[index]
            rendered = block.rendered
            if rendered is None or rendered.width != width:
                block.rendered = self._render_markdown(block.source, width)
                block.renders += 1
            cls._slice_spent += time.monotonic() - now
            lowest = min(lowest, index)
        return lowest

    def _needed(self) -> set[int]:
        """The blocks without lines that must be rendered this frame, whatever the slice.

        - Where the widget is on screen is known from the last layout: the blocks in view.
          If its end was in view (a pane that follows the reply), the newest blocks that fill
          the view's height, since the pane will be at the end again.
        - Not laid out yet: the newest blocks, :attr:`EAGER_CHARS` of source (at least one),
          so a short reply is never shown with stand-in lines.
        """
        missing = self._missing
        if not missing:
            return set()
        view = self._current_view
        if view is None:
            needed: set[int] = set()
            chars = self.EAGER_CHARS
            for index in reversed(missing):
                needed.add(index)
                chars -= len(self._blocks[index].source)
                if chars <= 0:
                    break
            return needed
        top, bottom = view
        if bottom <= top:
            return set()
        if bottom >= self._reported_height:  # the end is in view: fill the view from the end
            pending = set(missing)
            needed = set()
            lines = len(self._tail_lines)
            width = self._width
            for index in range(len(self._blocks) - 1, -1, -1):
                if lines >= bottom - top:
                    break
                block = self._blocks[index]
                if index in pending:
                    needed.add(index)
                    lines += len(block.stand_in(width).strips) + 1
                elif block.rendered is not None:
                    lines += len(block.rendered.strips) + 1
            return needed
        starts, laid_out = self._starts, len(self._lines)
        return {
            index
            for index in missing
            if index < len(starts)
            and starts[index] < bottom
            and (starts[index + 1] if index + 1 < len(starts) else laid_out) > top
        }

    def _lay_out(self, start: int) -> None:
        """Rebuild the line list from block ``start`` on."""
        if start < len(self._starts):
            del self._lines[self._starts[start] :]
            del self._starts[start:]
            del self._separator_after[start:]
        lines = self._lines
        due = self._separator_after[-1] if self._separator_after else False
        missing = set(self._missing)
        width = self._width
        for index in range(start, len(self._blocks)):
            block = self._blocks[index]
            self._starts.append(len(lines))
            rendered = block.stand_in(width) if index in missing else block.rendered
            assert rendered is not None
            if rendered.strips:
                lines.extend(self._spaced(rendered.strips, due))
                due = not rendered.ends_with_rule
            self._separator_after.append(due)

    @property
    def _separator_due(self) -> bool:
        return self._separator_after[-1] if self._separator_after else False

    def _spaced(self, strips: list[Strip], separator_due: bool) -> list[Strip]:
        """A block's lines with the blank line Rich puts between top-level elements.

        Rich already starts a list, table or quote with a blank line; at the very top of the
        widget that line is dropped.
        """
        if not strips:
            return strips
        if not self._lines:
            start = 0
            while start < len(strips) and not strips[start].cell_length:
                start += 1
            return strips[start:]
        if separator_due and strips[0].cell_length:
            return [_BLANK, *strips]
        return strips

    def _render_markdown(self, source: str, width: int) -> _RenderedLines:
        """Render one piece of Markdown to strips with Rich."""
        markdown = BlockMarkdown(source, code_theme=self.code_theme)
        app = self.app
        options = app.console_options.update(width=width, height=None, highlight=False)
        lines = app.console.render_lines(markdown, options, pad=False, new_lines=False)
        parsed = markdown.parsed
        ends_with_rule = bool(parsed) and parsed[-1].type == "hr"
        return _RenderedLines(width, [Strip(line) for line in lines], ends_with_rule)
