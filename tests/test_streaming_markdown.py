"""StreamingMarkdown, the widget, driven with Pilot (its renderer alone: test_markdown_lines).

The widget's promise is that streaming changes only *when* text shows, never *what* shows:
fed in small deltas it renders exactly what it renders for the whole document at once (and
what Rich renders for the whole document), while each finished block is rendered only once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from rich.console import Console
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from groq_tui.ui.markdown import DARK_CODE_THEME, LIGHT_CODE_THEME, BlockMarkdown, RenderBudget
from groq_tui.ui.widgets.streaming_markdown import RenderBudgetOwner, StreamingMarkdown
from tests.markdown_samples import TRICKY, markdown_reply, rich_lines


class Pane(App[None]):
    """A conversation pane in miniature: the pane scrolls, the replies size to content."""

    CSS = """
    VerticalScroll { scrollbar-gutter: stable; }
    """

    def __init__(self, *widgets: StreamingMarkdown) -> None:
        super().__init__()
        self.widgets = widgets

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield from self.widgets


def lines(widget: StreamingMarkdown) -> list[str]:
    """The widget's rendered lines as plain text."""
    return [widget.render_line(y).text.rstrip() for y in range(widget.size.height)]


def whole_reply(
    widget_class: type[StreamingMarkdown], deltas: int, budget: RenderBudget | None = None
) -> tuple[str, StreamingMarkdown, Pane]:
    """A finished reply of ``deltas`` deltas given whole (as from history), in a pane."""
    document = "".join(markdown_reply(deltas))
    widget = widget_class(document, budget=budget)
    widget.finish()
    return document, widget, Pane(widget)


async def settle(pilot: Pilot[None], *widgets: StreamingMarkdown) -> None:
    """Wait until every widget has rendered everything and the layout has caught up."""
    sizes = None
    for _ in range(100):
        for widget in widgets:
            widget.flush()
        await pilot.pause()
        now = [widget.size for widget in widgets]
        if all(widget.settled for widget in widgets) and now == sizes:
            return
        sizes = now
    raise AssertionError("the widgets did not settle")


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    """Let frames happen until ``condition`` holds, for up to 10 seconds."""
    deadline = time.monotonic() + 10.0
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never held")
        await pilot.pause(0.02)


async def feed(pilot: Pilot[None], widget: StreamingMarkdown, deltas: list[str]) -> None:
    """Append deltas the way a stream does, letting frames happen in between."""
    for index, delta in enumerate(deltas):
        widget.append(delta)
        await asyncio.sleep(0)
        if index % 40 == 39:
            await pilot.pause(0.02)


async def test_deltas_render_the_same_as_the_whole_document() -> None:
    deltas = markdown_reply(600)
    document = "".join(deltas)
    streamed, whole = StreamingMarkdown(id="streamed"), StreamingMarkdown(document, id="whole")
    whole.finish()
    app = Pane(streamed, whole)
    async with app.run_test(size=(80, 40)) as pilot:
        await feed(pilot, streamed, deltas)
        streamed.finish()
        await settle(pilot, streamed, whole)
        assert streamed.markdown == document
        assert streamed.finished
        assert lines(streamed) == lines(whole)
        assert lines(whole) == rich_lines(document, whole.size.width)
        assert len(lines(whole)) > 50


async def test_tricky_document_character_by_character() -> None:
    streamed, whole = StreamingMarkdown(), StreamingMarkdown(TRICKY)
    app = Pane(streamed, whole)
    async with app.run_test(size=(80, 40)) as pilot:
        await feed(pilot, streamed, list(TRICKY))
        streamed.finish()
        whole.finish()
        await settle(pilot, streamed, whole)
        assert lines(streamed) == lines(whole) == rich_lines(TRICKY, whole.size.width)
        text = "\n".join(lines(whole))
        assert "• c continued" in text
        assert "tilde fence" in text and "~~~" not in text


