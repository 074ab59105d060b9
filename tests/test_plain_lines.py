"""The conversation's widgets draw their lines cheaply, and exactly as Textual would.

A streaming reply grows its Markdown, its message, the column of messages and the pane in
every frame, and Textual renders a widget whose size changed again, line by line. The pane
and the column are ``BLANK`` (one blank strip, Textual's own shortcut); a message renders one
row of its border and padding and repeats it (``rows_alike``); the Markdown fits and filters
its own lines (``plain_lines``). These tests hold the shortcuts to what Textual's
line-by-line rendering gives for the same widget, and to when they apply.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.selection import Selection
from textual.strip import Strip
from textual.widget import Widget

from groq_tui.domain import Message
from groq_tui.ui.widgets.conversation_view import ConversationContent, ConversationView
from groq_tui.ui.widgets.messages import MessageView
from groq_tui.ui.widgets.plain_lines import plainly_drawn, rows_alike
from groq_tui.ui.widgets.streaming_markdown import StreamingMarkdown
from groq_tui.ui.widgets.thinking_block import ThinkingBlock

REPLY = "\n\n".join(
    [
        *(f"Paragraph {n}: some **words** of the [reply](https://example.com)." for n in range(6)),
        "```python\nprint('code')\n```",
        "| a | b |\n|---|---|\n| 1 | 2 |",
    ]
)


class Conversation(App[None]):
    def compose(self) -> ComposeResult:
        yield ConversationView(id="conversation")

    async def on_mount(self) -> None:
        view = self.query_one(ConversationView)
        await view.show(
            [
                Message(role="user", content="Tell me more", id=1),
                Message(role="assistant", content=REPLY, id=2),
            ]
        )


def segments(strips: list[Strip]) -> list[list[Segment]]:
    return [list(strip) for strip in strips]


def textual_lines(widget: Widget, crop: Region) -> list[list[Segment]]:
    """The lines as Textual renders them without the shortcut: each one through the widget's
    styles, with the app's line filters."""
    widget._styles_cache.clear()  # private: the only way to ask Textual for its own rendering
    return segments(widget._styles_cache.render_widget(widget, crop))


def own_region(widget: Widget) -> Region:
    return Region(0, 0, widget.size.width, widget.size.height)


async def test_a_message_renders_one_row_and_repeats_it_as_textual_would() -> None:
    app = Conversation()
    async with app.run_test(size=(70, 40)) as pilot:
        await pilot.pause()
        views = list(app.query(MessageView))
        assert len(views) == 2
        views[1].focus()  # another border colour and background
        await pilot.pause()
        for view in views:
            crop = own_region(view)
            assert crop.height >= 2
            assert rows_alike(view)
            assert segments(view.render_lines(crop)) == textual_lines(view, crop)
            part = Region(2, 1, crop.width - 4, crop.height - 2)  # a clipped part of it
            assert segments(view.render_lines(part)) == textual_lines(view, part)


async def test_a_message_with_padding_above_renders_line_by_line() -> None:
    """Rows are not alike once the message has padding above: its first row is padding, the
    others carry the content's background."""
    app = Conversation()
    async with app.run_test(size=(70, 40)) as pilot:
        await pilot.pause()
        view = app.query(MessageView).last()
        view.styles.padding = (1, 1, 0, 1)
        view.styles.border_top = ("round", "red")
        await pilot.pause()
        assert not rows_alike(view)
        crop = own_region(view)
        lines = segments(view.render_lines(crop))
        assert lines == textual_lines(view, crop)
        assert lines[0] != lines[2]


async def test_the_pane_and_its_column_are_blank_as_textual_would_draw_them() -> None:
    """``BLANK`` gives one blank strip in the widget's colours; Textual's line-by-line rendering
    of the same widget (its padding included) gives the same cells, in one style."""
    app = Conversation()
    async with app.run_test(size=(70, 40)) as pilot:
        await pilot.pause()
        for widget in (app.query_one(ConversationView), app.query_one(ConversationContent)):
            assert widget.BLANK
            crop = own_region(widget)
            assert cells(segments(widget.render_lines(crop))) == cells(textual_lines(widget, crop))


def cells(lines: list[list[Segment]]) -> list[tuple[str, set[object]]]:
    """Each line's text and the styles it is drawn in."""
    return [("".join(s.text for s in line), {s.style for s in line}) for line in lines]


async def test_the_markdown_draws_its_lines_as_textual_would() -> None:
    """Plain, focused message, selected text, light theme, clipped: the same cells in the same
    styles as Textual's own rendering (its styles, then the app's filters, the one that keeps
    control characters off the terminal included)."""
    app = Conversation()
    async with app.run_test(size=(70, 40)) as pilot:
        await pilot.pause()
        reply = app.query(StreamingMarkdown).last()
        assert plainly_drawn(reply)
        crop = own_region(reply)
        assert crop.height > 10

        def same() -> None:
            assert segments(reply.render_lines(crop)) == textual_lines(reply, crop)
            part = Region(3, 2, crop.width - 6, crop.height - 4)
            assert segments(reply.render_lines(part)) == textual_lines(reply, part)

        same()
        app.query(MessageView).last().focus()
        await pilot.pause()
        same()
        app.screen.selections = {reply: Selection(None, None)}
        await pilot.pause()
        same()
        app.theme = "textual-light"
        await pilot.pause()
        same()


async def test_markdown_with_styling_of_its_own_is_drawn_by_textual() -> None:
    """Padding (as the reasoning's text has), a tint or a border: Textual styles the lines."""
    app = Conversation()
    async with app.run_test(size=(70, 40)) as pilot:
        await pilot.pause()
        reply = app.query(StreamingMarkdown).last()
        for style in ("padding: 0 0 0 2;", "tint: red 20%;", "border: round red;"):
            reply.set_styles(style)
            await pilot.pause()
            assert not plainly_drawn(reply)
            crop = own_region(reply)
            assert segments(reply.render_lines(crop)) == textual_lines(reply, crop)
            reply.set_styles("padding: 0; tint: red 0%; border: none;")
            await pilot.pause()
            assert plainly_drawn(reply)
        block = ThinkingBlock("Reasoning **here**.", display="show")
        await app.query_one(ConversationContent).mount(block)
        await pilot.pause()
        thinking = block.query_one(StreamingMarkdown)
        assert not plainly_drawn(thinking)


async def test_markdown_taken_off_the_screen_still_draws_its_last_frame() -> None:
    """The compositor may draw a widget once more as it is removed (a conversation shown again
    from a search hit): its lines come (without the screen's selection), not an exception."""
    app = Conversation()
    async with app.run_test(size=(70, 40)) as pilot:
        await pilot.pause()
        reply = app.query(StreamingMarkdown).last()
        crop = own_region(reply)
        await reply.remove()
        assert len(reply.render_lines(crop)) == crop.height


async def test_a_new_message_lets_the_earlier_replies_drop_their_kept_strips() -> None:
    """Kept strips (and what Textual caches on them) would stay with every reply that scrolled
    out of view; a new message makes the earlier replies build them again when next painted."""
    app = Conversation()
    async with app.run_test(size=(70, 40)) as pilot:
        await pilot.pause()
        reply = app.query(StreamingMarkdown).last()
        kept = reply.render_line(0)
        assert reply.render_line(0) is kept
        await app.query_one(ConversationView).append(Message(role="user", content="more", id=3))
        again = reply.render_line(0)
        assert again is not kept and again.text == kept.text
