"""The lines of a growing Markdown document at one width, rendered with Rich.

:class:`MarkdownLines` takes deltas, splits the text into top-level blocks as it arrives
(:mod:`.blocks`), renders a finished block once (with Rich's ``Markdown``) and keeps its lines;
only the open tail is rendered again. After a width or code theme change every block needs
rendering again: the blocks in view (or, when the view shows the end, the newest ones) render
at once, the others within the :class:`~.budget.RenderBudget`'s slice a frame, newest first,
and show their old lines until their turn.

Nothing here knows of Textual: a widget feeds it, says where it is on screen (a :class:`View`)
and draws its :class:`Line` s.
"""

from __future__ import annotations

import time
from typing import NamedTuple

from rich.console import Console, ConsoleOptions

from groq_tui.safe_text import visible_controls
from groq_tui.ui.markdown.blocks import BlockSplitter, NewlineNormalizer, fenced_code_blocks
from groq_tui.ui.markdown.budget import RenderBudget
from groq_tui.ui.markdown.rendering import (
    BLANK,
    DARK_CODE_THEME,
    Line,
    RenderedBlock,
    render_block,
)


class View(NamedTuple):
    """The document's lines that a screen shows."""

    top: int
    """The first line in view."""
    bottom: int
    """The line after the last one in view."""
    shows_end: bool
    """Whether the view reaches the document's end (a pane that follows the reply)."""


