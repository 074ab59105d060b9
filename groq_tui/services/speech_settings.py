"""Which voice the app speaks with, and the app's one speaker.

On the service the voice is the settings' ``speech_model`` and ``speech_voice``; offline (no
key, the local engine) it is the bundled Piper voice, whatever the settings say. There is one
:class:`~groq_tui.services.speech_session.Narrator` per app context, shared by the chat
screen, the workbench and the voice conversation, so that one reply never talks over another.
"""

from __future__ import annotations

import asyncio
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from groq_tui.services.speech import SpeechOptions
from groq_tui.services.speech_session import Narrator

if TYPE_CHECKING:
    from groq_tui.config import Settings
    from groq_tui.services.context import AppContext

OFFLINE_VOICE_MODEL = "piper-en_US-joe-medium"
"""The model id under which the local engine serves its bundled voice (the wire name; the
app does not import the engine, which runs as its own process)."""
OFFLINE_VOICE = "joe"
"""That voice's name."""

_NARRATORS: weakref.WeakKeyDictionary[AppContext, Narrator] = weakref.WeakKeyDictionary()


def speech_options(settings: Settings, *, offline: bool) -> SpeechOptions:
    """The speech model, voice and speed to ask for now."""
    speed = settings.speech_speed if settings.speech_speed != 1.0 else None
    if offline:
        return SpeechOptions(OFFLINE_VOICE_MODEL, OFFLINE_VOICE, "wav", speed)
    return SpeechOptions(settings.speech_model, settings.speech_voice, "wav", speed)


def narrator_for(context: AppContext) -> Narrator:
    """The app's speaker (made on first use), speaking on the client and voice in use."""
    narrator = _NARRATORS.get(context)
    if narrator is None:
        narrator = Narrator(
            context.lease_client,
            lambda: speech_options(context.settings, offline=context.offline),
            lambda: context.settings.output_device,
        )
        _NARRATORS[context] = narrator
    return narrator


async def output_devices() -> list[tuple[str, str]]:
    """PortAudio's output devices as (name, description); raises AudioUnavailable."""
    from groq_tui.audio.playback import list_output_devices

    return await asyncio.to_thread(list_output_devices)


class SpeechExportFailed(Exception):
    """The speech could not be made or written; the message says why."""


async def export_speech(context: AppContext, text: str, name: str) -> Path:
    """Speak ``text`` into ``name`` (a .wav file) in the exports folder; its path.

    Raises:
        SpeechExportFailed: The server refused or failed, or the file cannot be written.
    """
    from groq_tui.api import GroqError
    from groq_tui.services.errors import describe_error
    from groq_tui.services.speech import save_speech

    folder = context.data_dir / "exports"
    path = folder / name
    options = speech_options(context.settings, offline=context.offline)
    try:
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        with context.lease_client() as client:
            await save_speech(client, text, options, path)
    except GroqError as exc:
        raise SpeechExportFailed(describe_error(exc, context.base_url)) from exc
    except OSError as exc:
        raise SpeechExportFailed(f"could not write {path}: {exc.strerror or exc}") from exc
    return path
