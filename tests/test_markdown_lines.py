"""The Markdown renderer without Textual: the block splitter, BlockMarkdown against Rich, and
MarkdownLines rendering blocks to lines at a width within a shared budget.

Everything here runs on a plain Rich ``Console``: no App, no event loop.
"""

from __future__ import annotations

import random

from rich.cells import cell_len
from rich.console import Console
from rich.markdown import Markdown as RichMarkdown

from groq_tui.ui.markdown import (
    DARK_CODE_THEME,
    LIGHT_CODE_THEME,
    BlockMarkdown,
    MarkdownLines,
    RenderBudget,
    View,
    code_theme_for,
)
from groq_tui.ui.markdown.blocks import BlockSplitter, NewlineNormalizer
from tests.markdown_samples import TRICKY, markdown_reply, rich_lines

# -- the splitter ------------------------------------------------------------------------------


def _split(chunks: list[str]) -> tuple[list[str], str]:
    splitter = BlockSplitter()
    blocks: list[str] = []
    for chunk in chunks:
        blocks += splitter.feed(chunk)
    return blocks, splitter.tail


def test_splitter_blocks_do_not_depend_on_chunking() -> None:
    whole = _split([TRICKY])
    assert whole == _split(list(TRICKY))
    rng = random.Random(3)
    for _ in range(20):
        chunks, index = [], 0
        while index < len(TRICKY):
            size = rng.randint(1, 9)
            chunks.append(TRICKY[index : index + size])
            index += size
        assert _split(chunks) == whole


def test_splitter_finds_top_level_blocks_and_respects_fences() -> None:
    blocks, tail = _split([TRICKY])
    assert blocks[0] == "# Title"
    assert blocks[2] == "- a\n- b\n\n- c\n  continued"  # one list despite the blank line
    fence_block = next(block for block in blocks if "def f()" in block)
    assert "def f():\n\n    return 1\n```" in fence_block  # the blank line inside is no cut
    assert "1. one\n\n2. two" in blocks
    assert "## Heading right after a list" in blocks
    assert blocks[-1].startswith("text\n~~~") and blocks[-1].endswith("still code\n~~~")
    assert tail == "", "a closing fence at the margin ends its block at once"


def test_an_unclosed_fence_keeps_the_tail_open() -> None:
    splitter = BlockSplitter()
    assert splitter.feed("Para\n\n```python\nx = 1\n\n\ny = 2\n\nNot a paragraph\n") == ["Para"]
    assert splitter.in_fence
    assert splitter.tail.startswith("```python")
    assert splitter.feed("```\n") == ["```python\nx = 1\n\n\ny = 2\n\nNot a paragraph\n```"]
    assert not splitter.in_fence
    assert splitter.tail == ""


def test_a_fence_marker_split_across_deltas() -> None:
    assert _split(["Text\n\n`", "`", "`py\ncode\n\nmore\n``", "`\n\nAfter\n"]) == _split(
        ["Text\n\n```py\ncode\n\nmore\n```\n\nAfter\n"]
    )


def test_newlines_are_normalised_across_deltas() -> None:
    normalizer = NewlineNormalizer()
    out = normalizer.feed("a\r") + normalizer.feed("\nb\r") + normalizer.feed("c\r")
    assert out + normalizer.flush() == "a\nb\nc\n"


def test_block_markdown_is_rich_markdown_with_a_shared_parser() -> None:
    # BlockMarkdown sets Rich's attributes itself (Rich's __init__ builds a parser each time):
    # if Rich adds or changes one, this fails instead of the rendering drifting silently.
    source = "".join(markdown_reply(400)) + TRICKY + "~~struck~~\n"
    ours, rich = BlockMarkdown(source, code_theme="monokai"), RichMarkdown(source)
    assert vars(ours).keys() == vars(rich).keys()
    for name, value in vars(rich).items():
        if name != "parsed":
            assert getattr(ours, name) == value, name
    assert [t.as_dict() for t in ours.parsed] == [t.as_dict() for t in rich.parsed]
    console = Console(width=50, force_terminal=True, color_system="truecolor")
    options = console.options.update(width=50, height=None, highlight=False)
    assert console.render_lines(ours, options) == console.render_lines(rich, options)


