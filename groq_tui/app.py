"""The Textual app: wires the app context to the screens; global bindings; the command palette.

What the app holds and does (client, history, key, server, models, exports) is the
:class:`~groq_tui.services.context.AppContext`, which knows nothing of Textual; the App
republishes its news as signals (:class:`~groq_tui.ui.app_context.ContextSignals`) and routes
the screens' requests to one another (:mod:`groq_tui.ui.routing`).

Start-up is built for a fast first frame: the screen is composed from light modules, and the
heavy ones (httpx, pydantic models, SQLite) are imported on a thread and started after the
first paint, while the user can already type.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.filter import LineFilter

from groq_tui.config import Settings, config_file
from groq_tui.domain import ChatParameters, Conversation
from groq_tui.services.app_events import Notice
from groq_tui.services.context import AppContext
from groq_tui.ui.app_context import ContextSignals
from groq_tui.ui.control_filter import ControlCharacterFilter
from groq_tui.ui.routing import (
    HistoryChanged,
    InsertIntoComposer,
    OpenConversation,
    OpenSavedCompare,
)
from groq_tui.ui.screens.chat import ChatScreen
from groq_tui.ui.screens.dialogs import FirstRunChoice, FirstRunScreen, TextPrompt

if TYPE_CHECKING:
    from textual.command import Provider


def _chat_commands() -> type[Provider]:
    """The palette's provider, imported when the palette first opens (not at start-up)."""
    from groq_tui.ui.commands import ChatCommands

    return ChatCommands


WARM_UP_MARKDOWN = """\
# Title

Some **bold** and `code`.

| a | b |
|---|---|
| 1 | 2 |

```python
def f(x: int) -> str:
    return f"{x}"
```

```bash
echo "$HOME"
```
"""


def warm_up_markdown() -> None:
    """Render a little Markdown once, off the event loop: imports and caches (markdown-it,
    Pygments lexers and the code theme) are then ready when a reply streams in."""
    import io

    from rich.console import Console

    from groq_tui.ui.markdown import DARK_CODE_THEME, BlockMarkdown

    console = Console(file=io.StringIO(), width=80, color_system="truecolor")
    console.print(BlockMarkdown(WARM_UP_MARKDOWN, code_theme=DARK_CODE_THEME))


def settle_start_up_garbage() -> None:
    """Once started: collect what start-up left (the entry point turned the collector off
    for it), keep the rest out of later full passes, and turn the collector back on.

    What start-up created lives as long as the app: frozen, it is not walked again every few
    seconds while replies stream.
    """
    gc.collect()
    gc.freeze()
    gc.enable()