async def test_finished_blocks_are_rendered_once() -> None:
    deltas = markdown_reply(400)
    widget = StreamingMarkdown()
    app = Pane(widget)
    async with app.run_test(size=(80, 40)) as pilot:
        await feed(pilot, widget, deltas[:200])
        await settle(pilot, widget)
        first = widget.block_renders
        tail_renders = widget.tail_renders
        assert len(first) >= 3
        await feed(pilot, widget, deltas[200:])
        widget.finish()
        await settle(pilot, widget)
        after = widget.block_renders
        assert after[: len(first)] == first
        assert set(after) == {1}, "every finished block was rendered exactly once"
        assert widget.tail_renders > tail_renders


async def test_deltas_are_coalesced_into_frames() -> None:
    rendered: list[StreamingMarkdown.Rendered] = []

    class Counting(Pane):
        def on_streaming_markdown_rendered(self, message: StreamingMarkdown.Rendered) -> None:
            rendered.append(message)

    widget = StreamingMarkdown()
    app = Counting(widget)
    deltas = markdown_reply(300)
    async with app.run_test(size=(80, 40)) as pilot:
        for delta in deltas:
            widget.append(delta)
            await asyncio.sleep(0)
        await settle(pilot, widget)
        assert 1 <= len(rendered) < len(deltas) / 10
        assert widget.tail_renders < len(deltas) / 10
        assert rendered[-1].length == len(widget.markdown)
        assert rendered[-1].control is widget


async def test_a_fence_split_across_deltas_renders_as_code() -> None:
    deltas = ["Some code:\n\n`", "`", "`pyth", "on\nx = 1\n", "\n", "\ny = 2\n`", "``\n\nAfter"]
    widget = StreamingMarkdown()
    app = Pane(widget)
    async with app.run_test(size=(80, 40)) as pilot:
        await feed(pilot, widget, deltas)
        widget.finish()
        await settle(pilot, widget)
        text = lines(widget)
        assert "`" not in "\n".join(text)
        assert text[-1] == "After"
        assert widget.code_blocks() == ["x = 1\n\n\ny = 2"]


def _colours(widget: StreamingMarkdown, needle: str) -> set[str]:
    """The foreground colours on the first rendered line containing ``needle``."""
    for y in range(widget.size.height):
        strip = widget.render_line(y)
        if needle in strip.text:
            return {str(seg.style.color) for seg in strip if seg.style and seg.text.strip()}
    raise AssertionError(f"{needle!r} is not on screen")


async def test_code_block_is_highlighted_after_finish() -> None:
    source = "Intro.\n\n```python\ndef answer(x):\n    return 42  # yes\n```"
    widget = StreamingMarkdown()
    app = Pane(widget)
    async with app.run_test(size=(80, 40)) as pilot:
        await feed(pilot, widget, [source[i : i + 3] for i in range(0, len(source), 3)])
        widget.finish()
        await settle(pilot, widget)
        assert len(_colours(widget, "def answer")) >= 2, "keywords and names in other colours"
        assert widget.code_blocks() == ["def answer(x):\n    return 42  # yes"]
        renders = widget.tail_renders
        await pilot.pause(0.1)
        assert widget.tail_renders == renders, "a finished reply is not rendered again"


async def test_unclosed_fence_at_the_end_renders_as_code() -> None:
    widget = StreamingMarkdown()
    app = Pane(widget)
    async with app.run_test(size=(80, 40)) as pilot:
        await feed(pilot, widget, ["Text\n\n```python\n", "def f():\n", "    return 1"])
        widget.finish()
        await settle(pilot, widget)
        assert "```" not in "\n".join(lines(widget))
        assert len(_colours(widget, "def f")) >= 2
        assert widget.code_blocks() == ["def f():\n    return 1"]


async def test_tables_and_lists_render() -> None:
    source = (
        "| name | value |\n|------|------:|\n| one | 1 |\n| two | 22 |\n\n"
        "- apples\n- pears\n\n1. first\n2. second\n\n## Done\n"
    )
    widget = StreamingMarkdown()
    app = Pane(widget)
    async with app.run_test(size=(80, 40)) as pilot:
        await feed(pilot, widget, list(source))
        widget.finish()
        await settle(pilot, widget)
        text = lines(widget)
        joined = "\n".join(text)
        assert "|" not in joined and "─" in joined
        assert any(line.split() == ["one", "1"] for line in text)
        assert any(line.split() == ["two", "22"] for line in text)
        assert "• apples" in joined and "• pears" in joined
        assert any(line.split() == ["1", "first"] for line in text)
        assert "Done" in joined and "##" not in joined


