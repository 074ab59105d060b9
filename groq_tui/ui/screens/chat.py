"""The chat screen: history sidebar, conversation, composer, parameter panel, status bar.

The screen owns the workers that call the chat service; widgets only render and post
messages. Replies stream into a :class:`MessageView` whose markdown widget coalesces renders,
so the event loop stays free for keys while thousands of tokens a second arrive; the
:class:`ConversationView` keeps the end in view. The history sidebar's side is in
:mod:`.chat_history`, dictation's palette commands in :mod:`groq_tui.ui.dictation_commands`,
speech (read aloud, auto-read, the voice conversation) in :mod:`groq_tui.ui.speech_screen`.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from groq_tui.domain import (
    Conversation,
    Message,
    ReplyDelta,
    ReplyDone,
    ReplyFailed,
    ReplyReasoning,
    ReplyStarted,
)
from groq_tui.services.app_events import Connection, ServicesReady
from groq_tui.ui.app_context import host_of
from groq_tui.ui.dictation_commands import DictationCommands, DictationSettings
from groq_tui.ui.markdown import RenderBudget
from groq_tui.ui.screens.chat_settings import FLEX_AT_CAPACITY
from groq_tui.ui.screens.width_classes import StyledOnShow, set_width_classes
from groq_tui.ui.speech_commands import SpeechCommands
from groq_tui.ui.speech_screen import SpeakingScreen
from groq_tui.ui.widgets.composer import Composer
from groq_tui.ui.widgets.conversation_view import ConversationView
from groq_tui.ui.widgets.key_footer import KeyFooter
from groq_tui.ui.widgets.messages import MessageView
from groq_tui.ui.widgets.recorder_bar import RecorderBar
from groq_tui.ui.widgets.sidebar import ConversationSidebar
from groq_tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from groq_tui.services.reply_request import SentRequest
    from groq_tui.ui.dictation import DictationController


class ChatScreen(StyledOnShow, SpeakingScreen):
    """The main screen."""

    CSS_PATH = "chat.tcss"
    AUTO_FOCUS = "#composer"
    """Focused first (not the history's search box): the footer is built once, for it."""
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {
        DictationCommands,
        SpeechCommands,
    }
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),  # the conversation alone (side panels on demand)
        (100, "-medium"),  # with the history
        (130, "-wide"),  # with the history and the parameters
    ]

    # Keys that no text box of the screen takes are priority bindings: the App runs them as it
    # receives them, where a key left to bubble up from the focused composer through each of
    # its containers' queues waited behind the frames of a streaming reply at every step.
    # (Escape and F6 are not: a select's list and a text area use them.)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "stop", "Stop", id="chat.stop"),
        Binding("ctrl+n", "new_conversation", "New", id="chat.new", priority=True),
        Binding("ctrl+o", "pick_model", "Model", id="chat.model", priority=True),
        Binding("ctrl+b", "toggle_sidebar", "History", id="chat.sidebar", priority=True),
        Binding("ctrl+t", "toggle_parameters", "Params", id="chat.parameters", priority=True),
        Binding("ctrl+f", "search", "Search", show=False, id="chat.search", priority=True),
        Binding("ctrl+g", "regenerate", "Regenerate", id="chat.regenerate", priority=True),
        Binding(
            "ctrl+l", "copy_last", "Copy reply", show=False, id="chat.copy_last", priority=True
        ),
        Binding(
            "ctrl+s", "export('markdown')", "Export", show=False, id="chat.export", priority=True
        ),
        Binding("f6", "focus_composer", "Composer", show=False, id="chat.composer"),
        # Not in the footer: the recorder bar under the composer names the key.
        Binding("ctrl+r", "dictate", "Dictate", show=False, id="chat.dictate", priority=True),
    ]

    def __init__(self, conversation: Conversation) -> None:
        super().__init__()
        set_width_classes(self)
        self.render_budget = RenderBudget()
        """One render time slice a frame for every reply on this screen."""
        self.conversation = conversation
        self.streaming = False
        self._dictation: DictationController | None = None
        self.dictation_settings = DictationSettings(self)
        """Dictation's settings, asked for from the command palette."""
        self._press_started = False
        self._send_when_ready = False
        """Enter was pressed before the services were up: send the composer's text then."""

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield ConversationSidebar(id="sidebar")
            with Vertical(id="chat-column"):
                yield ConversationView(
                    Static(
                        "Type a message and press Enter. ctrl+j: new line · ctrl+o: model · "
                        "ctrl+p: commands",
                        id="empty-hint",
                    ),
                    id="conversation",
                )
                yield Composer(id="composer", placeholder="Message (Enter to send)")
                yield RecorderBar(id="recorder")
            # The parameter panel, if the screen starts wide; else mounted when first shown.
            yield from self._parameters_at_start()
        yield StatusBar(id="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._show_dictation_keys()
        self.conversation_view.set_thinking_display(self.context.settings.thinking_display)
        status = self.query_one(StatusBar)
        status.host = self.context.host_label
        status.offline = self.context.offline
        status.model = self.conversation.model
        # Ready for a prompt from the first frame: one sent before the services are up
        # waits for them. The history list and the max_tokens limit are those of the last
        # run, read meanwhile; the services bring the same (or news), not a second screen.
        status.state = "ready"
        saved = self.context.start_snapshot.snapshot().saved
        if saved is not None:
            self.show_saved(saved)
        signals = host_of(self).signals
        signals.connection_changed.subscribe(self, self._connection_changed, immediate=True)
        signals.models_loaded.subscribe(self, self._models_loaded, immediate=True)
        signals.services_ready.subscribe(self, self._services_ready)
        self.query_one(Composer).focus()

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
        self.show_saved(ready.saved)

    def _send_waiting(self) -> None:
        self._send_when_ready = False
        self.query_one(Composer).action_submit()

    # -- conversations -----------------------------------------------------------------------

    async def show_conversation(
        self, conversation: Conversation, messages: list[Message], at: int | None = None
    ) -> None:
        """Replace the pane's content with this conversation."""
        self.conversation = conversation
        await self.conversation_view.show(messages, at=at)
        limit = self.context.max_tokens_limit(conversation.model)
        panel = self.parameter_panel
        if panel is not None:
            panel.load(conversation.parameters, limit)
        self._model_options_changed()
        self.query_one(StatusBar).model = conversation.model

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
        if self.service is None:  # sent once the services are up (the text stays till then)
            self.query_one(StatusBar).state = "starting"
            if not self._send_when_ready:
                self._send_when_ready = True
                host_of(self).signals.once_started(self._send_waiting)
            return
        if self.refused_now():
            return
        composer = self.query_one(Composer)
        composer.remember(text)
        composer.load_text("")
        await self.send(text)

    async def send(self, text: str) -> None:
        """Send the prompt's request, then save the prompt, show it and read the reply (the
        request leaves first: see :mod:`groq_tui.services.reply_request`)."""
        from groq_tui.services.types import StoreError

        service = self.service
        assert service is not None
        was_new = self.conversation.id is None
        history = [*self.messages, Message("user", text, conversation_id=self.conversation.id)]
        # Settings the service would refuse send nothing (the reply's start says why).
        refused = self.refusal() is not None
        sent = None if refused else service.send_request(self.conversation, history)
        try:
            if sent is not None:
                await sent.on_its_way()
            message = await service.add_user_message(self.conversation, text)
        except BaseException as exc:
            if sent is not None:
                await sent.close()
            if not isinstance(exc, StoreError):
                raise
            self.query_one(Composer).give_back(text, str(exc))  # (a full disk) nothing is sent
            return
        shown = self.conversation_view.append(message)
        self.start_reply(sent)
        await shown
        if was_new:
            self.refresh_sidebar()

    def _tell_not_saved(self, reason: str | None) -> None:
        """Once per reply whose saving failed (a full disk): it stays on screen only."""
        if reason is not None:
            text = f"The reply is shown but not saved: {reason}"
            self.notify(text, title="Reply not saved", severity="error", timeout=20)

    def start_reply(self, sent: SentRequest | None = None) -> None:
        """Ask the model for the next message (its request already ``sent``, or not yet)."""
        if self.refused_now():
            if sent is not None:
                self.run_worker(sent.close())
            return
        self.streaming = True
        self.query_one(StatusBar).state = "sending"
        self._reply(sent)

    @work(exclusive=True, group="reply")
    async def _reply(self, sent: SentRequest | None = None) -> None:
        service = self.service
        assert service is not None
        status = self.query_one(StatusBar)
        view: MessageView | None = None
        history = list(self.messages)
        events = self.with_speech(service.reply(self.conversation, history, sent=sent))
        lease = self.context.lease_client()  # a server switch leaves this reply its client
        try:
            async for event in events:
                if isinstance(event, ReplyDelta):
                    if view is not None:
                        view.append(event.text)
                elif isinstance(event, ReplyReasoning):
                    if view is not None:
                        view.append_reasoning(event.text)
                elif isinstance(event, ReplyStarted):
                    view = await self.conversation_view.append(event.message)
                    status.state = "streaming"
                elif isinstance(event, ReplyDone):
                    if view is not None:
                        view.finalize(event.message)
                    status.state = "ready"
                    self._tell_not_saved(event.not_saved)
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
                    if event.status_code == FLEX_AT_CAPACITY:
                        self.offer_on_demand(event.error)
                    else:
                        self.notify(event.error, title="Reply failed", severity="error", timeout=10)
                    self._tell_not_saved(event.not_saved)
        except asyncio.CancelledError:
            await events.aclose()  # saves the reply as stopped, before it is shown so
            if view is not None:
                view.finalize(view.message)
            status.state = "stopped"
            raise
        finally:
            await events.aclose()  # however the loop ended, the reply's row is settled
            if sent is not None:  # (a reply cancelled before it began never read it)
                await sent.close()
            lease.release()
            self.streaming = False
            self.refresh_sidebar()

    def insert_into_composer(self, text: str) -> None:
        """Put ``text`` at the composer's cursor and focus it (from another screen)."""
        composer = self.query_one(Composer)
        composer.insert(text)
        self.set_focus(composer)

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
        if self.stop_speech() and not self.streaming:
            return
        if self._dictation is not None and self._dictation.recording and not self.streaming:
            self._dictation.stop()
            return
        if self.streaming:
            self.workers.cancel_group(self, "reply")
            self.notify("Stopped. The partial reply is kept.", timeout=3)

    def action_focus_composer(self) -> None:
        self.query_one(Composer).focus()