class GroqApp(App[None]):
    """groq-tui."""

    # The chat screen's own CSS too: as the app's first screen (get_default_screen), Textual
    # does not load a screen's CSS_PATH for it.
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        Path(__file__).parent / "app.tcss",
        Path(__file__).parent / "ui" / "screens" / "chat.tcss",
    ]
    TITLE = "groq-tui"
    COMMANDS = App.COMMANDS | {_chat_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        # Textual's keys panel, beside the screen: every key of the focused screen. ? where it
        # does not type into a text box; the footer names F1 only, so that its keys stay the
        # same whether a text box has focus or not (a change of keys is a rebuild of it).
        Binding("f1", "toggle_help", "Help", id="app.help"),
        Binding("question_mark", "toggle_help", "Help", show=False, id="app.help_question_mark"),
        Binding("f5", "go_online", "Use Groq", show=False, id="app.online"),
        Binding("f4", "compare", "Compare", id="app.compare"),
        Binding("f3", "workbench", "Transcribe", id="app.workbench"),
    ]

    def __init__(self, context: AppContext, *, setting_problems: Sequence[str] = ()) -> None:
        super().__init__()
        self.context = context
        self._setting_problems = list(setting_problems)
        """Settings that could not be used (their defaults are): said once started."""
        """What the app holds and does; the screens use it."""
        self.signals = ContextSignals(self, self.context)
        """The context's news, as signals the screens subscribe to."""
        self.context.notices.subscribe(self._notice)
        self.context.key_needed.subscribe(lambda _: self.action_set_key())
        self._control_filter = ControlCharacterFilter()

    @property
    def settings(self) -> Settings:
        """The settings in force."""
        return self.context.settings

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then the guard that keeps model text from driving the terminal."""
        return [*super().get_line_filters(), self._control_filter]

    @property
    def chat_screen(self) -> ChatScreen | None:
        """The chat screen, wherever it is in the stack."""
        for screen in self.screen_stack:
            if isinstance(screen, ChatScreen):
                return screen
        return None

    def _notice(self, notice: Notice) -> None:
        kwargs: dict[str, Any] = {"severity": notice.severity, "title": notice.title}
        if notice.timeout is not None:
            kwargs["timeout"] = notice.timeout
        self.notify(notice.text, **kwargs)

    # -- start-up --------------------------------------------------------------------------

    def get_default_screen(self) -> ChatScreen:
        """The chat screen is the app's first screen (Textual asks for it as the app is
        composed, before its mount): with the theme and the key remaps set first, it is
        styled once. (Pushed over Textual's empty default screen, it was laid out whole a
        second time: 60-80 ms of a start-up here.)"""
        if self.settings.theme and self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.settings.keymap:
            from groq_tui.ui.keymap import apply_keymap

            self.settings.keymap = apply_keymap(self, self.settings.keymap, config_file())
        conversation = Conversation(
            title="New conversation", model=self.context.initial_model, parameters=ChatParameters()
        )
        return ChatScreen(conversation)

    async def on_mount(self) -> None:
        for problem in self._setting_problems:
            self.notify(problem, title="Setting not used", severity="warning", timeout=20)
        # After the first frame: the heavy imports and the database must not delay it.
        self.call_after_refresh(self.start_services)

    def _theme_changed(self, theme: Any) -> None:
        name = getattr(theme, "name", None)
        if name and name != self.settings.theme:
            self.settings.theme = name
            self.context.files.remember_setting("theme", name)

    @work(exclusive=True, group="services")
    async def start_services(self) -> None:
        """Start the context (history, client, models); then warm the Markdown caches."""
        try:
            await self.context.start()
            # The first code block of a session would otherwise load Pygments' lexers and
            # styles on the event loop, mid-stream: a pause of 100-300 ms that a key would
            # wait for.
            await asyncio.to_thread(warm_up_markdown)
        finally:
            settle_start_up_garbage()

    async def on_unmount(self) -> None:
        await self.context.aclose()

    # -- the server and the key ------------------------------------------------------------

    async def _first_run(self, choice: FirstRunChoice | None) -> None:
        context = self.context
        if choice is None:
            self.notify("No API key: replies will fail until one is set (F5).")
            return
        if choice.mode == "offline":
            await context.go_offline()
            return
        await context.use_key(choice.key, save=choice.save)
        if context.offline:
            await context.go_online()

    async def action_go_online(self) -> None:
        """F5: use the Groq service (asking for a key if there is none)."""
        context = self.context
        if not context.offline and context.server.has_key:
            self.notify(f"Already using {context.host_label}.", timeout=3)
        elif not context.server.has_key:
            self.action_set_key()
        else:
            await context.go_online()

    def action_set_key(self) -> None:
        """Enter an API key (offline is offered when the local engine is installed)."""
        offline_offered = bool(self.context.engine_available)
        key_set = self.context.server.has_key
        screen = FirstRunScreen(str(config_file()), offline_offered, key_set=key_set)
        self.push_screen(screen, self._first_run)

    def action_toggle_help(self) -> None:
        """Show or hide the keys of the focused screen (F1)."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_load_tools(self) -> None:
        """Ask for a tools JSON file."""

        async def chosen(path: str | None) -> None:
            if path:
                await self.context.load_tools(path.strip())

        self.push_screen(TextPrompt("Tools JSON file", multiline=False), chosen)

    @work(exclusive=True, group="devices")
    async def action_pick_microphone(self) -> None:
        """Choose the input device for dictation from PortAudio's list (remembered)."""
        from groq_tui.services.types import AudioUnavailable
        from groq_tui.ui.screens.dialogs import ChoicePicker

        try:
            devices = await self.context.input_devices()
        except AudioUnavailable as exc:
            self.notify(str(exc), title="Microphone", severity="error", timeout=10)
            return
        choices = [("", "The system's default input"), *devices]
        chosen = await self.push_screen_wait(
            ChoicePicker("Microphone for dictation", choices, self.settings.audio_device or "")
        )
        if chosen is None:
            return
        self.context.files.change_setting("audio_device", chosen or None)
        self.notify(f"Dictation records from: {chosen or 'the default input'}.", timeout=4)

    # -- screens ---------------------------------------------------------------------------

    def action_compare(self, models: list[str] | None = None) -> None:
        """Open the compare screen (asks for the models unless given)."""
        from groq_tui.services.model_offer import compare_suggestion

        screen = self.chat_screen
        if screen is None:
            return
        if self.context.chat_service is None:  # keys work from the first frame: it waits
            self.signals.once_started(lambda: self.action_compare(models))
            return
        if models is not None:
            self.open_compare(models)
            return
        current = screen.conversation.model
        suggestion = ", ".join(compare_suggestion(current, self.context.models, 3))

        def chosen(text: str | None) -> None:
            if text:
                self.open_compare([m.strip() for m in text.split(",") if m.strip()])

        self.push_screen(
            TextPrompt("Models to compare (2 to 4, separated by commas)", suggestion,
                       multiline=False),
            chosen,
        )  # fmt: skip

    def open_compare(self, models: list[str]) -> None:
        """Start a comparison of ``models`` with the chat's parameters."""
        from groq_tui.services.compare import MAX_COLUMNS, MIN_COLUMNS
        from groq_tui.ui.screens.compare import CompareScreen, shared_parameters

        screen = self.chat_screen
        if self.context.chat_service is None or screen is None:
            return
        if not MIN_COLUMNS <= len(models) <= MAX_COLUMNS:
            self.notify(
                f"Compare {MIN_COLUMNS} to {MAX_COLUMNS} models (got {len(models)}).",
                severity="warning",
            )
            return
        parameters = shared_parameters(screen.conversation.parameters)
        self.push_screen(CompareScreen(self.context.compare_run(models, parameters)))

    def action_workbench(self, path: str | None = None) -> None:
        """F3: the transcription workbench (files and saved recordings)."""
        from groq_tui.ui.screens.workbench import WorkbenchScreen

        if isinstance(self.screen, WorkbenchScreen):
            return
        self.push_screen(WorkbenchScreen(path, max_upload_mb=self.settings.max_upload_mb))

    # -- routing the screens' requests -----------------------------------------------------

    def _back_to_chat(self) -> ChatScreen | None:
        """Close the screens above the chat screen; return it."""
        chat = self.chat_screen
        while chat is not None and self.screen is not chat and len(self.screen_stack) > 1:
            self.pop_screen()
        return chat

    @on(OpenSavedCompare)
    def _open_saved_compare(self, request: OpenSavedCompare) -> None:
        from groq_tui.ui.screens.compare import CompareScreen

        if self.context.chat_service is not None:
            run = self.context.saved_compare_run(request.conversation, request.messages)
            self.push_screen(CompareScreen(run))

    @on(OpenConversation)
    async def _open_conversation(self, request: OpenConversation) -> None:
        chat = self._back_to_chat()
        if chat is not None:
            await chat.open_conversation(request.conversation_id)
            if request.notice:
                self.notify(request.notice, timeout=3)

    @on(InsertIntoComposer)
    def _insert_into_composer(self, request: InsertIntoComposer) -> None:
        chat = self._back_to_chat()
        if chat is None:
            self.notify("There is no chat to send it to.", severity="error")
            return
        chat.insert_into_composer(request.text)

    @on(HistoryChanged)
    def _history_changed(self) -> None:
        chat = self.chat_screen
        if chat is not None:
            chat.refresh_sidebar()