class _Block:
    """A finished top-level block: its source and its latest rendered lines."""

    __slots__ = ("rendered", "renders", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self.rendered: RenderedBlock | None = None
        self.renders = 0

    def stand_in(self, width: int) -> RenderedBlock:
        """Lines to show until the block is rendered at ``width``: its old lines, or blanks."""
        if self.rendered is not None:
            return self.rendered
        height = sum(1 + len(line) // max(1, width) for line in self.source.split("\n"))
        return RenderedBlock(width, "", [BLANK] * height, False)


class MarkdownLines:
    """Markdown that grows by deltas, as lines at one width: finished blocks render once.

    Args:
        budget: The time a frame may spend on blocks out of view, shared with other views.
        code_theme: The Pygments theme for code blocks.
        eager_chars: With no view known: the source characters of the newest blocks that a
            render renders whatever the budget (at least one block), so a short reply is never
            shown with stand-in lines.
    """

    def __init__(
        self,
        budget: RenderBudget,
        *,
        code_theme: str = DARK_CODE_THEME,
        eager_chars: int = 4000,
    ) -> None:
        self.budget = budget
        """The time a frame may spend on blocks out of view."""
        self.eager_chars = eager_chars
        """With no view known: how much of the newest source renders whatever the budget."""
        self.code_theme = code_theme
        """The Pygments theme for code blocks: after a change, every block renders again (the
        old lines stay until then, as after a width change)."""
        self._chunks: list[str] = []
        self._length = 0
        self._pending: list[str] = []
        self._normalizer = NewlineNormalizer()
        self._splitter = BlockSplitter()
        self._blocks: list[_Block] = []
        self._finished = False
        # The lines at ``_width`` and ``_laid_out_theme``: every finished block (``_starts``
        # holds where each one begins), then the open tail. Blocks listed in ``_missing`` show
        # stand-in lines.
        self._width = 0
        self._laid_out_theme = code_theme
        self._lines: list[Line] = []
        self._starts: list[int] = []
        self._separator_after: list[bool] = []
        self._missing: list[int] = []
        self._known_blocks = 0
        self._tail_raw: list[Line] = []
        self._tail_lines: list[Line] = []
        self._tail_stale = False
        self._tail_renders = 0

    # -- the source ------------------------------------------------------------------------

    @property
    def markdown(self) -> str:
        """The full source so far, exactly as appended."""
        if len(self._chunks) > 1:
            self._chunks[:] = ["".join(self._chunks)]
        return self._chunks[0] if self._chunks else ""

    @property
    def length(self) -> int:
        """The length of the source so far."""
        return self._length

    @property
    def finished(self) -> bool:
        """Whether :meth:`finish` has been called since the last :meth:`append`."""
        return self._finished

    def append(self, delta: str) -> None:
        """Add text to the end; cheap, it is split at the next :meth:`take_pending`.

        Appending after :meth:`finish` reopens the document.
        """
        self._chunks.append(delta)
        self._length += len(delta)
        self._pending.append(delta)
        self._finished = False

    def finish(self) -> None:
        """No more text: the tail becomes a finished block at the next :meth:`take_pending`."""
        self._finished = True

    def take_pending(self) -> None:
        """Move appended text into the splitter, which may finish blocks."""
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

    def code_blocks(self) -> list[str]:
        """The source of each fenced code block, in order, without its fence lines."""
        return fenced_code_blocks(self.markdown)

    # -- the lines -------------------------------------------------------------------------

    @property
    def height(self) -> int:
        """The number of lines laid out."""
        return len(self._lines) + len(self._tail_lines)

    def line(self, y: int) -> Line:
        """Line ``y`` (a blank line outside the document)."""
        lines = self._lines
        if y < len(lines):
            return lines[y]
        tail_y = y - len(lines)
        tail = self._tail_lines
        return tail[tail_y] if 0 <= tail_y < len(tail) else BLANK

    @property
    def block_renders(self) -> list[int]:
        """How often each finished block has been rendered (instrumentation for tests)."""
        return [block.renders for block in self._blocks]

    @property
    def tail_renders(self) -> int:
        """How often the open tail has been rendered (instrumentation for tests)."""
        return self._tail_renders

    def is_laid_out_at(self, width: int) -> bool:
        """Whether the lines are laid out at ``width`` with the current code theme (some
        blocks may still show stand-in lines)."""
        return width == self._width and self._laid_out_theme == self.code_theme

    @property
    def settled(self) -> bool:
        """Whether everything appended is rendered (at the width last rendered at)."""
        return (
            not self._pending
            and not self._missing
            and not self._tail_stale
            and self._laid_out_theme == self.code_theme
        )

    def needs_render(self, width: int) -> bool:
        """Whether the lines at ``width`` lack blocks or a tail that has been taken in."""
        return (
            not self.is_laid_out_at(width)
            or self._known_blocks < len(self._blocks)
            or self._tail_stale
        )

    def renders_blocks(self, width: int) -> bool:
        """Whether a render at ``width`` would render finished blocks (so the view matters)."""
        return (
            bool(self._missing)
            or self._known_blocks < len(self._blocks)
            or not self.is_laid_out_at(width)
        )

    @property
    def catching_up(self) -> bool:
        """Whether some blocks still show stand-in lines (a later render brings them)."""
        return bool(self._missing)

    def settled_in(self, width: int, view: View | None) -> bool:
        """Whether everything appended is rendered at ``width`` where ``view`` shows it."""
        if self._pending or self._tail_stale or not self.is_laid_out_at(width):
            return False
        return not self._needed(view)

    def render(
        self,
        width: int,
        console: Console,
        options: ConsoleOptions,
        *,
        view: View | None,
        budget: bool = True,
    ) -> int:
        """Bring the lines up to date at ``width``, rendering only what changed.

        Args:
            width: The width to render at.
            console: The console to render with.
            options: The console's options (the width and height are set here).
            view: Where the document is on screen, or None if not known.
            budget: Render the blocks that lack lines at this width and are out of view only
                within :attr:`budget` (at least one a frame); False: render them all.

        Returns:
            The first line that changed (the height if none did).
        """
        options = options.update(width=width, height=None, highlight=False)
        blocks = self._blocks
        relayout_from = len(blocks)
        if not self.is_laid_out_at(width):
            self._width = width
            self._laid_out_theme = self.code_theme
            self._missing = list(range(len(blocks)))
            self._known_blocks = len(blocks)
            relayout_from = 0
            self._tail_stale = True
        elif self._known_blocks < len(blocks):
            relayout_from = self._known_blocks
            self._missing.extend(range(self._known_blocks, len(blocks)))
            self._known_blocks = len(blocks)
        if self._missing:
            lowest = self._render_missing(console, options, view, budget)
            relayout_from = min(relayout_from, lowest)
        first_changed = len(self._lines)
        if relayout_from < len(blocks):
            if relayout_from < len(self._starts):
                first_changed = self._starts[relayout_from]
            self._lay_out(relayout_from)
        if self._tail_stale:
            tail = self._splitter.tail
            self._tail_raw = (
                render_block(tail, console, options, code_theme=self.code_theme).lines
                if tail.strip()
                else []
            )
            self._tail_renders += 1
            self._tail_stale = False
        self._tail_lines = self._spaced(self._tail_raw, self._separator_due)
        return min(first_changed, len(self._lines))

    # -- internals -------------------------------------------------------------------------

    def _render_missing(
        self, console: Console, options: ConsoleOptions, view: View | None, budget: bool
    ) -> int:
        """Render blocks without lines at the width: those in view first, then newest first.

        In view, because that is what the reader sees; then newest first, because a
        conversation pane shows the end of a reply. In a burst of text, or after a width
        change, the blocks out of view catch up over the next frames.

        Returns:
            The lowest index rendered.
        """
        missing = self._missing
        lowest = len(self._blocks)
        needed = self._needed(view) if budget else set(missing)
        if needed and len(needed) < len(missing):
            # Move the needed blocks to the end of the stack (popped first), in order.
            missing[:] = [i for i in missing if i not in needed] + sorted(needed)
        width, theme = self._width, self.code_theme
        while missing:
            started = time.monotonic()
            # Asked every time: the first ask of a frame starts its slice.
            exhausted = self.budget.exhausted()
            if exhausted and not needed:
                break
            index = missing.pop()
            needed.discard(index)
            block = self._blocks[index]
            rendered = block.rendered
            if rendered is None or rendered.width != width or rendered.code_theme != theme:
                block.rendered = render_block(block.source, console, options, code_theme=theme)
                block.renders += 1
            self.budget.charge(time.monotonic() - started)
            lowest = min(lowest, index)
        return lowest

    def _needed(self, view: View | None) -> set[int]:
        """The blocks without lines that must be rendered now, whatever the budget.

        - Where the document is on screen is known: the blocks in view. If the view shows the
          end (a pane that follows the reply), the newest blocks that fill the view's height,
          since the pane will be at the end again.
        - Not known (not laid out yet): the newest blocks, :attr:`eager_chars` of source (at
          least one), so a short reply is never shown with stand-in lines.
        """
        missing = self._missing
        if not missing:
            return set()
        if view is None:
            needed: set[int] = set()
            chars = self.eager_chars
            for index in reversed(missing):
                needed.add(index)
                chars -= len(self._blocks[index].source)
                if chars <= 0:
                    break
            return needed
        top, bottom, shows_end = view
        if bottom <= top:
            return set()
        if shows_end:  # fill the view from the end
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
                    lines += len(block.stand_in(width).lines) + 1
                elif block.rendered is not None:
                    lines += len(block.rendered.lines) + 1
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
            if rendered.lines:
                # A block not rendered yet holds its place with blank lines, all of them:
                # dropped as leading blanks at the top, it would be out of every view.
                if block.rendered is None:
                    lines.extend(rendered.lines)
                else:
                    lines.extend(self._spaced(rendered.lines, due))
                due = not rendered.ends_with_rule
            self._separator_after.append(due)

    @property
    def _separator_due(self) -> bool:
        return self._separator_after[-1] if self._separator_after else False

    def _spaced(self, lines: list[Line], separator_due: bool) -> list[Line]:
        """A block's lines with the blank line Rich puts between top-level elements.

        Rich already starts a list, table or quote with a blank line; at the very top of the
        document that line is dropped.
        """
        if not lines:
            return lines
        if not self._lines:
            start = 0
            while start < len(lines) and not lines[start].cell_length:
                start += 1
            return lines[start:]
        if separator_due and lines[0].cell_length:
            return [BLANK, *lines]
        return lines
