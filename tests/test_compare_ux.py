"""The compare screen's summary table, saved figures of stopped columns, and paging on
narrow terminals (Pilot against the loopback server)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console
from textual.widgets import Static

from groq_tui.ui.screens.compare import CompareScreen
from groq_tui.ui.widgets.composer import Composer
from tests.app_support import db_rows, make_app, wait_for
from tests.loopback import LoopbackServer
from tests.test_compare import FAST, open_compare, prompt, states

SLOW = "loopback-chunks-20000-rate-200"


def summary_text(screen: CompareScreen) -> str:
    console = Console(file=io.StringIO(), width=200, record=True)
    console.print(screen.summary_table)
    return console.export_text()


async def test_the_summary_keeps_up_with_the_columns(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_compare(pilot, [SLOW, SLOW])
        await prompt(pilot, screen, "go", wait=False)
        await wait_for(pilot, lambda: all(w.figures.tokens > 20 for w in screen.columns))
        # While the columns stream, the table says so, with their token counts (it lagged
        # at "waiting, 0 tokens" until the end).
        await wait_for(pilot, lambda: summary_text(screen).count("streaming") == 2, timeout=5)
        await pilot.press("escape")
        await wait_for(pilot, lambda: states(screen) == ["stopped", "stopped"])


async def test_stopped_columns_keep_their_figures_when_reopened_and_exported(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_compare(pilot, [SLOW, SLOW])
        await prompt(pilot, screen, "go", wait=False)
        await wait_for(pilot, lambda: all(w.figures.tokens > 20 for w in screen.columns))
        screen.columns[0].focus()
        await pilot.press("s")  # one column stopped on its own, then the other with Escape
        await wait_for(pilot, lambda: states(screen)[0] == "stopped")
        await pilot.press("escape")
        await wait_for(pilot, lambda: states(screen) == ["stopped", "stopped"])
        live = [(w.figures.time_to_first_token, w.figures.tokens) for w in screen.columns]
        saved = db_rows(tmp_path, "SELECT stats FROM messages WHERE role='assistant' ORDER BY id")
        # What the columns show once stopped is what was saved (every token that arrived).
        assert [json.loads(stats)["completion_tokens"] for (stats,) in saved] == [
            tokens for _, tokens in live
        ]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: list((tmp_path / "exports").glob("*.md")))
        conversation_id = screen.run.conversation.id
        await pilot.press("f4")
        chat = app.chat_screen
        assert chat is not None and conversation_id is not None
        await wait_for(pilot, lambda: app.screen is chat)
        await chat.open_conversation(conversation_id)
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        reopened = app.screen
        assert isinstance(reopened, CompareScreen)
        await pilot.pause()
        for widget, (ttft, tokens) in zip(reopened.columns, live, strict=True):
            assert widget.figures.state == "stopped"
            assert widget.figures.time_to_first_token == ttft
            assert widget.figures.tokens == tokens
    markdown = next((tmp_path / "exports").glob("*.md")).read_text()
    rows = [line for line in markdown.splitlines() if line.startswith(f"| {SLOW} |")]
    assert len(rows) == 2
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[1] != "-"  # TTFT
        assert cells[-1] == "stopped"
    assert sorted(int(row.split("|")[4]) for row in rows) == sorted(t for _, t in live)


async def test_narrow_paging_works_from_the_composer_and_says_which_column(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compare(pilot, [FAST, "llama-3.3-70b-versatile", "qwen/qwen3-32b"])
        composer = screen.query_one(Composer)
        assert app.focused is composer
        page = screen.query_one("#page", Static)
        assert page.display and "column 1 of 3" in str(page.render()).lower()
        await pilot.press("alt+right")
        assert [w.index for w in screen.columns if w.has_class("-shown")] == [1]
        assert "column 2 of 3" in str(page.render()).lower()
        await pilot.press("alt+left", "alt+left")
        assert [w.index for w in screen.columns if w.has_class("-shown")] == [2]
        assert composer.text == ""  # nothing typed into the prompt
        screen.columns[2].focus()
        await pilot.press("]")  # on a column, the brackets page too
        assert [w.index for w in screen.columns if w.has_class("-shown")] == [0]
        assert app.focused is screen.columns[0]  # focus follows the shown column
        await pilot.resize_terminal(160, 40)
        await wait_for(pilot, lambda: not screen.has_class("-narrow"))
        await pilot.pause()
        assert not page.display  # side by side, every column is in view