# -- MarkdownLines -----------------------------------------------------------------------------

WIDTH = 60
CONSOLE = Console(width=WIDTH, force_terminal=True, color_system="truecolor")


def render(document: MarkdownLines, *, view: View | None = None, budget: bool = True) -> int:
    return document.render(WIDTH, CONSOLE, CONSOLE.options, view=view, budget=budget)


def text(document: MarkdownLines) -> list[str]:
    return [document.line(y).text.rstrip() for y in range(document.height)]


def test_streamed_lines_are_richs_lines_and_each_block_renders_once() -> None:
    deltas = markdown_reply(600)
    source = "".join(deltas)
    document = MarkdownLines(RenderBudget())
    for index, delta in enumerate(deltas):
        document.append(delta)
        if index % 25 == 24:  # a frame every 25 deltas
            document.take_pending()
            render(document, budget=False)
    document.finish()
    document.take_pending()
    render(document, budget=False)
    assert document.settled and document.finished
    assert document.markdown == source
    assert text(document) == rich_lines(source, WIDTH)
    assert len(document.block_renders) > 20
    assert set(document.block_renders) == {1}
    assert document.tail_renders < len(deltas) / 10


def test_a_line_knows_its_width_in_cells() -> None:
    document = MarkdownLines(RenderBudget())
    document.append("# 标题\n\nplain")
    document.finish()
    document.take_pending()
    render(document)
    lines = [document.line(y) for y in range(document.height)]
    assert any("标题" in line.text for line in lines)
    assert [line.cell_length for line in lines] == [cell_len(line.text) for line in lines]
    assert document.line(document.height + 5).segments == []  # below the end: blank


def test_render_reports_the_first_changed_line() -> None:
    document = MarkdownLines(RenderBudget())
    document.append("First paragraph.\n\nSecond paragraph.\n\nThe tail")
    document.take_pending()
    assert render(document) == 0
    # "Second paragraph." is still open: the next line could continue it.
    assert document.block_renders == [1]
    assert text(document) == ["First paragraph.", "", "Second paragraph.", "", "The tail"]
    document.append(" grows")
    document.take_pending()
    assert render(document) == 1, "the finished block's line stays, the tail changed"
    assert document.block_renders == [1]
    assert text(document)[-1] == "The tail grows"


def one_block_each() -> list[MarkdownLines]:
    """Two documents, each with a budget of one block a frame (for a minute), that render
    only 500 characters of the newest source at first sight."""
    return [
        MarkdownLines(RenderBudget(slice_seconds=0.0, frame_seconds=60.0), eager_chars=500)
        for _ in "ab"
    ]


def long_document() -> tuple[str, MarkdownLines]:
    source = "".join(markdown_reply(400))
    document = one_block_each()[0]
    document.append(source)
    document.finish()
    document.take_pending()
    return source, document


def test_at_first_sight_the_newest_blocks_render() -> None:
    _, document = long_document()
    render(document)  # no view known: eager_chars of the newest source, whatever the budget
    renders = document.block_renders
    assert renders[-1] == 1 and 0 in renders
    assert renders == sorted(renders), "the end first, never a gap"
    assert not document.settled and document.catching_up


def test_blocks_not_yet_rendered_hold_their_place_at_the_top() -> None:
    _, document = long_document()
    render(document)  # the newest blocks only; the older ones show blank stand-in lines
    assert document.block_renders[0] == 0
    assert text(document)[0] == "", "the first block's stand-in lines are not dropped"
    # The reader looks at the top: the blocks there render at once.
    render(document, view=View(0, 6, shows_end=False))
    assert document.block_renders[:2] == [1, 1]
    assert text(document)[0].strip() == "Part 1"


