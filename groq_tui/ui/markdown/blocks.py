"""Incremental splitting of streamed Markdown into top-level blocks.

A reply arrives as many small deltas. :class:`BlockSplitter` takes normalised text as it
comes and hands back each top-level block (paragraph, heading, list, table, fenced code block,
blockquote, rule) as soon as it can no longer change, so a renderer can render it once and keep
the result; only the open *tail* is still growing.

The splitter looks only at complete lines, and every decision depends on the lines before it,
never on how the text was chunked: feeding a document in one piece or one character at a time
yields the same blocks. A cut is made only where Markdown itself starts a new top-level block,
so rendering the blocks one by one gives what rendering the whole document would (reference
link definitions used across blocks are the known exception).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt

_FENCE_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
_THEMATIC_BREAK = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_ATX_HEADING = re.compile(r"^#{1,6}(?:[ \t]|$)")


class NewlineNormalizer:
    """Turns ``\\r\\n`` and lone ``\\r`` into ``\\n``, also when a delta splits ``\\r\\n``."""

    def __init__(self) -> None:
        self._held_cr = False

    def feed(self, text: str) -> str:
        """Normalise the next piece of text.

        A trailing ``\\r`` is held back until the next piece shows whether ``\\n`` follows.

        Args:
            text: Raw text as it arrived.

        Returns:
            The text with ``\\n`` line endings only.
        """
        if self._held_cr:
            text = "\r" + text
            self._held_cr = False
        if "\r" not in text:
            return text
        if text.endswith("\r"):
            self._held_cr = True
            text = text[:-1]
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def flush(self) -> str:
        """The end of the text: release a held-back ``\\r`` as a line break.

        Returns:
            ``"\\n"`` if a ``\\r`` was held back, else ``""``.
        """
        if self._held_cr:
            self._held_cr = False
            return "\n"
        return ""


@dataclass(frozen=True, slots=True)
class _Fence:
    """An open code fence: its marker character, length and indentation."""

    char: str
    length: int
    indent: int

    def closes(self, line: str) -> bool:
        """Whether ``line`` is a closing fence for this fence (CommonMark rules)."""
        stripped = line.lstrip(" ")
        if len(line) - len(stripped) > 3 or not stripped.startswith(self.char):
            return False
        run = len(stripped) - len(stripped.lstrip(self.char))
        return run >= self.length and not stripped[run:].strip()


def _open_fence(line: str) -> _Fence | None:
    """The fence that ``line`` opens, if it is an opening code fence."""
    match = _FENCE_OPEN.match(line)
    if match is None:
        return None
    indent, marker, info = match.groups()
    if marker[0] == "`" and "`" in info:
        return None
    return _Fence(marker[0], len(marker), len(indent))


def _is_blank(line: str) -> bool:
    return not line.strip()


class BlockSplitter:
    """Splits growing Markdown text into finished top-level blocks and an open tail.

    Feed normalised text (``\\n`` line endings) with :meth:`feed`; it returns the sources of the
    blocks that became finished. :attr:`tail` is the text after the last finished block.

    A new block starts at a line that is not indented and either follows a blank line (unless
    it continues a list the block started with) or is an ATX heading; a heading line, and the
    closing line of a code fence opened at the margin, end their block. Nothing inside an open
    code fence is a boundary, and an unclosed fence keeps the tail open.
    """

    def __init__(self) -> None:
        self._tail = ""
        self._scanned = 0
        """Offset in the tail of the first line not yet classified."""
        self._fence: _Fence | None = None
        self._after_blank = False
        self._block_started = False
        self._block_is_list = False

    @property
    def tail(self) -> str:
        """The open block: all text after the last finished block."""
        return self._tail

    @property
    def in_fence(self) -> bool:
        """Whether the tail ends inside an unclosed code fence."""
        return self._fence is not None

    def feed(self, text: str) -> list[str]:
        """Add text and classify every line it completes.

        Args:
            text: The next piece of normalised Markdown.

        Returns:
            The sources of the blocks that this text finished, in order.
        """
        if not text:
            return []
        self._tail += text
        finished: list[str] = []
        tail = self._tail
        start = 0  # where the open block starts in ``tail``
        pos = self._scanned
        while True:
            end = tail.find("\n", pos)
            if end < 0:
                break
            cut_before, cut_after = self._classify(tail[pos:end])
            if cut_before and pos > start:
                self._emit(tail[start:pos], finished)
                start = pos
            pos = end + 1
            if cut_after:
                self._emit(tail[start:pos], finished)
                start = pos
        if start:
            self._tail = tail[start:]
        self._scanned = pos - start
        return finished

    @staticmethod
    def _emit(source: str, finished: list[str]) -> None:
        source = source.rstrip("\n")
        if source.strip():
            finished.append(source)

    def _classify(self, line: str) -> tuple[bool, bool]:
        """Update the state for one complete line.

        Returns:
            Whether a block boundary lies before the line, and whether one lies after it.
        """
        fence = self._fence
        if fence is not None:
            if not fence.closes(line):
                return False, False
            self._fence = None
            if fence.indent:
                return False, False
            self._block_started = False
            return False, True
        if _is_blank(line):
            if self._block_started:
                self._after_blank = True
            return False, False

        cut_before = False
        at_margin = not line.startswith((" ", "\t"))
        heading = at_margin and _ATX_HEADING.match(line) is not None
        if self._block_started and at_margin:
            if heading:
                cut_before = True
            elif self._after_blank:
                cut_before = not (self._block_is_list and self._starts_list_item(line))
        if cut_before or not self._block_started:
            self._block_started = True
            self._block_is_list = self._starts_list_item(line)
        self._after_blank = False

        self._fence = _open_fence(line)
        if heading:
            self._block_started = False
            return cut_before, True
        return cut_before, False

    @staticmethod
    def _starts_list_item(line: str) -> bool:
        return _LIST_ITEM.match(line) is not None and _THEMATIC_BREAK.match(line) is None


@cache
def _fence_parser() -> MarkdownIt:
    return MarkdownIt("commonmark")


def fenced_code_blocks(markdown: str) -> list[str]:
    """The source of each fenced code block in a Markdown document, in order.

    Blocks nested in lists or quotes are included; an unclosed fence runs to the end.

    Args:
        markdown: A Markdown document.

    Returns:
        Each block's code, without the fence lines and without its final newline.
    """
    tokens = _fence_parser().parse(markdown.replace("\r\n", "\n").replace("\r", "\n"))
    return [token.content.removesuffix("\n") for token in tokens if token.type == "fence"]
