"""Where focus goes after a message changes, and deleting asks first."""

from __future__ import annotations

from pathlib import Path

from groq_tui.ui.screens.dialogs import ConfirmDialog, TextPrompt
from groq_tui.ui.widgets.composer import Composer
from groq_tui.ui.widgets.messages import MessageView
from groq_tui.ui.widgets.sidebar import ConversationSidebar
from tests.app_support import db_rows, make_app, ready, send, wait_for, wait_reply_done
from tests.loopback import LoopbackServer


async def test_after_edit_and_resend_focus_is_not_on_an_earlier_message(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await ready(pilot)
        for count, text in enumerate(["first", "second", "third"], start=1):
            await send(pilot, text)
            await wait_reply_done(pilot, screen, count=count)
        third = screen.views[screen.messages[4].id]  # type: ignore[index]
        third.focus()
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one("#prompt-text").load_text("edited")  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.messages[4].content == "edited")
        await wait_reply_done(pilot, screen, count=3)
        await pilot.pause()
        focused = app.focused
        assert isinstance(focused, Composer) or (
            isinstance(focused, MessageView) and focused.message is screen.messages[-1]
        )


async def test_deleting_a_message_asks_first_and_focus_stays_near(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        for count, text in enumerate(["first", "second"], start=1):
            await send(pilot, text)
            await wait_reply_done(pilot, screen, count=count)
        first_reply = screen.views[screen.messages[1].id]  # type: ignore[index]
        first_reply.focus()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")  # no: nothing is deleted, focus is back on the reply
        await wait_for(pilot, lambda: app.screen is screen and app.focused is first_reply)
        assert len(screen.messages) == 4
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("enter")  # Enter alone is "Cancel"
        await wait_for(pilot, lambda: app.screen is screen)
        assert len(screen.messages) == 4
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: len(screen.messages) == 3)
        second_prompt = screen.views[screen.messages[1].id]  # type: ignore[index]
        await wait_for(pilot, lambda: app.focused is second_prompt)  # the one in its place
    contents = [row[0] for row in db_rows(tmp_path, "SELECT content FROM messages ORDER BY id")]
    assert contents == ["first", "second", "Echo: second"]


async def test_deleting_a_conversation_asks_first(loopback: LoopbackServer, tmp_path: Path) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await ready(pilot)
        await send(pilot, "keep me")
        await wait_reply_done(pilot, screen)
        sidebar = screen.query_one(ConversationSidebar)
        await wait_for(pilot, lambda: len(sidebar.items) == 1)
        sidebar.query_one("#history-list").focus()
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        assert db_rows(tmp_path, "SELECT title FROM conversations") == [("keep me",)]
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: not db_rows(tmp_path, "SELECT id FROM conversations"))
        await wait_for(pilot, lambda: not screen.messages)


async def test_regenerating_the_focused_reply_keeps_the_new_one_in_view(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await ready(pilot)
        for count, text in enumerate(["first", "second", "third", "fourth"], start=1):
            await send(pilot, text)
            await wait_reply_done(pilot, screen, count=count)
        pane = screen.conversation_view
        assert pane.max_scroll_y > 0
        last = screen.views[screen.messages[-1].id]  # type: ignore[index]
        last.focus()
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: screen.messages[-1] is not last.message)
        new = await wait_reply_done(pilot, screen, count=4)
        stats = new.query_one(".message--stats")
        await wait_for(pilot, lambda: stats.display and stats.region.height > 0)
        await pilot.pause()
        # The new reply's last line (its figures) is in view, and keys do not go to an
        # earlier message.
        assert pane.region.contains_region(stats.region)
        assert not (isinstance(app.focused, MessageView) and app.focused is not new)
