"""Keys typed into the composer in one burst keep their order (a paste, a macro, a slow app).

Textual inserts a printable key where the focused text area reads it, but runs a key binding
(ctrl+j's new line, backspace, the arrows) only once the key has bubbled up to the App: keys
that came after it in the same burst were typed first, so ``one``, ctrl+j, ``two``, ctrl+j,
``three`` gave ``onetwothree`` and two empty lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot

from groq_tui.ui.widgets.composer import Composer
from tests.app_support import make_app, ready, wait_for
from tests.loopback import LoopbackServer
from tests.terminal import history_rows, start_app

CHARACTERS = {"ctrl+j": "\n", "backspace": "\x7f", "enter": "\r"}
"""What a terminal sends for the named keys that carry a character (the others: none)."""


async def burst(pilot: Pilot[Any], keys: list[str]) -> None:
    """Send ``keys`` to the app at once, as a terminal delivers what was typed in one read
    (``Pilot.press`` waits for the app to go idle after each key)."""
    for key in keys:
        character = key if len(key) == 1 else CHARACTERS.get(key)
        pilot.app.post_message(events.Key(key, character))


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ([*"one", "ctrl+j", *"two", "ctrl+j", *"three"], "one\ntwo\nthree"),
        ([*"abc", "backspace", *"d"], "abd"),
        ([*"ac", "left", *"b"], "abc"),
        ([*"world", "home", *"hello "], "hello world"),
    ],
    ids=["ctrl+j", "backspace", "left", "home"],
)
async def test_a_burst_of_keys_is_typed_in_order(
    loopback: LoopbackServer, tmp_path: Path, keys: list[str], expected: str
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        composer = screen.query_one(Composer)
        composer.focus()
        await burst(pilot, keys)
        await wait_for(pilot, lambda: len(composer.text) == len(expected), timeout=10)
        await pilot.pause()
        assert composer.text == expected


async def test_a_remapped_newline_key_keeps_its_place_too(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    app.settings.keymap = {"composer.newline": "f9"}
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        composer = screen.query_one(Composer)
        composer.focus()
        await burst(pilot, [*"one", "f9", *"two", "ctrl+j", *"three"])
        await wait_for(pilot, lambda: len(composer.text) >= len("one\ntwo"), timeout=10)
        await pilot.pause()
        assert composer.text == "one\ntwothree"  # ctrl+j is no longer bound: nothing


@pytest.mark.timeout(120)
def test_one_write_on_a_real_terminal_keeps_the_lines(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = start_app(loopback, tmp_path, "llama-3.1-8b-instant")
    try:
        app.type(b"one\ntwo\nthree\r")  # ctrl+j is LF; Enter is CR; all in one write
        app.wait_for(lambda: bool(_prompts(tmp_path)))
        assert _prompts(tmp_path) == ["one\ntwo\nthree"]
        app.type(b"\x11")
        assert app.finish() == 0
    finally:
        app.kill()


def _prompts(tmp_path: Path) -> list[str]:
    if not (tmp_path / "data" / "groq-tui" / "history.db").exists():
        return []
    rows = history_rows(tmp_path, "SELECT content FROM messages WHERE role = 'user'")
    return [str(content) for (content,) in rows]
