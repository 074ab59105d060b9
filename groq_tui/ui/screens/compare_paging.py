"""The compare screen's columns, one at a time on a narrow terminal.

:class:`PagedColumnsScreen` is the part of :class:`~groq_tui.ui.screens.compare.CompareScreen`
that pages: below 100 terminal columns one model's column shows (the ``-narrow`` width class),
a line above it says which, and alt+arrows (from anywhere, the composer included) or ``[``
and ``]`` (from a focused column) show the others.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Static

from groq_tui.ui.screens.settling import SettlingScreen
from groq_tui.ui.widgets.compare_column import CompareColumn


class PagedColumnsScreen(SettlingScreen[None]):
    """A screen of :class:`CompareColumn` s and a ``#page`` line that names the shown one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # The composer types brackets: alt+arrows page from it too.
        Binding("alt+left,[", "page(-1)", "Prev column", id="compare.previous"),
        Binding("alt+right,]", "page(1)", "Next column", id="compare.next"),
    ]

    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),  # one column at a time
        (100, "-wide"),  # all columns side by side
    ]

    page_index = 0
    """The column a narrow terminal shows."""

    @property
    def columns(self) -> list[CompareColumn]:
        """The column widgets, in order."""
        return list(self.query(CompareColumn))

    def show_page(self) -> None:
        """Mark the column a narrow terminal shows and name it (CSS hides the others)."""
        columns = self.columns
        self.page_index = min(self.page_index, len(columns) - 1)
        for index, widget in enumerate(columns):
            widget.set_class(index == self.page_index, "-shown")
        shown = columns[self.page_index]
        self.query_one("#page", Static).update(
            f"Column {self.page_index + 1} of {len(columns)}: {shown.model}  "
            "(alt+← alt+→ for the others)"
        )
        if isinstance(self.focused, CompareColumn) and self.focused is not shown:
            shown.focus()

    def action_page(self, step: int) -> None:
        """Show the next or previous column (narrow terminals)."""
        self.page_index = (self.page_index + step) % len(self.columns)
        self.show_page()

    def on_resize(self) -> None:
        self.refresh_bindings()  # paging is offered on narrow terminals only

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Paging is for narrow terminals, where one column shows at a time."""
        return self.has_class("-narrow") if action == "page" else True
