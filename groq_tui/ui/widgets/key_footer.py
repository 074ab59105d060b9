"""The footer: Textual's, with the keys that matter on every screen first.

Textual's footer lists the focused widget's keys, then its screen's, then the app's, and a
narrow terminal cuts the end of the list: quitting and help went first. Here the app's first
keys lead; what falls off the end is in the help panel (F1), which lists every key of the
screen, and in the command palette.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer


class KeyFooter(Footer):
    """A footer that shows :attr:`FIRST` actions' keys before the others."""

    FIRST: ClassVar[tuple[str, ...]] = ("quit", "toggle_help")
    """The actions whose keys are shown first, in this order."""

    def compose(self) -> ComposeResult:
        widgets: list[Widget] = list(super().compose())

        def rank(widget: Widget) -> int:
            action = getattr(widget, "action", "")  # a FooterKey's (Textual keeps it private)
            return self.FIRST.index(action) if action in self.FIRST else len(self.FIRST)

        yield from sorted(widgets, key=rank)
