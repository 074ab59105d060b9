"""Rendering one piece of Markdown to lines with Rich, and the code themes to render with."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from rich.console import Console, ConsoleOptions, JustifyMethod
from rich.markdown import Markdown as RichMarkdown
from rich.segment import Segment
from rich.style import Style

DARK_CODE_THEME = "monokai"
"""The Pygments theme for code blocks on a dark app theme."""
LIGHT_CODE_THEME = "friendly"
"""The Pygments theme for code blocks on a light app theme."""


def code_theme_for(*, dark: bool) -> str:
    """The Pygments theme for code blocks on a dark or a light app theme."""
    return DARK_CODE_THEME if dark else LIGHT_CODE_THEME


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

    def __init__(self, markup: str, code_theme: str = DARK_CODE_THEME) -> None:
        # Rich's own __init__ would build a parser: the attributes it sets, with its defaults
        # (a test checks that they stay the same as Rich's; pyproject bounds rich to the
        # versions checked).
        self.markup = markup
        self.parsed = _parser().parse(markup)
        self.code_theme = code_theme
        self.justify: JustifyMethod | None = None
        self.style: str | Style = "none"
        self.hyperlinks = True
        self.inline_code_lexer: str | None = None
        self.inline_code_theme = code_theme


class Line:
    """One rendered line: Rich segments and their width in cells."""

    __slots__ = ("_cell_length", "segments")

    def __init__(self, segments: list[Segment], cell_length: int | None = None) -> None:
        self.segments = segments
        """The line's segments, without a line break."""
        self._cell_length = cell_length

    @property
    def cell_length(self) -> int:
        """The line's width in terminal cells."""
        if self._cell_length is None:
            self._cell_length = Segment.get_line_length(self.segments)
        return self._cell_length

    @property
    def text(self) -> str:
        """The line's text without styles."""
        return "".join(segment.text for segment in self.segments)


BLANK = Line([], 0)
"""An empty line."""


@dataclass(slots=True)
class RenderedBlock:
    """The lines of one rendered piece of Markdown, and what it was rendered with."""

    width: int
    code_theme: str
    lines: list[Line]
    ends_with_rule: bool
    """Rich puts no blank line after a horizontal rule (the rule brings its own)."""


def render_block(
    source: str, console: Console, options: ConsoleOptions, *, code_theme: str
) -> RenderedBlock:
    """Render one piece of Markdown to lines with Rich.

    Args:
        source: The Markdown.
        console: The console to render with.
        options: Its options, with the width to render at (``max_width``) and no height.
        code_theme: The Pygments theme for code blocks.

    Returns:
        The lines, without the line breaks.
    """
    markdown = BlockMarkdown(source, code_theme=code_theme)
    rendered = console.render_lines(markdown, options, pad=False, new_lines=False)
    parsed = markdown.parsed
    ends_with_rule = bool(parsed) and parsed[-1].type == "hr"
    lines = [Line(line) for line in rendered]
    return RenderedBlock(options.max_width, code_theme, lines, ends_with_rule)
