"""A click in the history sidebar opens the row under the pointer, focused list or not.

The list used to gain a border when it took focus: the first click focused it, the rows moved
down one line before the click was handled, and the click landed on the row above (or on the
border, for the top row).
"""

from __future__ import annotations

from pathlib import Path

from textual.screen import Screen
from textual.widgets import OptionList

from groq_tui.ui.widgets.composer import Composer
from tests.app_support import make_app, ready, send, wait_for, wait_reply_done
from tests.loopback import LoopbackServer


def _first_line_of(screen: Screen[object], rows: OptionList, row: int) -> tuple[int, int]:
    """Where the list shows ``row`` now (unfocused), as a user sees it: screen x, y."""
    area = rows.content_region
    for y in range(area.y, area.bottom):
        if screen.get_style_at(area.x + 2, y).meta.get("option") == row:
            return area.x + 2, y
    raise AssertionError(f"row {row} is not on screen")


async def test_the_first_click_opens_the_row_under_the_pointer(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        for prompt in ("tell me about zebras", "and now giraffes"):
            await send(pilot, prompt)
            await wait_reply_done(pilot, screen, 1)
            await pilot.press("ctrl+n")
            await wait_for(pilot, lambda: not screen.messages)
        sidebar = screen.query_one("#sidebar")
        await wait_for(pilot, lambda: len(sidebar.items) == 2)  # type: ignore[attr-defined]
        rows = sidebar.query_one(OptionList)
        composer = screen.query_one(Composer)

        for row, title in ((0, "and now giraffes"), (1, "tell me about zebras")):
            composer.focus()
            await wait_for(pilot, lambda: composer.has_focus and not rows.has_focus)
            await pilot.click(offset=_first_line_of(screen, rows, row))
            await wait_for(pilot, lambda t=title: screen.conversation.title == t, timeout=5)
            assert screen.messages[0].content == title
