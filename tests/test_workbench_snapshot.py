"""The transcription workbench with a verbose_json result, pinned (pytest-textual-snapshot).

Run ``pytest tests/test_workbench_snapshot.py --snapshot-update`` after an intended visual
change, and look at the report before committing the new SVG.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input

from groq_tui.ui.screens.workbench import WorkbenchScreen
from tests.app_support import make_app, ready, wait_for
from tests.loopback import LoopbackServer
from tests.test_workbench import talk


def test_workbench_with_a_verbose_json_result(
    snap_compare: Any, loopback: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A relative path, so the temporary folder's name is not in the picture.
    monkeypatch.chdir(tmp_path)
    talk(tmp_path / "interview.wav", [2.5, 0.5, 3.0])
    loopback.transcript_text = (
        "Welcome back to the show. Today we talk about fast inference and what it changes."
    )
    app = make_app(loopback, tmp_path / "data")

    async def run_before(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        app.push_screen(WorkbenchScreen("interview.wav"))
        await wait_for(pilot, lambda: isinstance(app.screen, WorkbenchScreen))
        screen = app.screen
        assert isinstance(screen, WorkbenchScreen)
        await pilot.pause()
        for widget in screen.query(Input):
            widget.cursor_blink = False
        screen.query_one("#language", Input).value = "en"
        screen.query_one("#word", Checkbox).value = True
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: screen.result is not None, timeout=20)
        await pilot.pause()
        await pilot.press("down", "enter")  # the second segment's words
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(100, 34), run_before=run_before)
