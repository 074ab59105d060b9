"""A change of the history that the store refuses (a full disk) is said once; the app and
the screen stay as they were.

The refusal is injected: a full disk cannot be made at that moment in this process (a
file-size limit would hold the test runner too; ``tests/test_faults_app.py`` and
``tests/test_faults_disk.py`` make it real in a child process). The store raises what it
raises then, a ``StoreError``; these used to escape the screen and end the app.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot

from groq_tui.app import GroqApp
from groq_tui.services.chat import ChatService
from groq_tui.store import StoreError
from groq_tui.ui.screens.chat import ChatScreen
from groq_tui.ui.screens.dialogs import ConfirmDialog
from tests.app_support import db_rows, make_app, ready, send, wait_for, wait_reply_done
from tests.loopback import LoopbackServer

FULL = "history.db: the disk is full"


async def refuse(*_: object) -> None:
    raise StoreError(FULL)


def told(app: GroqApp) -> list[str]:
    return [str(n.message) for n in app._notifications if FULL in str(n.message)]


async def answered(pilot: Pilot[GroqApp]) -> ChatScreen:
    """The chat screen once "first" is answered."""
    screen = await ready(pilot)
    await send(pilot, "first")
    await wait_reply_done(pilot, screen)
    return screen


async def test_a_regenerate_the_history_refuses_keeps_the_reply(
    loopback: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await answered(pilot)
        monkeypatch.setattr(ChatService, "truncate_from", refuse)
        loopback.reply_text = "a different answer"
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: told(app))
        assert app.is_running and not screen.streaming
        assert [m.content for m in screen.messages] == ["first", "Echo: first"]
    assert len(told(app)) == 1
    rows = db_rows(tmp_path, "SELECT content FROM messages ORDER BY id")
    assert rows == [("first",), ("Echo: first",)]


async def test_a_delete_the_history_refuses_keeps_the_message(
    loopback: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await answered(pilot)
        monkeypatch.setattr(ChatService, "delete_message", refuse)
        screen.views[screen.messages[1].id].focus()  # type: ignore[index]
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: told(app))
        assert app.is_running
        assert len(screen.messages) == 2


async def test_parameters_the_history_cannot_save_are_used_all_the_same(
    loopback: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await answered(pilot)
        monkeypatch.setattr(ChatService, "save_settings", refuse)
        await screen.set_model("llama-3.3-70b-versatile")
        await wait_for(pilot, lambda: told(app))
        assert app.is_running
        assert screen.conversation.model == "llama-3.3-70b-versatile"
