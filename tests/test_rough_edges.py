"""Small things a new user tripped over in the chat screen: help, the footer on a narrow
terminal, dialogs, and what a key says it did."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.app import App
from textual.screen import Screen
from textual.widgets import Checkbox, HelpPanel, OptionList, TextArea

from groq_tui.ui.screens.dialogs import (
    ChoicePicker,
    ConfirmDialog,
    FirstRunScreen,
    ModelChoice,
    ModelPicker,
    TextPrompt,
)
from groq_tui.ui.widgets.composer import Composer
from groq_tui.ui.widgets.key_footer import KeyFooter
from tests.app_support import make_app, ready, send, wait_for, wait_reply_done
from tests.loopback import LoopbackServer


async def test_f1_and_question_mark_show_every_key_of_the_screen(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: bool(screen.query(HelpPanel)))
        console = Console(file=io.StringIO(), width=100, record=True)
        console.print(screen.query_one("BindingsTable").render())
        listed = console.export_text()
        for description in ("Search", "Copy reply", "Export", "Regenerate", "Quit", "Help"):
            assert description in listed  # keys the footer has no room for, too
        await pilot.press("f1")
        await wait_for(pilot, lambda: not screen.query(HelpPanel))
        await pilot.press("question_mark")  # in the composer, ? is text
        assert screen.query_one(Composer).text == "?"
        assert not screen.query(HelpPanel)
        screen.query_one(Composer).load_text("")
        await send(pilot, "hello")
        reply = await wait_reply_done(pilot, screen)
        reply.focus()
        await pilot.press("question_mark")  # on a message, ? is help
        await wait_for(pilot, lambda: bool(screen.query(HelpPanel)))


async def test_the_footer_of_a_narrow_terminal_starts_with_quit_and_help(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot)
        footer = screen.query_one(KeyFooter)
        await wait_for(pilot, lambda: len(footer.children) > 2)
        await pilot.pause()
        shown = [
            getattr(key, "key", "")
            for key in footer.children
            if footer.region.contains_region(key.region) and key.region.width
        ]
        assert shown[:2] == ["ctrl+q", "f1"]


async def test_the_edit_dialog_opens_with_the_cursor_at_the_end(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await send(pilot, "line one\nline two")
        await wait_reply_done(pilot, screen)
        screen.views[screen.messages[0].id].focus()  # type: ignore[index]
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        await pilot.pause()
        area = app.screen.query_one(TextArea)
        assert area.cursor_location == (1, len("line two"))


async def test_copy_code_names_the_block_the_next_press_copies(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    loopback.reply_text = "```\none\n```\n\n```\ntwo\n```\n"
    app = make_app(loopback, tmp_path)
    notes: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pilot.press("ctrl+l")  # nothing to copy yet: it says so
        await send(pilot, "code")
        view = await wait_reply_done(pilot, screen)
        view.focus()
        await pilot.press("y", "y")
        await pilot.pause()
        notes = [n.message for n in app._notifications]
    assert any("no reply to copy" in note for note in notes)
    assert any("block 2 of 2 (y again: block 1)" in note for note in notes)
    assert any("block 1 of 2 (y again: block 2)" in note for note in notes)
    assert not any("previous one" in note for note in notes)


async def test_the_key_dialog_says_when_a_key_is_already_set(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(60, 24)) as pilot:
        await ready(pilot)
        app.action_set_key()
        await wait_for(pilot, lambda: isinstance(app.screen, FirstRunScreen))
        await pilot.pause()
        text = " ".join(str(w.render()) for w in app.screen.query("Static, Label"))
        assert "No API key is set" not in text
        assert "A key is set" in text
        save = app.screen.query_one(Checkbox)
        assert save.region.right <= app.screen.query_one("FirstRunScreen > Vertical").region.right
        assert "readable only by you" in text


async def test_the_model_picker_shows_rows_on_a_tiny_terminal(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(40, 12)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker))
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        assert options.content_region.height >= 3  # at 40x12 it had none


async def test_the_workbench_form_fits_a_tiny_terminal(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(40, 12)) as pilot:
        await ready(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "WorkbenchScreen")
        await pilot.pause()
        form = app.screen.query_one("#form")
        for selector in ("#model", "#temperature", "#word", "#segment", "#run"):
            field = form.query_one(selector)
            region = field.virtual_region
            assert region.width > 0 and region.right <= form.size.width, selector
        labels = [str(label.render()) for label in form.query("Label")]
        assert {"Model", "Temp", "Times"} <= set(labels)


@pytest.mark.parametrize(
    "dialog",
    [
        lambda: TextPrompt("Models to compare", "a, b", multiline=False),
        lambda: TextPrompt("System prompt", "be brief"),
        lambda: ModelPicker([ModelChoice("m", "m")], "m"),
        lambda: ConfirmDialog("Delete it?"),
        lambda: ChoicePicker("Microphone", [("", "default")], ""),
        lambda: FirstRunScreen("/tmp/config.toml", True),
    ],
)
async def test_quitting_as_a_dialog_opens_ends_cleanly(dialog: Callable[[], Screen[Any]]) -> None:
    # A dialog opened in the same turn as the app quits (F4 then ctrl+q, typed ahead) had its
    # mount handler look for widgets that were never mounted: the app ended with NoMatches.
    app: App[None] = App()
    async with app.run_test() as pilot:
        await pilot.pause()
        app.push_screen(dialog())
