"""The history sidebar: a search box over a list of saved conversations, newest first.

The screen fills it (from the store) and reacts to what it posts; the sidebar does no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option


@dataclass(frozen=True, slots=True)
class SidebarItem:
    """One row: a conversation (and, for a search hit, the matching text)."""

    conversation_id: int
    title: str
    detail: str = ""
    message_id: int | None = None


@dataclass
class SidebarRequest(Message):
    """The user asked for something to be done with a row of the sidebar."""

    sidebar: ConversationSidebar
    item: SidebarItem

    @property
    def control(self) -> ConversationSidebar:
        """The sidebar (for ``@on`` selectors)."""
        return self.sidebar


class ConversationSidebar(Vertical):
    """Search box and conversation list."""

    DEFAULT_CSS = """
    ConversationSidebar {
        width: 32;
        border-right: vkey $primary 40%;
    }
    ConversationSidebar Input { margin: 0 0 1 0; }
    /* No border when focused either: one appearing on the first click's focus moved the
       rows down a line before the click was read, and it opened the row above. */
    ConversationSidebar OptionList, ConversationSidebar OptionList:focus {
        height: 1fr;
        border: none;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "rename", "Rename", id="sidebar.rename"),
        Binding("delete", "delete", "Delete", id="sidebar.delete"),
        # From the search box: the arrows move through the hits and Enter opens one (the
        # list, when it has focus, handles these keys itself).
        Binding("down", "move(1)", "Next", show=False, id="sidebar.next"),
        Binding("up", "move(-1)", "Previous", show=False, id="sidebar.previous"),
    ]

    class Selected(SidebarRequest):
        """Open this conversation (at this message, for a search hit)."""

    @dataclass
    class SearchChanged(Message):
        """The search text changed ("" means list everything)."""

        sidebar: ConversationSidebar
        query: str

        @property
        def control(self) -> ConversationSidebar:
            """The sidebar (for ``@on`` selectors)."""
            return self.sidebar

    class RenameRequested(SidebarRequest):
        """The user wants to retitle this conversation."""

    class DeleteRequested(SidebarRequest):
        """The user wants to delete this conversation."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list[SidebarItem] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search history…", id="history-search")
        yield OptionList(id="history-list")

    def show(self, items: Sequence[SidebarItem], *, highlight: int | None = None) -> None:
        """Replace the list (conversations, or search hits)."""
        self.items = list(items)
        options = self.query_one(OptionList)
        options.clear_options()
        if not self.items:
            searching = bool(self.query_one(Input).value.strip())
            options.add_option(
                Option(Text("no matches" if searching else "no saved conversations"), disabled=True)
            )
            return
        options.add_options(
            Option(self._row(item), id=f"row-{index}") for index, item in enumerate(self.items)
        )
        options.highlighted = next(
            (i for i, item in enumerate(self.items) if item.conversation_id == highlight), 0
        )

    @staticmethod
    def _row(item: SidebarItem) -> Text:
        text = Text(item.title or "untitled", style="bold", no_wrap=True, overflow="ellipsis")
        if item.detail:
            text.append("\n")
            text.append(item.detail, style="dim")
        return text

    def _current(self) -> SidebarItem | None:
        index = self.query_one(OptionList).highlighted
        if index is None or index >= len(self.items):
            return None
        return self.items[index]

    @on(Input.Changed, "#history-search")
    def _search(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.SearchChanged(self, event.value.strip()))

    @on(Input.Submitted, "#history-search")
    def _open_highlighted(self, event: Input.Submitted) -> None:
        event.stop()
        item = self._current()
        if item is not None:
            self.post_message(self.Selected(self, item))

    @on(OptionList.OptionSelected, "#history-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index < len(self.items):
            self.post_message(self.Selected(self, self.items[event.option_index]))

    def action_move(self, step: int) -> None:
        """Highlight the next or previous row (from the search box)."""
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted if options.highlighted is not None else -step
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def action_rename(self) -> None:
        item = self._current()
        if item is not None:
            self.post_message(self.RenameRequested(self, item))

    def action_delete(self) -> None:
        item = self._current()
        if item is not None:
            self.post_message(self.DeleteRequested(self, item))
