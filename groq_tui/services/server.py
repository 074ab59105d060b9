"""Which server the app talks to, with which key: the configured service or the local engine.

No Textual here. :class:`ServerChoice` holds the API key and the running local engine (if
any) and makes clients for the server in use; the app context decides when to switch.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable
from typing import TYPE_CHECKING

from groq_tui.config import Settings

if TYPE_CHECKING:
    from groq_tui.api import GroqClient
    from groq_tui.services.local_engine import LocalEngine

LOCAL_ENGINE_HOST = "local engine"


def engine_installed() -> bool:
    """Whether the optional local engine (the ``local`` extra) is installed (blocking: it
    looks through ``sys.path``)."""
    return importlib.util.find_spec("xllamacpp") is not None


class ServerChoice:
    """The server in use and how to reach it.

    Args:
        settings: The configured service, key, retries and timeout; the engine's models.
        offline: Start on the local engine.
        on_engine_exit: Called with the exit code if the engine ends on its own.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        offline: bool,
        on_engine_exit: Callable[[int], object] | None = None,
    ) -> None:
        self.settings = settings
        self.offline = offline
        """Whether the local engine is in use."""
        self.base_url = settings.base_url
        """The server in use: the configured one, or the local engine's when offline."""
        self.engine: LocalEngine | None = None
        """The local engine, while it runs."""
        self._api_key = settings.api_key_value
        self._on_engine_exit = on_engine_exit
        self._engine_watch: asyncio.Task[None] | None = None

    @property
    def has_key(self) -> bool:
        """Whether an API key is set for the service."""
        return bool(self._api_key)

    def set_key(self, key: str) -> None:
        """Use ``key`` for the service from the next client on."""
        self._api_key = key

    @property
    def host_label(self) -> str:
        """The server's host for the status bar."""
        if self.offline:
            return LOCAL_ENGINE_HOST
        return self.base_url.split("://", 1)[-1].split("/", 1)[0]

    def make_client(self) -> GroqClient:
        """A client for the server in use."""
        from groq_tui.api import GroqClient

        if self.offline:
            key = self.engine.api_key if self.engine is not None else None
        else:
            key = self._api_key
        return GroqClient(
            api_key=key,
            base_url=self.base_url,
            max_retries=self.settings.max_retries,
            timeout=self.settings.timeout,
        )

    async def start_engine(self) -> str | None:
        """Start the local engine (unless it runs) and use it; None, or why it cannot."""
        from groq_tui.services.local_engine import LocalEngineError, start_local_engine

        if self.engine is None:
            try:
                self.engine = await start_local_engine(
                    self.settings.local_gguf, self.settings.local_whisper
                )
            except LocalEngineError as exc:
                self.offline = False
                return str(exc)
            self._engine_watch = asyncio.get_running_loop().create_task(
                self._watch_engine(self.engine)
            )
        self.offline = True
        self.base_url = self.engine.base_url
        return None

    def use_service(self) -> None:
        """Use the configured service (the engine keeps running until :meth:`stop_engine`)."""
        self.offline = False
        self.base_url = self.settings.base_url

    async def _watch_engine(self, engine: LocalEngine) -> None:
        code = await engine.wait_exit()
        if self.engine is engine:  # not stopped by us: it crashed or was killed
            self.engine = None
            if self._on_engine_exit is not None:
                self._on_engine_exit(code)

    async def stop_engine(self) -> None:
        """Stop the local engine if it runs."""
        if self._engine_watch is not None:
            self._engine_watch.cancel()
            self._engine_watch = None
        if self.engine is not None:
            engine, self.engine = self.engine, None
            await engine.stop()