def test_after_a_width_change_the_blocks_in_view_render_first() -> None:
    source, document = long_document()
    render(document, budget=False)
    assert set(document.block_renders) == {1}
    narrow = 40
    document.render(narrow, CONSOLE, CONSOLE.options, view=View(0, 6, shows_end=False))
    renders = document.block_renders
    assert renders[:2] == [2, 2], "the blocks in view render at once"
    assert renders.count(1) > len(renders) // 2, "the others wait for the budget"
    assert document.catching_up and not document.settled
    assert all(document.line(y).cell_length <= narrow for y in range(6))
    assert any(document.line(y).cell_length > narrow for y in range(document.height)), (
        "the blocks out of view keep their old lines until their turn"
    )
    document.render(narrow, CONSOLE, CONSOLE.options, view=None, budget=False)
    assert document.settled and set(document.block_renders) == {2}
    assert text(document) == rich_lines(source, narrow)


def test_a_view_of_the_end_renders_the_newest_blocks_first() -> None:
    (document, _) = one_block_each()
    document.append("".join(markdown_reply(400)))
    document.finish()
    document.take_pending()
    render(document, view=View(0, 0, shows_end=False))  # laid out, nothing in view
    document.code_theme = LIGHT_CODE_THEME  # every block renders again
    render(document, view=View(0, 10, shows_end=True))
    renders = document.block_renders
    assert renders[-1] == 2
    assert renders == sorted(renders), "the end first, never a gap"


def test_one_budget_is_shared_by_the_documents_that_hold_it() -> None:
    budget = RenderBudget(slice_seconds=0.0, frame_seconds=60.0)
    shared = [MarkdownLines(budget), MarkdownLines(budget)]
    own = one_block_each()
    for document in [*shared, *own]:
        document.append("".join(markdown_reply(200)))
        document.take_pending()
        render(document, view=View(0, 0, shows_end=False))  # nothing in view
    # A new frame's first render gets one block however small the slice; the slice is then
    # spent for every document that shares the budget, not for the others.
    assert [sum(document.block_renders) for document in shared] == [1, 0]
    assert [sum(document.block_renders) for document in own] == [1, 1]


def test_the_budget_counts_the_time_charged_in_a_frame() -> None:
    budget = RenderBudget(slice_seconds=0.5, frame_seconds=60.0)
    assert not budget.exhausted(), "a new frame starts with the whole slice"
    budget.charge(0.4)
    assert not budget.exhausted()
    budget.charge(0.2)
    assert budget.exhausted()


def test_a_new_code_theme_renders_every_block_again_with_it() -> None:
    source = "Intro.\n\n```python\ndef answer(x):\n    return 42\n```\n\nAfter."
    document = MarkdownLines(RenderBudget(), code_theme=code_theme_for(dark=True))
    document.append(source)
    document.finish()
    document.take_pending()
    render(document)
    dark = colours(document, "def answer")
    assert document.code_theme == DARK_CODE_THEME
    document.code_theme = code_theme_for(dark=False)
    assert not document.settled
    assert document.needs_render(WIDTH) and not document.is_laid_out_at(WIDTH)
    render(document, budget=False)
    assert document.settled and set(document.block_renders) == {2}
    light = colours(document, "def answer")
    assert light != dark
    assert light == rich_colours(source, LIGHT_CODE_THEME, "def answer")
    assert dark == rich_colours(source, DARK_CODE_THEME, "def answer")


def colours(document: MarkdownLines, needle: str) -> set[str]:
    for y in range(document.height):
        line = document.line(y)
        if needle in line.text:
            return {str(s.style.color) for s in line.segments if s.style and s.text.strip()}
    raise AssertionError(f"{needle!r} is not in the document")


def rich_colours(source: str, code_theme: str, needle: str) -> set[str]:
    options = CONSOLE.options.update(width=WIDTH, height=None, highlight=False)
    for line in CONSOLE.render_lines(RichMarkdown(source, code_theme=code_theme), options):
        if needle in "".join(segment.text for segment in line):
            return {str(s.style.color) for s in line if s.style and s.text.strip()}
    raise AssertionError(f"{needle!r} is not in Rich's rendering")