async def test_resize_renders_each_block_once_more_at_the_new_width() -> None:
    document, widget, app = whole_reply(StreamingMarkdown, 300)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, widget)
        wide = lines(widget)
        before = widget.block_renders
        assert set(before) == {1}
        await pilot.resize_terminal(60, 40)
        await settle(pilot, widget)
        assert widget.size.width < 60
        assert widget.block_renders == [count + 1 for count in before]
        narrow = lines(widget)
        assert narrow == rich_lines(document, widget.size.width)
        assert len(narrow) > len(wide)
        assert max(len(line) for line in narrow) <= widget.size.width


async def test_code_blocks_lists_every_fence() -> None:
    source = (
        "```python\na = 1\n```\n\ntext\n\n~~~\nplain\n~~~\n\n"
        "- item\n\n  ```sh\n  echo hi\n  ```\n\n```\nopen at the end"
    )
    widget = StreamingMarkdown(source)
    assert widget.code_blocks() == ["a = 1", "plain", "echo hi", "open at the end"]
    app = Pane(widget)
    async with app.run_test(size=(80, 40)):
        widget.append("\nmore\n```\n")
        assert widget.code_blocks()[-1] == "open at the end\nmore"


async def test_crlf_deltas_render_like_lf() -> None:
    document = TRICKY.replace("\n", "\r\n")
    deltas = [document[i : i + 4] for i in range(0, len(document), 4)]
    assert any(delta.endswith("\r") for delta in deltas)
    streamed, plain = StreamingMarkdown(), StreamingMarkdown(TRICKY)
    app = Pane(streamed, plain)
    async with app.run_test(size=(80, 40)) as pilot:
        await feed(pilot, streamed, deltas)
        streamed.finish()
        plain.finish()
        await settle(pilot, streamed, plain)
        assert streamed.markdown == document
        assert lines(streamed) == lines(plain)


async def test_very_long_lines_wrap() -> None:
    word = "x" * 3000
    prose = " ".join(["long"] * 2000)
    widget = StreamingMarkdown()
    app = Pane(widget)
    async with app.run_test(size=(80, 40)) as pilot:
        source = f"{word}\n\n{prose}\n\n```\n{word}\n```"
        await feed(pilot, widget, [source[i : i + 50] for i in range(0, len(source), 50)])
        widget.finish()
        await settle(pilot, widget)
        text = lines(widget)
        width = widget.size.width
        assert all(len(line) <= width for line in text)
        assert sum(line.count("x") for line in text) == 2 * len(word)
        assert sum(line.split().count("long") for line in text) == 2000


async def test_history_reply_given_whole_renders_each_block_once() -> None:
    document, widget, app = whole_reply(StreamingMarkdown, 500)
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot, widget)
        assert set(widget.block_renders) == {1}
        assert lines(widget) == rich_lines(document, widget.size.width)


async def test_a_long_reply_renders_in_view_then_newest_first_over_several_frames() -> None:
    class OneBlockAPass(StreamingMarkdown):
        EAGER_CHARS = 1

    # No time for blocks out of view: a frame renders the one block it must.
    document, widget, app = whole_reply(OneBlockAPass, 600, RenderBudget(slice_seconds=0.0))
    async with app.run_test(size=(80, 40)) as pilot:
        await pilot.pause()
        renders = widget.block_renders
        # However many frames a loaded machine fits into that pause, the rendered blocks are
        # the ones in view (the pane shows the reply's top) and the newest ones:
        # [1, 1, 0, 0, ..., 1, 1], never a gap among the newest.
        assert renders[-1] == 1, "the end of the reply comes first"
        waiting = [index for index, count in enumerate(renders) if count == 0]
        if waiting:  # (a pause long enough for every frame leaves none to order)
            assert waiting == list(range(waiting[0], waiting[-1] + 1)), "newest first"
        await wait_until(pilot, lambda: widget.settled_in_view)
        assert widget.block_renders[0] == 1, "the blocks in view render at once"
        await wait_until(pilot, lambda: widget.settled)  # the frames catch up on their own
        await settle(pilot, widget)
        assert set(widget.block_renders) == {1}
        assert lines(widget) == rich_lines(document, widget.size.width)


