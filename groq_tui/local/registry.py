"""The loaded models, by id: what /models lists and what each endpoint runs."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, TypeVar

from groq_tui.local.chat_engine import ChatEngine
from groq_tui.local.errors import EngineConfigError, EngineError, model_not_found
from groq_tui.local.models import (
    EngineConfig,
    chat_model_specs,
    require_engine,
    speech_model_specs,
)
from groq_tui.local.speech_engine import SpeechEngine
from groq_tui.local.voice_engine import MAX_INPUT_CHARS, VoiceEngine, voice_available

EngineT = TypeVar("EngineT", ChatEngine, SpeechEngine, VoiceEngine)

WHISPER_CONTEXT_WINDOW = 448
"""Whisper's decoder context, which the service reports as the audio models' window."""


class LocalModels:
    """Every model the engine serves, loaded and ready.

    Args:
        chat: Chat engines by model id.
        speech: Speech engines by model id.
        voices: Text-to-speech engines by model id (empty without the ``voice`` extra).
    """

    def __init__(
        self,
        chat: dict[str, ChatEngine],
        speech: dict[str, SpeechEngine],
        voices: dict[str, VoiceEngine] | None = None,
    ) -> None:
        self.voices = voices or {}
        self.chat = chat
        self.speech = speech

    @classmethod
    async def load(cls, config: EngineConfig | None = None) -> LocalModels:
        """Load every configured model, each in a worker thread, all at once.

        Raises:
            EngineUnavailable: A package or a bundled model file is missing.
            EngineConfigError: A configured path is unusable.
            EngineError: A model file could not be loaded.
        """
        config = config or EngineConfig()
        require_engine(bundled_models=config.include_bundled)
        chat_specs = chat_model_specs(config)
        speech_specs = speech_model_specs(config)
        if not chat_specs and not speech_specs:
            raise EngineConfigError("no models to serve: the bundled ones are off and none added")
        chat_jobs = [asyncio.to_thread(ChatEngine.load, spec, config) for spec in chat_specs]
        speech_jobs = [asyncio.to_thread(SpeechEngine.load, spec, config) for spec in speech_specs]
        # The offline voice is an optional extra (GPL): served when installed, else not listed.
        voice_jobs = (
            [asyncio.to_thread(VoiceEngine.load, None, config.thread_count)]
            if config.include_bundled and voice_available()
            else []
        )
        results = await asyncio.gather(
            *chat_jobs, *speech_jobs, *voice_jobs, return_exceptions=True
        )
        loaded = cls(
            {r.spec.id: r for r in results if isinstance(r, ChatEngine)},
            {r.spec.id: r for r in results if isinstance(r, SpeechEngine)},
            {r.model_id: r for r in results if isinstance(r, VoiceEngine)},
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            await loaded.aclose()
            raise failures[0]
        return loaded

    @property
    def ids(self) -> list[str]:
        """Every model id, chat models first."""
        return [*self.chat, *self.speech, *self.voices]

    def chat_engine(self, model_id: str) -> ChatEngine:
        """The chat engine for ``model_id``.

        Raises:
            EngineError: 404 for an unknown id, 400 for a speech model.
        """
        return self._engine(
            self.chat,
            {**self.speech, **self.voices},
            model_id,
            "a speech model",
            "chat completions",
        )

    def speech_engine(self, model_id: str) -> SpeechEngine:
        """The speech engine for ``model_id``.

        Raises:
            EngineError: 404 for an unknown id, 400 for a chat model.
        """
        return self._engine(
            self.speech,
            {**self.chat, **self.voices},
            model_id,
            "a chat or text-to-speech model",
            "audio transcription",
        )

    def voice_engine(self, model_id: str) -> VoiceEngine:
        """The text-to-speech engine for ``model_id``.

        Raises:
            EngineError: 404 for an unknown id, 400 for a chat or speech-to-text model.
        """
        return self._engine(
            self.voices,
            {**self.chat, **self.speech},
            model_id,
            "a chat or speech-to-text model",
            "text to speech" + ("" if self.voices else " (install groq-tui[voice])"),
        )

    def _engine(
        self,
        engines: Mapping[str, EngineT],
        others: Mapping[str, object],
        model_id: str,
        other_kind: str,
        endpoint: str,
    ) -> EngineT:
        """``engines[model_id]``; a 400 if the id names a model of the other kind, else a 404."""
        engine = engines.get(model_id)
        if engine is not None:
            return engine
        if model_id in others:
            raise EngineError(
                f"`{model_id}` is {other_kind}; it does not support {endpoint}",
                param="model",
                code="model_not_supported",
            )
        raise model_not_found(model_id, self.ids)

    def describe(self, model_id: str) -> dict[str, Any]:
        """The /models object of one model.

        Raises:
            EngineError: 404 for an unknown id.
        """
        chat = self.chat.get(model_id)
        if chat is not None:
            return _model_object(
                model_id, chat.info.created, chat.spec.owned_by, chat.info.context_window
            )
        speech = self.speech.get(model_id)
        if speech is not None:
            return _model_object(
                model_id, speech.created, speech.spec.owned_by, WHISPER_CONTEXT_WINDOW
            )
        voice = self.voices.get(model_id)
        if voice is not None:
            return _model_object(model_id, voice.created, voice.owned_by, MAX_INPUT_CHARS)
        raise model_not_found(model_id, self.ids)

    def describe_all(self) -> list[dict[str, Any]]:
        """The /models objects of every model."""
        return [self.describe(model_id) for model_id in self.ids]

    async def aclose(self) -> None:
        """Unload every model (waiting for running requests to finish)."""
        engines: list[ChatEngine | SpeechEngine | VoiceEngine] = [
            *self.chat.values(),
            *self.speech.values(),
            *self.voices.values(),
        ]
        await asyncio.gather(*(engine.aclose() for engine in engines))


def _model_object(model_id: str, created: int, owned_by: str, context: int) -> dict[str, Any]:
    return {
        "id": model_id,
        "object": "model",
        "created": created,
        "owned_by": owned_by,
        "active": True,
        "context_window": context,
        "public_apps": None,
        "max_completion_tokens": context,
    }
