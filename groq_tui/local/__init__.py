"""The offline engine: the Groq API on loopback, with models that ship inside PyPI packages.

Chat runs SmolLM2-135M-Instruct (or any GGUF file added by path) in llama.cpp through
``xllamacpp``; speech runs Whisper tiny.en (or a CTranslate2 Whisper directory added by path)
through ``faster-whisper``. Nothing is fetched from a model hub.

Importing this package is cheap: the inference libraries and aiohttp are imported only when
an engine starts, so the rest of the app works without the ``local`` extra. Check
:func:`engine_available` first, or catch :class:`EngineUnavailable`::

    from groq_tui.local import engine_available, start_engine

    engine = await start_engine()          # 127.0.0.1, a free port
    client = GroqClient(base_url=engine.base_url)
    ...
    await engine.stop()
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from groq_tui.lazy_names import lazy_names
from groq_tui.local.binding import DEFAULT_HOST, DEFAULT_PORT, check_bind, is_loopback
from groq_tui.local.errors import (
    EngineConfigError,
    EngineError,
    EngineUnavailable,
    UnsafeBindError,
)
from groq_tui.local.models import (
    BUNDLED_CHAT_MODEL_ID,
    BUNDLED_SPEECH_MODEL_ID,
    EngineConfig,
    engine_available,
    missing_requirements,
    require_engine,
)

if TYPE_CHECKING:
    from groq_tui.local.registry import LocalModels
    from groq_tui.local.serve import run_serve
    from groq_tui.local.server import RunningEngine, start_engine

_LAZY = {
    "registry": ("LocalModels",),
    "server": ("RunningEngine", "start_engine"),
    "serve": ("run_serve",),
}


__getattr__ = lazy_names(__name__, _LAZY)


__all__ = [
    "BUNDLED_CHAT_MODEL_ID",
    "BUNDLED_SPEECH_MODEL_ID",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "EngineConfig",
    "EngineConfigError",
    "EngineError",
    "EngineUnavailable",
    "LocalModels",
    "RunningEngine",
    "UnsafeBindError",
    "check_bind",
    "engine_available",
    "is_loopback",
    "missing_requirements",
    "require_engine",
    "run_serve",
    "start_engine",
]