@pytest.mark.parametrize("at_end", [False, True])
async def test_after_a_resize_the_blocks_in_view_render_first(at_end: bool) -> None:
    class InViewOnly(StreamingMarkdown):
        FRAME_INTERVAL = 60.0  # no frame for a minute

    # No slice for blocks out of view, for a minute.
    budget = RenderBudget(slice_seconds=0.0, frame_seconds=60.0)
    document, widget, app = whole_reply(InViewOnly, 2000, budget)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, widget)
        pane = app.query_one(VerticalScroll)
        if at_end:
            pane.scroll_end(animate=False, immediate=True)
            await pilot.pause()
        before = widget.block_renders
        await pilot.resize_terminal(70, 30)
        await pilot.pause()
        again = [after - first for first, after in zip(before, widget.block_renders, strict=True)]
        # The reader's view is rendered at once; the blocks out of view wait for later frames.
        in_view = again[-3:] if at_end else again[:3]
        assert in_view == [1, 1, 1]
        assert again.count(0) > len(again) // 2
        assert not widget.settled
        await settle(pilot, widget)
        assert lines(widget) == rich_lines(document, widget.size.width)


async def test_appending_reopens_a_finished_reply() -> None:
    widget = StreamingMarkdown("First part.")
    widget.finish()
    app = Pane(widget)
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot, widget)
        widget.append(" Second part.")
        assert not widget.finished
        widget.finish()
        await settle(pilot, widget)
        assert lines(widget) == ["First part. Second part."]


async def test_text_can_be_selected() -> None:
    widget = StreamingMarkdown("# Title\n\nSome **bold** text.\n\n- one\n- two")
    widget.finish()
    app = Pane(widget)
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot, widget)
        plain = widget.render_line(2)
        app.screen.selections = {widget: Selection(None, None)}
        await pilot.pause()
        selected = app.screen.get_selected_text()
        assert selected is not None
        assert [line.strip() for line in selected.splitlines() if line.strip()] == [
            "Title",
            "Some bold text.",
            "• one",
            "• two",
        ]
        highlighted = widget.render_line(2)
        assert highlighted.text == plain.text
        assert highlighted.text.startswith("Some bold text.")

        def backgrounds(strip: Strip) -> set[str]:
            return {str(segment.style.bgcolor) for segment in strip if segment.style}

        assert backgrounds(highlighted) != backgrounds(plain)
        app.screen.selections = {}
        await pilot.pause()
        assert backgrounds(widget.render_line(2)) == backgrounds(plain)


async def test_a_line_in_view_is_the_same_strip_until_it_or_its_style_changes() -> None:
    """Textual asks again for every line of a widget that grew; a line that did not change
    is given as the strip given before, and a changed line, colour or theme never is."""
    widget = StreamingMarkdown("First paragraph.\n\nSecond.\n\n- a list\n\nThe tail grows")
    app = Pane(widget)
    async with app.run_test(size=(80, 20)) as pilot:
        await settle(pilot, widget)
        first, tail = widget.render_line(0), widget.render_line(6)
        assert widget.render_line(0) is first
        assert tail.text.startswith("The tail grows")
        widget.append(" and grows")
        await settle(pilot, widget)
        assert widget.render_line(0) is first
        assert widget.render_line(6).text.startswith("The tail grows and grows")
        widget.styles.color = "red"
        await pilot.pause()
        recoloured = widget.render_line(0)
        assert recoloured.text == first.text
        assert {s.style.color for s in recoloured if s.style} != {
            s.style.color for s in first if s.style
        }


