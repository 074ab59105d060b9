"""The recorder bar's states, pinned (pytest-textual-snapshot).

The bar is shown in a small app with fixed values: the states are what is pinned here; the
live values come from the microphone in tests/test_dictation_app.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from groq_tui.ui.widgets.recorder_bar import RecorderBar, RecorderState


class BarApp(App[None]):
    """A composer-sized box and the recorder bar under it."""

    CSS = "Static { height: 3; border: round $primary; }"

    def __init__(self, state: RecorderState, **values: Any) -> None:
        super().__init__()
        self.state = state
        self.values = values

    def compose(self) -> ComposeResult:
        yield Static("Note: the composer", id="composer")
        yield RecorderBar(id="recorder")

    def on_mount(self) -> None:
        bar = self.query_one(RecorderBar)
        for name, value in self.values.items():
            setattr(bar, name, value)
        bar.state = self.state


@pytest.mark.parametrize(
    ("state", "values"),
    [
        ("idle", {}),
        ("recording", {"level": -21.0, "elapsed": 67.3, "pending": 1}),
        ("recording", {"level": -3.0, "elapsed": 5.0, "translate": True}),
        ("transcribing", {"pending": 2}),
    ],
    ids=["idle", "recording", "recording-loud-translate", "transcribing"],
)
def test_recorder_states(snap_compare: Any, state: RecorderState, values: dict[str, Any]) -> None:
    assert snap_compare(BarApp(state, **values), terminal_size=(90, 6))
