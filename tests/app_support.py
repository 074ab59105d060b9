"""Helpers for driving the app with Pilot against the loopback server."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from groq_tui.app import GroqApp
from groq_tui.config import load_settings
from groq_tui.domain import MessageStatus
from groq_tui.services.context import AppContext
from groq_tui.ui.screens.chat import ChatScreen
from groq_tui.ui.widgets.composer import Composer
from groq_tui.ui.widgets.messages import MessageView
from groq_tui.ui.widgets.status_bar import StatusBar
from tests.loopback import LoopbackServer


def make_app(
    loopback: LoopbackServer,
    data_path: Path,
    *,
    api_key: str | None = "test-key",
    continue_last: bool = False,
    model: str | None = "llama-3.1-8b-instant",
    offline: bool = False,
) -> GroqApp:
    """The real app, pointed at the loopback server, keeping its data under ``data_path``.

    ``model`` is the ``-m`` flag; None starts the app as without one (the server's or the
    settings' model is used)."""
    settings = load_settings(
        api_key=api_key, base_url=loopback.base_url, max_retries=0, timeout=10, model=model
    )
    return GroqApp(
        AppContext(
            settings, continue_last=continue_last, data_path=data_path, offline=offline, model=model
        )
    )


async def wait_for(
    pilot: Pilot[Any], condition: Callable[[], object], timeout: float = 30.0
) -> None:
    """Let the app run until ``condition()`` is true (fails the test after ``timeout``: long
    enough for the local engine's replies on a busy machine)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await pilot.pause(0.02)


async def ready(pilot: Pilot[Any]) -> ChatScreen:
    """Wait until the services and the model list are loaded; return the chat screen."""
    app = pilot.app
    assert isinstance(app, GroqApp)
    context = app.context
    await wait_for(pilot, lambda: context.chat_service is not None and context.models)
    screen = app.chat_screen
    assert screen is not None
    status = screen.query_one(StatusBar)
    await wait_for(pilot, lambda: status.state != "starting")
    return screen


async def send(pilot: Pilot[Any], text: str) -> None:
    """Type ``text`` in the composer and press Enter."""
    screen = pilot.app.screen
    composer = screen.query_one(Composer)
    composer.focus()
    composer.load_text(text)
    await pilot.press("enter")


async def wait_reply_done(pilot: Pilot[Any], screen: ChatScreen, count: int = 1) -> MessageView:
    """Wait for the ``count``-th assistant reply to end; return its view."""

    def done() -> bool:
        replies = [m for m in screen.messages if m.role == "assistant"]
        return (
            len(replies) >= count
            and replies[count - 1].status is not MessageStatus.STREAMING
            and not screen.streaming
        )

    await wait_for(pilot, done)
    reply = [m for m in screen.messages if m.role == "assistant"][count - 1]
    assert reply.id is not None
    return screen.views[reply.id]


def db_rows(data_path: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Read the app's history database directly (a second, independent connection)."""
    with sqlite3.connect(data_path / "history.db") as connection:
        return list(connection.execute(sql, params))