@pytest.mark.parametrize("sizes", [(500, 8000)])
async def test_the_cost_per_delta_does_not_grow_with_the_reply(sizes: tuple[int, int]) -> None:
    """Not a timing pass/fail: the ratio of per-delta costs stays flat (O(n), not O(n^2))."""
    small, large = sizes
    warm, long = StreamingMarkdown(), StreamingMarkdown()
    shorts = [StreamingMarkdown(), StreamingMarkdown()]
    app = Pane(warm, *shorts, long)

    def cost(widget: StreamingMarkdown, deltas: list[str]) -> float:
        started = time.perf_counter()
        for index, delta in enumerate(deltas):
            widget.append(delta)
            if index % 25 == 24:  # a frame every 25 deltas, as at 1,500 deltas/s
                widget.flush()
        widget.finish()
        widget.flush()
        return (time.perf_counter() - started) / len(deltas)

    async with app.run_test(size=(80, 40)):
        cost(warm, markdown_reply(200))  # lexers and parsers warmed up
        per_delta_small = min(cost(short, markdown_reply(small, seed=1)) for short in shorts)
        per_delta_large = cost(long, markdown_reply(large))
    assert per_delta_large < 4 * per_delta_small, (per_delta_small, per_delta_large)


# -- the code theme and the render budget ------------------------------------------------------

CODE = "Intro.\n\n```python\ndef answer(x):\n    return 42  # yes\n```\n\nAfter."


def rich_colours(markdown: str, code_theme: str, needle: str) -> set[str]:
    """The foreground colours Rich itself gives the line containing ``needle``."""
    console = Console(width=60, force_terminal=True, color_system="truecolor")
    options = console.options.update(width=60, height=None, highlight=False)
    for line in console.render_lines(BlockMarkdown(markdown, code_theme=code_theme), options):
        if needle in "".join(segment.text for segment in line):
            return {str(seg.style.color) for seg in line if seg.style and seg.text.strip()}
    raise AssertionError(f"{needle!r} is not in Rich's rendering")


async def test_the_code_theme_follows_the_app_theme_dark_or_light() -> None:
    widget = StreamingMarkdown(CODE)
    widget.finish()
    app = Pane(widget)
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot, widget)
        assert app.current_theme.dark and widget.code_theme == DARK_CODE_THEME
        dark = _colours(widget, "def answer")
        assert dark == rich_colours(CODE, DARK_CODE_THEME, "def answer")
        renders = widget.block_renders

        app.theme = "textual-light"
        # The widget renders again on its own (no flush): the theme change schedules a frame.
        await wait_until(pilot, lambda: widget.code_theme == LIGHT_CODE_THEME and widget.settled)
        light = _colours(widget, "def answer")
        assert light == rich_colours(CODE, LIGHT_CODE_THEME, "def answer")
        assert light != dark
        assert widget.block_renders == [count + 1 for count in renders]
        assert lines(widget) == rich_lines(CODE, widget.size.width)

        app.theme = "nord"  # another dark theme: monokai again
        await wait_until(pilot, lambda: widget.code_theme == DARK_CODE_THEME and widget.settled)
        assert _colours(widget, "def answer") == dark


async def test_a_widget_mounted_in_a_light_theme_renders_light_code_at_once() -> None:
    widget = StreamingMarkdown(CODE)
    widget.finish()
    app = Pane(widget)
    app.theme = "textual-light"
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot, widget)
        assert _colours(widget, "def answer") == rich_colours(CODE, LIGHT_CODE_THEME, "def answer")
        assert set(widget.block_renders) == {1}, "no render with the dark theme first"


class Conversation(VerticalScroll):
    """A container that owns the render budget of the replies inside it."""

    def __init__(self, *children: Widget) -> None:
        super().__init__(*children)
        self.render_budget = RenderBudget()


async def test_widgets_share_the_budget_of_the_nearest_owner() -> None:
    inside = [StreamingMarkdown("one"), StreamingMarkdown("two")]
    given = RenderBudget()
    chosen = StreamingMarkdown("three", budget=given)
    alone = [StreamingMarkdown("four"), StreamingMarkdown("five")]

    class Screenful(App[None]):
        def compose(self) -> ComposeResult:
            yield Conversation(*inside, chosen)
            yield from alone

    app = Screenful()
    async with app.run_test(size=(80, 40)):
        owner = app.query_one(Conversation)
        assert isinstance(owner, RenderBudgetOwner)
        assert all(widget.budget is owner.render_budget for widget in inside)
        assert chosen.budget is given, "a budget given to the widget wins"
        assert alone[0].budget is not alone[1].budget, "without an owner, each its own"
        assert owner.render_budget not in {alone[0].budget, alone[1].budget}
