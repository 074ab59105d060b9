"""The conversations side of the chat screen: the open one's view, its export and the
actions on its messages (edit, regenerate, copy, a tool's result), and the history
sidebar's list and search, open, rename, delete.

:class:`HistoryScreen` is the part of :class:`~groq_tui.ui.screens.chat.ChatScreen` that
works on saved conversations: the sidebar widget shows rows and posts what the user wants;
this screen runs the store queries and the service calls for it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal

from textual import on, work

from groq_tui.domain.wording import counted
from groq_tui.ui.app_context import host_of
from groq_tui.ui.routing import OpenSavedCompare
from groq_tui.ui.screens.dialogs import ConfirmDialog, TextPrompt
from groq_tui.ui.screens.settling import SettlingScreen
from groq_tui.ui.widgets.conversation_view import ConversationView
from groq_tui.ui.widgets.messages import MessageView
from groq_tui.ui.widgets.sidebar import ConversationSidebar, SidebarItem

if TYPE_CHECKING:
    from collections.abc import Awaitable, Sequence

    from groq_tui.domain import Conversation, Message
    from groq_tui.services.chat import ChatService
    from groq_tui.services.context import AppContext
    from groq_tui.services.reply_request import SentRequest
    from groq_tui.store import ConversationSummary

SEARCH_SETTLE = 0.15
"""Seconds of no typing before the history is searched (a keystroke cancels the search)."""


class HistoryScreen(SettlingScreen[None]):
    """A screen with the history sidebar (``#sidebar``) next to an open conversation
    (``#conversation``)."""

    conversation: Conversation
    streaming: bool

    @property
    def context(self) -> AppContext:
        """The app context: services, settings, models."""
        return host_of(self).context

    @property
    def service(self) -> ChatService | None:
        """The chat service, once started."""
        return self.context.chat_service

    @property
    def conversation_view(self) -> ConversationView:
        """The scrolled messages."""
        return self.query_one("#conversation", ConversationView)

    @property
    def messages(self) -> list[Message]:
        """The open conversation's messages."""
        return self.conversation_view.messages

    @property
    def views(self) -> dict[int, MessageView]:
        """The mounted message views, by message id."""
        return self.conversation_view.views

    async def show_conversation(
        self, conversation: Conversation, messages: list[Message], at: int | None = None
    ) -> None:
        """Show this conversation (the chat screen's view)."""
        raise NotImplementedError

    def new_conversation(self, model: str | None = None) -> Conversation:
        """A fresh, unsaved conversation (the chat screen's settings)."""
        raise NotImplementedError

    @work(group="export")
    async def action_export(self, kind: Literal["markdown", "json"] = "markdown") -> None:
        """Write the conversation to a file in the data dir's exports folder."""
        from groq_tui.services.export import to_json, to_markdown

        if not self.messages:
            self.notify("Nothing to export yet.", severity="warning")
            return
        content = (to_markdown if kind == "markdown" else to_json)(self.conversation, self.messages)
        written = await self.context.files.write_export(
            self.conversation, content, "md" if kind == "markdown" else "json"
        )
        if written is None:
            return
        self.notify(f"Exported to {written}", timeout=8)

    async def changed_history(self, refused: str, change: Awaitable[object]) -> bool:
        """Await ``change`` (a write to the history). If the store refuses it (a full disk),
        say so once, with ``refused`` first ("Not deleted"), and return False: the caller
        leaves the screen as it was."""
        from groq_tui.services.types import StoreError

        try:
            await change
        except StoreError as exc:
            note = f"{refused}: {exc}"
            self.notify(note, title="History not changed", severity="error", timeout=20)
            return False
        return True

    @work(exclusive=True, group="sidebar")
    async def refresh_sidebar(self, query: str = "") -> None:
        """List conversations, or search hits for ``query``."""
        service = self.service
        if service is None:
            return
        if not query:
            self.show_saved(await service.store.list_conversations())
            return
        await asyncio.sleep(SEARCH_SETTLE)  # let fast typing settle
        hits = await service.store.search(query)
        items = [SidebarItem(h.conversation_id, h.title, h.snippet, h.message_id) for h in hits]
        self.query_one(ConversationSidebar).show(items, highlight=self.conversation.id)

    def show_saved(self, summaries: Sequence[ConversationSummary]) -> None:
        """List these saved conversations in the sidebar."""
        items = [
            SidebarItem(s.id, s.title, f"{s.model} · {counted(s.message_count, 'message')}")
            for s in summaries
        ]
        self.query_one(ConversationSidebar).show(items, highlight=self.conversation.id)

    @on(ConversationSidebar.SearchChanged)
    def _search(self, event: ConversationSidebar.SearchChanged) -> None:
        self.refresh_sidebar(event.query)

    @on(ConversationSidebar.Selected)
    async def _open(self, event: ConversationSidebar.Selected) -> None:
        await self.open_conversation(event.item.conversation_id, event.item.message_id)

    async def open_conversation(self, conversation_id: int, at: int | None = None) -> None:
        """Open a saved conversation (from the sidebar or the command palette)."""
        if self.streaming:
            self.notify("A reply is streaming: press Escape to stop it first.")
            return
        service = self.service
        if service is None:
            return
        opened = await service.open(conversation_id)
        if opened is None:
            self.notify("That conversation no longer exists.", severity="warning")
            self.refresh_sidebar()
            return
        if opened[0].kind == "compare":
            self.post_message(OpenSavedCompare(*opened))
            return
        await self.show_conversation(*opened, at=at)

    @on(MessageView.DeleteRequested)
    def _delete(self, event: MessageView.DeleteRequested) -> None:
        if self.streaming or self.service is None:
            return
        message = event.view.message
        names = {"user": "prompt", "assistant": "reply", "tool": "tool result"}
        what = names.get(message.role, "message")

        async def answered(yes: bool | None) -> None:
            if not yes or self.service is None or message not in self.messages:
                return
            index = self.messages.index(message)
            if not await self.changed_history("Not deleted", self.service.delete_message(message)):
                return
            await self.conversation_view.remove_message(message)
            # Keys go to the message that took its place, not to one far off screen.
            near = self.conversation_view.view_near(index)
            (near or self.query_one("#composer")).focus()

        preview = " ".join(message.content.split())[:160]
        self.app.push_screen(ConfirmDialog(f"Delete this {what}?", preview), answered)

    @on(ConversationSidebar.RenameRequested)
    def _rename(self, event: ConversationSidebar.RenameRequested) -> None:
        item = event.item

        async def renamed(title: str | None) -> None:
            if title is not None and title.strip() and self.service is not None:
                renaming = self.service.rename(item.conversation_id, title)
                if not await self.changed_history("Not renamed", renaming):
                    return
                if self.conversation.id == item.conversation_id:
                    self.conversation.title = title.strip()
                self.refresh_sidebar()

        self.app.push_screen(TextPrompt("Conversation title", item.title, multiline=False), renamed)

    @on(ConversationSidebar.DeleteRequested)
    def _delete_conversation(self, event: ConversationSidebar.DeleteRequested) -> None:
        item = event.item
        if self.service is None:
            return
        if self.streaming and self.conversation.id == item.conversation_id:
            self.notify("A reply is streaming: press Escape to stop it first.", timeout=3)
            return

        async def answered(yes: bool | None) -> None:
            if not yes or self.service is None:
                return
            deleting = self.service.delete_conversation(item.conversation_id)
            if not await self.changed_history("Not deleted", deleting):
                return
            if self.conversation.id == item.conversation_id:
                await self.show_conversation(self.new_conversation(), [])
            self.notify(f"Deleted “{item.title}”.")
            self.refresh_sidebar()

        question = f"Delete the conversation “{item.title}”?"
        self.app.push_screen(ConfirmDialog(question, "Every message of it is deleted."), answered)

    def action_toggle_sidebar(self) -> None:
        """Show or hide the history (by default it shows on wide enough terminals)."""
        self.show_sidebar(not self.query_one(ConversationSidebar).display)

    def show_sidebar(self, shown: bool) -> None:
        """Show or hide the history, whatever the width."""
        # (The panel's class, not the screen's: see ModelSettingsScreen.action_toggle_parameters.)
        self.query_one(ConversationSidebar).update_classes({"-shown": shown, "-hidden": not shown})

    def action_search(self) -> None:
        """Search the history."""
        self.show_sidebar(True)
        self.query_one("#history-search").focus()

    # -- actions on messages ---------------------------------------------------------------

    async def send(self, text: str) -> None:
        """Send a prompt (the chat screen's)."""
        raise NotImplementedError

    def start_reply(self, sent: SentRequest | None = None) -> None:
        """Ask the model for the next message (the chat screen's)."""
        raise NotImplementedError

    async def _remove_from(self, message: Message) -> bool:
        """Delete this message and the later ones, in the store and then on screen (False:
        the store refused, nothing changed). Keys go to the composer: Textual would give them
        to an earlier message in place of a removed one, off screen (the next c would copy
        it), and scrolling to it stops the view following."""
        assert self.service is not None
        if not await self.changed_history("Not changed", self.service.truncate_from(message)):
            return False
        focused = self.focused
        if focused is not None and self.conversation_view in focused.ancestors:
            self.query_one("#composer").focus(scroll_visible=False)
        await self.conversation_view.remove_from(message)
        return True

    async def action_regenerate(self) -> None:
        """Ask again for the last reply (the old one is replaced)."""
        if self.streaming or self.service is None:
            return
        last = self.messages[-1] if self.messages else None
        if last is None:
            self.notify("Nothing to regenerate yet.", severity="warning")
            return
        if last.role == "assistant" and not await self._remove_from(last):
            return
        self.start_reply()

    def action_copy_last(self) -> None:
        """Copy the last reply's text."""
        last = self.conversation_view.last("assistant")
        if last is None or not last.content:
            self.notify("There is no reply to copy yet.", severity="warning", timeout=3)
            return
        self.app.copy_to_clipboard(last.content)
        self.notify("Copied the last reply.", timeout=2)

    @on(MessageView.RegenerateRequested)
    async def _regenerate(self, event: MessageView.RegenerateRequested) -> None:
        if event.view.message is self.conversation_view.last("assistant"):
            await self.action_regenerate()

    @on(MessageView.EditRequested)
    def _edit(self, event: MessageView.EditRequested) -> None:
        message = event.view.message
        if self.streaming:
            self.notify("A reply is streaming: press Escape to stop it first.", timeout=3)
            return

        async def edited(text: str | None) -> None:
            if text is None or not text.strip() or self.service is None:
                return
            if await self._remove_from(message):
                await self.send(text)

        self.app.push_screen(TextPrompt("Edit and resend", message.content), edited)

    @on(MessageView.ToolResultRequested)
    def _tool_result_requested(self, event: MessageView.ToolResultRequested) -> None:
        if self.streaming:
            self.notify("A reply is streaming: press Escape to stop it first.", timeout=3)
            return
        self._tool_result(event.view.message)

    def _tool_result(self, message: Message) -> None:
        if not message.tool_calls:
            return
        answered = {m.tool_call_id for m in self.messages if m.role == "tool"}
        pending = [c for c in message.tool_calls if c.id not in answered]
        if not pending:
            self.notify("Every tool call of this reply has a result.", timeout=3)
            return
        call = pending[0]
        name = call.name or "tool"

        async def answered_with(text: str | None) -> None:
            if text is None or self.service is None:
                return
            from groq_tui.services.types import StoreError

            try:
                result = await self.service.add_tool_result(self.conversation, call.id, name, text)
            except StoreError as exc:
                note = f"Not given to the model: {exc}"
                self.notify(note, title="Tool result not saved", severity="error", timeout=20)
                return
            await self.conversation_view.append(result)
            if len(pending) > 1:
                self._tool_result(message)
            else:
                self.start_reply()

        title = f"Result of {name}({call.arguments})"
        self.app.push_screen(TextPrompt(title), answered_with)
