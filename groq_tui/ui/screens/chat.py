"""The chat screen: history sidebar, conversation, composer, parameter panel, status bar.

The screen owns the workers that call the chat service; widgets only render and post
messages. Replies stream into a :class:`MessageView` whose markdown widget coalesces renders,
so the event loop stays free for keys while thousands of tokens a second arrive.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from groq_tui.domain import (
    ChatParameters,
    Conversation,
    Message,
    ReplyDelta,
    ReplyDone,
    ReplyFailed,
    ReplyStarted,
)
from groq_tui.services.app_events import Connection, ServicesReady
from groq_tui.ui.app_context import host_of
from groq_tui.ui.routing import OpenSavedCompare
from groq_tui.ui.screens.dialogs import RETRY, ModelChoice, ModelPicker, TextPrompt
from groq_tui.ui.widgets.composer import Composer
from groq_tui.ui.widgets.messages import MessageView
from groq_tui.ui.widgets.recorder_bar import RecorderBar
from groq_tui.ui.widgets.sidebar import ConversationSidebar, SidebarItem
from groq_tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from groq_tui.services.chat import ChatService
    from groq_tui.services.context import AppContext
    from groq_tui.ui.dictation import DictationController
    from groq_tui.ui.widgets.parameters import ParameterPanel

PAGE = 30
"""Messages mounted at once when a conversation opens; earlier ones load on demand."""
FOLLOW_INTERVAL = 1 / 30
SAVE_SETTINGS_DELAY = 0.5


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40] or "conversation"


class ChatScreen(Screen[None]):
    """The main screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop", "Stop", id="chat.stop"),
        Binding("ctrl+n", "new_conversation", "New", id="chat.new"),
        Binding("ctrl+o", "pick_model", "Model", id="chat.model"),
        Binding("ctrl+b", "toggle_sidebar", "History", id="chat.sidebar"),
        Binding("ctrl+t", "toggle_parameters", "Params", id="chat.parameters"),
        Binding("ctrl+f", "search", "Search", show=False, id="chat.search"),
        Binding("ctrl+g", "regenerate", "Regenerate", id="chat.regenerate"),
        Binding("ctrl+l", "copy_last", "Copy reply", show=False, id="chat.copy_last"),
        Binding("ctrl+s", "export('markdown')", "Export", show=False, id="chat.export"),
        Binding("f6", "focus_composer", "Composer", show=False, id="chat.composer"),
        # Not in the footer: the recorder bar under the composer names the key.
        Binding("ctrl+r", "dictate", "Dictate", show=False, id="chat.dictate"),
    ]

    def __init__(self, conversation: Conversation) -> None:
        super().__init__()
        self.conversation = conversation
        self.messages: list[Message] = []
        self.views: dict[int, MessageView] = {}
        self.hidden_before = 0
        self.streaming = False
        self._followed_to = 0.0
        self._save_timer: Any = None
        self._copy_code_index: dict[int, int] = {}
        self._dictation: DictationController | None = None
        self._press_started = False

    @property
    def context(self) -> AppContext:
        """The app context: services, settings, models."""
        return host_of(self).context

    @property
    def service(self) -> ChatService | None:
        """The chat service, once started."""
        return self.context.chat_service

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield ConversationSidebar(id="sidebar")
            with Vertical(id="chat-column"):
                with VerticalScroll(id="conversation"):
                    yield Button("", id="load-earlier", classes="hidden")
                    yield Static(
                        "Type a message and press Enter. ctrl+j: new line · ctrl+o: model · "
                        "ctrl+p: commands",
                        id="empty-hint",
                    )
                yield Composer(id="composer", placeholder="Message (Enter to send)")
                yield RecorderBar(id="recorder")
            # The parameter panel is mounted when first shown (see _show_parameters): most
            # start-ups on a laptop-sized terminal never need its twenty widgets.
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._show_dictation_keys()
        status = self.query_one(StatusBar)
        status.host = self.context.host_label
        status.offline = self.context.offline
        status.model = self.conversation.model
        status.state = "ready" if self.service is not None else "starting"
        signals = host_of(self).signals
        signals.connection_changed.subscribe(self, self._connection_changed, immediate=True)
        signals.models_loaded.subscribe(self, self._models_loaded, immediate=True)
        signals.services_ready.subscribe(self, self._services_ready)
        signals.services_failed.subscribe(self, self._services_failed, immediate=True)
        self.query_one(Composer).focus()
        self._follow_timer = self.set_interval(FOLLOW_INTERVAL, self._follow, pause=True)
        self._apply_width(self.size.width)

    def on_resize(self) -> None:
        self._apply_width(self.size.width)

    def _apply_width(self, width: int) -> None:
        """Narrow terminals hide the side panels (the user can still toggle them)."""
        self.set_class(width < 130, "-no-parameters")
        self.set_class(width < 100, "-no-sidebar")
        if width >= 130:
            self._show_parameters()

    @property
    def parameter_panel(self) -> ParameterPanel | None:
        """The parameter panel, if it has been shown yet."""
        panels = self.query("#parameters")
        return panels.first() if panels else None  # type: ignore[return-value]

    def _show_parameters(self) -> None:
        # Imported when first shown: the panel is not part of the first frame.
        from groq_tui.ui.widgets.parameters import ParameterPanel

        if self.parameter_panel is None:
            panel = ParameterPanel(
                self.conversation.parameters,
                max_tokens_limit=self.context.max_tokens_limit(self.conversation.model),
                id="parameters",
            )
            self.query_one("#main", Horizontal).mount(panel)

    def _connection_changed(self, connection: Connection) -> None:
        """Show which server is in use (the app switched between service and local engine)."""
        if connection.chat_model is not None:
            self.conversation.model = connection.chat_model
        status = self.query_one(StatusBar)
        status.host = connection.host
        status.offline = connection.offline
        status.model = self.conversation.model
        status.remaining_requests = status.remaining_tokens = None
        self._models_loaded(None)

    def _models_loaded(self, _: None) -> None:
        panel = self.parameter_panel
        if panel is not None:
            panel.set_max_tokens_limit(self.context.max_tokens_limit(self.conversation.model))

    # -- start-up (the app context's signals) ------------------------------------------------

    async def _services_ready(self, ready: ServicesReady) -> None:
        """Services are up: show the history, and the opened conversation if any."""
        self.query_one(StatusBar).state = "ready"
        if ready.opened is not None:
            await self.show_conversation(*ready.opened)
        self.refresh_sidebar()

    def _services_failed(self, error: str) -> None:
        """Start-up failed: say so; the composer keeps what was typed."""
        self.query_one(StatusBar).state = "error"
        self.notify(error, title="Cannot start", severity="error", timeout=15)

    # -- conversations -----------------------------------------------------------------------

    async def show_conversation(
        self, conversation: Conversation, messages: list[Message], at: int | None = None
    ) -> None:
        """Replace the pane's content with this conversation."""
        self.conversation = conversation
        self.messages = list(messages)
        self.views.clear()
        self._copy_code_index.clear()
        pane = self.query_one("#conversation", VerticalScroll)
        await pane.query(MessageView).remove()
        self.hidden_before = max(0, len(self.messages) - PAGE)
        if at is not None:
            index = next((i for i, m in enumerate(self.messages) if m.id == at), None)
            if index is not None:
                self.hidden_before = min(self.hidden_before, index)
        views = [MessageView(m) for m in self.messages[self.hidden_before :]]
        await pane.mount_all(views)
        for view in views:
            if view.message.id is not None:
                self.views[view.message.id] = view
        self._update_earlier_button()
        self.query_one("#empty-hint").display = not self.messages
        limit = self.context.max_tokens_limit(conversation.model)
        panel = self.parameter_panel
        if panel is not None:
            panel.load(conversation.parameters, limit)
        self.query_one(StatusBar).model = conversation.model
        if at is not None and at in self.views:
            self.views[at].scroll_visible(animate=False)
            self.views[at].focus()
        else:
            # Markdown bodies size themselves once they know their width: scroll after that.
            self.call_after_refresh(
                lambda: self.call_after_refresh(lambda: pane.scroll_end(animate=False))
            )

    def _update_earlier_button(self) -> None:
        button = self.query_one("#load-earlier", Button)
        button.label = f"show {min(PAGE, self.hidden_before)} earlier messages"
        button.set_class(self.hidden_before == 0, "hidden")

    @on(Button.Pressed, "#load-earlier")
    async def _load_earlier(self) -> None:
        start = max(0, self.hidden_before - PAGE)
        views = [MessageView(m) for m in self.messages[start : self.hidden_before]]
        first = self.query(MessageView).first() if self.query(MessageView) else None
        pane = self.query_one("#conversation", VerticalScroll)
        if first is not None:
            await pane.mount_all(views, before=first)
        else:
            await pane.mount_all(views)
        for view in views:
            if view.message.id is not None:
                self.views[view.message.id] = view
        self.hidden_before = start
        self._update_earlier_button()

    def new_conversation(self, model: str | None = None) -> Conversation:
        """A fresh, unsaved conversation with the current settings."""
        return Conversation(
            title="New conversation",
            model=model or self.conversation.model,
            parameters=dataclasses.replace(
                self.conversation.parameters, stop=list(self.conversation.parameters.stop)
            ),
        )

    async def action_new_conversation(self) -> None:
        """Start a new conversation (keeps model and parameters)."""
        if self.streaming:
            self.notify("A reply is streaming: press Escape to stop it first.")
            return
        await self.show_conversation(self.new_conversation(), [])
        self.query_one(Composer).focus()

    @work(exclusive=True, group="sidebar")
    async def refresh_sidebar(self, query: str = "") -> None:
        """List conversations, or search hits for ``query``."""
        service = self.service
        if service is None:
            return
        if query:
            await asyncio.sleep(0.15)  # let fast typing settle; a new keystroke cancels this
            hits = await service.store.search(query)
            items = [SidebarItem(h.conversation_id, h.title, h.snippet, h.message_id) for h in hits]
        else:
            summaries = await service.store.list_conversations()
            items = [
                SidebarItem(s.id, s.title, f"{s.model} · {s.message_count} messages")
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

    @on(ConversationSidebar.RenameRequested)
    def _rename(self, event: ConversationSidebar.RenameRequested) -> None:
        item = event.item

        async def renamed(title: str | None) -> None:
            if title is not None and title.strip() and self.service is not None:
                await self.service.rename(item.conversation_id, title)
                if self.conversation.id == item.conversation_id:
                    self.conversation.title = title.strip()
                self.refresh_sidebar()

        self.app.push_screen(TextPrompt("Conversation title", item.title, multiline=False), renamed)

    @on(ConversationSidebar.DeleteRequested)
    async def _delete_conversation(self, event: ConversationSidebar.DeleteRequested) -> None:
        if self.service is None:
            return
        await self.service.delete_conversation(event.item.conversation_id)
        if self.conversation.id == event.item.conversation_id:
            await self.show_conversation(self.new_conversation(), [])
        self.notify(f"Deleted “{event.item.title}”.")
        self.refresh_sidebar()

    # -- sending ---------------------------------------------------------------------------

    @on(Composer.Submitted)
    async def _submitted(self, event: Composer.Submitted) -> None:
        text = event.text
        if not text.strip():
            self.notify("Type a message first.", severity="warning", timeout=3)
            return
        if self.streaming:
            self.notify("A reply is still streaming: press Escape to stop it, then send.")
            return
        if self.service is None:
            self.notify("Still starting up: try again in a moment.", severity="warning")
            return
        composer = self.query_one(Composer)
        composer.remember(text)
        composer.load_text("")
        await self.send(text)

    async def send(self, text: str) -> None:
        """Save the prompt, show it, and start the reply."""
        assert self.service is not None
        was_new = self.conversation.id is None
        message = await self.service.add_user_message(self.conversation, text)
        await self._append_view(message)
        if was_new:
            self.refresh_sidebar()
        self.start_reply()

    async def _append_view(self, message: Message) -> MessageView:
        self.messages.append(message)
        view = MessageView(message)
        pane = self.query_one("#conversation", VerticalScroll)
        await pane.mount(view)
        if message.id is not None:
            self.views[message.id] = view
        self.query_one("#empty-hint").display = False
        pane.scroll_end(animate=False)
        self._followed_to = pane.max_scroll_y
        return view

    def start_reply(self) -> None:
        """Ask the model for the next message."""
        self.streaming = True
        self.query_one(StatusBar).state = "sending"
        self._reply()

    @work(exclusive=True, group="reply")
    async def _reply(self) -> None:
        service = self.service
        assert service is not None
        status = self.query_one(StatusBar)
        view: MessageView | None = None
        history = list(self.messages)
        lease = self.context.lease_client()  # a server switch leaves this reply its client
        try:
            async for event in service.reply(self.conversation, history):
                if isinstance(event, ReplyDelta):
                    if view is not None:
                        view.append(event.text)
                elif isinstance(event, ReplyStarted):
                    view = await self._append_view(event.message)
                    status.state = "streaming"
                    self._follow_timer.resume()
                elif isinstance(event, ReplyDone):
                    if view is not None:
                        view.finalize(event.message)
                    status.state = "ready"
                    if event.remaining_requests is not None:
                        status.remaining_requests = event.remaining_requests
                    if event.remaining_tokens is not None:
                        status.remaining_tokens = event.remaining_tokens
                    if event.message.tool_calls:
                        self.notify(
                            "The model called a tool: focus the reply and press t "
                            "to give its result."
                        )
                elif isinstance(event, ReplyFailed):
                    if view is not None:
                        view.finalize(event.message)
                    status.state = "error"
                    self.notify(event.error, title="Reply failed", severity="error", timeout=10)
        except asyncio.CancelledError:
            if view is not None:
                view.finalize(view.message)
            status.state = "stopped"
            raise
        finally:
            lease.release()
            self.streaming = False
            self._follow_timer.pause()
            self.call_after_refresh(self._follow)
            self.refresh_sidebar()

    def _follow(self) -> None:
        """Keep the newest text in view, unless the user scrolled up to read."""
        pane = self.query_one("#conversation", VerticalScroll)
        if pane.scroll_y >= min(self._followed_to, pane.max_scroll_y) - 1:
            pane.scroll_end(animate=False, immediate=True)
            self._followed_to = pane.max_scroll_y

    # -- dictation -------------------------------------------------------------------------

    @property
    def dictation(self) -> DictationController:
        """Live dictation into the composer (created on first use)."""
        if self._dictation is None:
            from groq_tui.ui.dictation import DictationController

            self._dictation = DictationController(self)
        return self._dictation

    def _show_dictation_keys(self) -> None:
        """The recorder bar names the key the user's keymap gives dictation."""
        keys = self.context.settings.keymap.get("chat.dictate")
        if keys:
            self.query_one(RecorderBar).hint = keys.split(",")[0].strip()

    def action_dictate(self) -> None:
        """Start or stop dictating into the composer (ctrl+r)."""
        self.dictation.toggle()

    def toggle_translate_dictation(self) -> None:
        """Switch dictation between transcription and translation into English."""
        translate = not self.context.settings.dictation_translate
        self.context.files.change_setting("dictation_translate", translate)
        self.query_one(RecorderBar).translate = translate
        mode = "translate (English out)" if translate else "transcribe"
        self.notify(f"Dictation mode: {mode}.", timeout=3)

    def ask_dictation_language(self) -> None:
        """Ask for the dictated speech's language (ISO-639-1; empty: the service detects it)."""
        settings = self.context.settings

        def chosen(text: str | None) -> None:
            if text is None:
                return
            from groq_tui.ui.fields import parse_language

            try:
                code = parse_language(text)
            except ValueError as exc:
                self.notify(f"{exc} (or nothing, to let the service detect it).", severity="error")
                return
            self.context.files.change_setting("dictation_language", code)
            self.notify(f"Dictation language: {code or 'detected by the service'}.", timeout=3)

        self.app.push_screen(
            TextPrompt(
                "Language of the dictated speech (ISO-639-1, e.g. en; empty: detect)",
                settings.dictation_language or "",
                multiline=False,
            ),
            chosen,
        )

    def ask_dictation_prompt(self) -> None:
        """Ask for the vocabulary (names, spellings) sent with every dictated segment."""
        settings = self.context.settings

        def chosen(text: str | None) -> None:
            if text is None:
                return
            value = " ".join(text.split())
            self.context.files.change_setting("dictation_prompt", value or None)
            self.notify("Dictation vocabulary saved." if value else "No vocabulary.", timeout=3)

        self.app.push_screen(
            TextPrompt(
                "Vocabulary for dictation: names and spellings to expect (sent as the prompt)",
                settings.dictation_prompt or "",
                multiline=False,
            ),
            chosen,
        )

    @on(RecorderBar.Pressed)
    def _bar_pressed(self) -> None:
        dictation = self.dictation
        self._press_started = not dictation.busy
        if dictation.recording:
            dictation.stop()
        elif not dictation.busy:
            dictation.start()

    @on(RecorderBar.Released)
    def _bar_released(self, event: RecorderBar.Released) -> None:
        # A long press that started the recording is push-to-talk: letting go stops it.
        # A short click leaves it running until the next click or ctrl+r.
        if event.held and self._press_started:
            self.dictation.stop()
        self._press_started = False

    def action_stop(self) -> None:
        """Stop the reply that is streaming; what arrived is kept, marked stopped."""
        if self._dictation is not None and self._dictation.recording and not self.streaming:
            self._dictation.stop()
            return
        if self.streaming:
            self.workers.cancel_group(self, "reply")
            self.notify("Stopped. The partial reply is kept.", timeout=3)

    # -- actions on messages ---------------------------------------------------------------

    def _last(self, role: str) -> Message | None:
        return next((m for m in reversed(self.messages) if m.role == role), None)

    async def _remove_from(self, message: Message) -> None:
        """Delete this message and the later ones, on screen and in the store."""
        assert self.service is not None
        index = self.messages.index(message)
        await self.service.truncate_from(message)
        for later in self.messages[index:]:
            view = self.views.pop(later.id, None) if later.id is not None else None
            if view is not None:
                await view.remove()
        del self.messages[index:]

    async def action_regenerate(self) -> None:
        """Ask again for the last reply (the old one is replaced)."""
        if self.streaming or self.service is None:
            return
        last = self.messages[-1] if self.messages else None
        if last is None:
            self.notify("Nothing to regenerate yet.", severity="warning")
            return
        if last.role == "assistant":
            await self._remove_from(last)
        self.start_reply()

    def action_copy_last(self) -> None:
        """Copy the last reply's text."""
        last = self._last("assistant")
        if last is not None:
            self.app.copy_to_clipboard(last.content)
            self.notify("Copied the last reply.", timeout=2)

    @on(MessageView.ActionRequested)
    async def _message_action(self, event: MessageView.ActionRequested) -> None:
        message = event.view.message
        if event.action == "copy":
            self.app.copy_to_clipboard(message.content)
            self.notify("Copied the message.", timeout=2)
        elif event.action == "copy_code":
            self._copy_code(event.view)
        elif event.action == "delete":
            if self.streaming or self.service is None:
                return
            await self.service.delete_message(message)
            if message in self.messages:
                self.messages.remove(message)
            if message.id is not None:
                self.views.pop(message.id, None)
            await event.view.remove()
        elif event.action == "edit":
            self._edit(message)
        elif event.action == "regenerate":
            if message.role == "assistant" and message is self._last("assistant"):
                await self.action_regenerate()
        elif event.action == "tool_result":
            self._tool_result(message)

    def _copy_code(self, view: MessageView) -> None:
        blocks = view.code_blocks()
        if not blocks:
            self.notify("This message has no code block.", severity="warning", timeout=3)
            return
        key = id(view)
        index = (self._copy_code_index.get(key, len(blocks)) - 1) % len(blocks)
        self._copy_code_index[key] = index
        self.app.copy_to_clipboard(blocks[index])
        more = " (press y again for the previous one)" if len(blocks) > 1 else ""
        self.notify(f"Copied code block {index + 1} of {len(blocks)}{more}.", timeout=3)

    def _edit(self, message: Message) -> None:
        if message.role != "user" or self.streaming:
            self.notify("Only your own messages can be edited and resent.", timeout=3)
            return

        async def edited(text: str | None) -> None:
            if text is None or not text.strip() or self.service is None:
                return
            await self._remove_from(message)
            await self.send(text)

        self.app.push_screen(TextPrompt("Edit and resend", message.content), edited)

    def _tool_result(self, message: Message) -> None:
        if message.role != "assistant" or not message.tool_calls or self.streaming:
            self.notify("This reply has no tool call to answer.", timeout=3)
            return
        answered = {m.tool_call_id for m in self.messages if m.role == "tool"}
        pending = [c for c in message.tool_calls if c.get("id") not in answered]
        if not pending:
            self.notify("Every tool call of this reply has a result.", timeout=3)
            return
        call = pending[0]
        function = call.get("function") or {}
        name = str(function.get("name", "tool"))

        async def answered_with(text: str | None) -> None:
            if text is None or self.service is None:
                return
            result = await self.service.add_tool_result(
                self.conversation, str(call.get("id", "")), name, text
            )
            await self._append_view(result)
            if len(pending) > 1:
                self._tool_result(message)
            else:
                self.start_reply()

        title = f"Result of {name}({function.get('arguments', '')})"
        self.app.push_screen(TextPrompt(title), answered_with)

    # -- model and parameters ----------------------------------------------------------------

    def action_pick_model(self) -> None:
        """Choose the conversation's model."""
        context = self.context
        choices = [
            ModelChoice(m.id, m.owned_by, m.context_window, m.active is not False)
            for m in context.chat_models
        ]

        async def picked(model: str | None) -> None:
            if model == RETRY:
                await context.load_models()
                self.action_pick_model()
            elif model:
                await self.set_model(model)

        self.app.push_screen(
            ModelPicker(choices, self.conversation.model, context.models_error), picked
        )

    async def set_model(self, model: str) -> None:
        """Use ``model`` for this conversation and as the default."""
        self.conversation.model = model
        self.query_one(StatusBar).model = model
        limit = self.context.max_tokens_limit(model)
        panel = self.parameter_panel
        if panel is not None:
            panel.set_max_tokens_limit(limit)
        self.context.files.remember_setting("model", model)
        if self.service is not None:
            await self.service.save_settings(self.conversation)

    def on_parameter_panel_changed(self, event: ParameterPanel.Changed) -> None:
        """The user changed a parameter: it belongs to the conversation (saved shortly)."""
        self.conversation.parameters = event.parameters
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(SAVE_SETTINGS_DELAY, self._save_parameters)

    async def _save_parameters(self) -> None:
        if self.service is not None:
            await self.service.save_settings(self.conversation)

    def toggle_json_mode(self) -> None:
        """Flip JSON mode (response_format json_object) for this conversation."""
        parameters = dataclasses.replace(
            self.conversation.parameters, json_mode=not self.conversation.parameters.json_mode
        )
        self.apply_parameters(parameters)
        state = "on" if parameters.json_mode else "off"
        self.notify(f"JSON mode {state}.", timeout=2)

    def apply_parameters(self, parameters: ChatParameters) -> None:
        """Set the parameters from outside the panel (palette, tests)."""
        self.conversation.parameters = parameters
        panel = self.parameter_panel
        if panel is not None:
            panel.load(parameters)
        self.call_later(self._save_parameters)

    # -- panels and export -----------------------------------------------------------------

    def action_toggle_sidebar(self) -> None:
        self.toggle_class("-no-sidebar")

    def action_toggle_parameters(self) -> None:
        self._show_parameters()
        self.toggle_class("-no-parameters")

    def action_search(self) -> None:
        self.remove_class("-no-sidebar")
        self.query_one("#history-search").focus()

    def action_focus_composer(self) -> None:
        self.query_one(Composer).focus()

    def insert_into_composer(self, text: str) -> None:
        """Put ``text`` at the composer's cursor and focus it (from another screen)."""
        composer = self.query_one(Composer)
        composer.insert(text)
        self.set_focus(composer)

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
