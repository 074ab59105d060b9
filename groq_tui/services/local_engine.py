"""The offline engine as the app sees it: a server on loopback with a base URL and a key.

This version runs the engine in the app's own process (``groq_tui.local.start_engine``); the
API is the one a child-process engine offers, so the app does not change when it moves out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any


class LocalEngineError(Exception):
    """The engine cannot start (not installed, a model path is unusable, no free port)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LocalEngine:
    """A running engine.

    Args:
        running: The in-process engine it wraps.
    """

    def __init__(self, running: Any) -> None:
        self._running = running
        self._stopped = asyncio.Event()
        self.base_url: str = running.base_url
        """The engine's OpenAI-compatible root URL."""
        self.api_key: str | None = None
        """The key its requests must carry (None: none)."""

    async def stop(self) -> None:
        """Stop serving and unload the models."""
        if not self._stopped.is_set():
            self._stopped.set()
            await self._running.stop()

    async def wait_exit(self) -> int:
        """Return when the engine ends on its own (in process it never does, until stopped)."""
        await self._stopped.wait()
        return 0


async def start_local_engine(gguf: Sequence[str], whisper: str | None) -> LocalEngine:
    """Start the engine with the bundled models plus ``gguf`` files and a ``whisper`` folder.

    Raises:
        LocalEngineError: It cannot start; the message says why.
    """
    from groq_tui.local import (
        EngineConfig,
        EngineConfigError,
        EngineError,
        EngineUnavailable,
        start_engine,
    )

    config = EngineConfig(extra_gguf=tuple(gguf), whisper_path=whisper)
    try:
        running = await start_engine(config=config)
    except (EngineUnavailable, EngineConfigError, EngineError, OSError) as exc:
        raise LocalEngineError(str(exc)) from exc
    return LocalEngine(running)
