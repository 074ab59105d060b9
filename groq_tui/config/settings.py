"""Settings: CLI flags > environment > TOML config file > defaults.

The API key comes from GROQ_API_KEY or the config file (environment wins, so a key exported
for one shell is never overridden by an old file). It is held as a :class:`Secret` so that
it does not show in reprs, logs or tracebacks, and it is written only to the config file the
user chose, with mode 0600.

The settings are a plain dataclass read by :mod:`groq_tui.config.loading`, not a pydantic
model: start-up imports this module before its first frame, and pydantic with
pydantic-settings took 0.1-0.25 s of that. ``Settings()`` is the defaults alone; the
sources are read by :func:`load_settings`.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from groq_tui.config.loading import resolve, rule
from groq_tui.config.paths import config_file
from groq_tui.config.problems import InvalidSettings, SettingProblem
from groq_tui.config.secret import Secret

DEFAULT_BASE_URL = "https://api.groq.com/openai/v1"


class ConfigFileError(Exception):
    """The config file exists but cannot be read as TOML settings."""


def _http_root(url: str) -> str:
    """The URL without surrounding spaces or trailing slashes (paths are joined to it)."""
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return url


@dataclass(kw_only=True, slots=True)
class Settings:
    """Everything the CLI and the app can be configured with."""

    api_key: Secret | None = field(default=None, metadata=rule(names=("GROQ_API_KEY", "api_key")))
    """The API key (GROQ_API_KEY); None runs without one (local servers)."""
    base_url: str = field(
        default=DEFAULT_BASE_URL,
        metadata=rule(names=("GROQ_BASE_URL", "base_url"), tidy=_http_root),
    )
    """The OpenAI-compatible root URL (GROQ_BASE_URL)."""
    model: str = "llama-3.3-70b-versatile"
    """The default chat model."""
    audio_model: str = "whisper-large-v3"
    """The default speech-to-text model."""
    max_retries: int = field(default=2, metadata=rule(ge=0, le=10))
    """Extra attempts after a connection error, 408, 409, 429 or 5xx."""
    timeout: float = field(default=60.0, metadata=rule(gt=0))
    """Seconds to wait for the server (connect, read, write)."""
    theme: str | None = None
    """The app's Textual theme, remembered when the user picks one."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Key remaps for the app: binding id -> keys, e.g. ``"chat.model" = "f2"``."""
    tools_file: str | None = None
    """A JSON file of tool definitions offered to the model in the app."""
    local_gguf: list[str] = field(default_factory=list)
    """More chat models for the offline engine: GGUF files, each ``PATH`` or ``ID=PATH``."""
    local_whisper: str | None = None
    """A CTranslate2 Whisper model directory for the offline engine (e.g. a multilingual one)."""
    audio_device: str | None = field(default=None, metadata=rule(blank_is_unset=True))
    """The microphone: an input device's index, name or part of its name (default: the
    system's default input; ``groq-tui devices`` lists them)."""
    dictation_language: str | None = field(
        default=None,
        metadata=rule(
            blank_is_unset=True,
            pattern="[a-z]{2}",
            pattern_phrase="must be a two-letter ISO-639-1 code such as en",
        ),
    )
    """ISO-639-1 code of the dictated speech; unset lets the service detect it."""
    dictation_prompt: str | None = field(default=None, metadata=rule(blank_is_unset=True))
    """Context or vocabulary (names, spellings) sent with every dictated segment."""
    dictation_translate: bool = False
    """Dictate in translate mode: any language in, English text out."""
    dictation_send: bool = False
    """Send the composer as soon as a dictation ends, instead of leaving it to edit."""
    keep_recordings: bool = False
    """Keep dictation recordings (with their transcripts) in the data dir."""
    max_upload_mb: float = field(default=25.0, metadata=rule(gt=0))
    """The service's upload limit: longer audio is split at silences into smaller pieces."""
    thinking_display: Literal["show", "collapse", "hide"] = "collapse"
    """How the app shows a reply's reasoning: always, folded once the answer starts, or not."""
    # -- speech (text to speech) -------------------------------------------------------
    speech_model: str = "canopylabs/orpheus-v1-english"
    """The service's text-to-speech model (offline, the bundled Piper voice is used)."""
    speech_voice: str = "autumn"
    """The service's voice for ``speech_model``."""
    speech_speed: float = field(default=1.0, metadata=rule(ge=0.5, le=5.0))
    """Speaking speed (1 is the voice's own)."""
    output_device: str | None = field(default=None, metadata=rule(blank_is_unset=True))
    """The speaker: an output device's index, name or part of its name (default: the
    system's default output)."""
    auto_read: bool = False
    """Read replies aloud sentence by sentence while they stream."""
    voice_barge_in: bool = True
    """In a voice conversation, speaking while a reply plays stops it (turn off when the
    microphone hears the loudspeaker)."""

    @property
    def api_key_value(self) -> str | None:
        """The key itself, for the HTTP client only (None when unset or empty)."""
        return self.api_key.get_secret_value() if self.api_key else None


def load_settings(**overrides: Any) -> Settings:
    """Settings from the file and environment, with ``overrides`` (CLI flags; None = unset).

    Raises:
        ConfigFileError: The config file is not readable TOML.
        InvalidSettings: Some values cannot be used (one line each, naming the source).
    """
    settings, problems = load_settings_leniently(**overrides)
    if problems:
        raise InvalidSettings(problems)
    return settings


def load_settings_leniently(**overrides: Any) -> tuple[Settings, list[SettingProblem]]:
    """Like :func:`load_settings`, but a setting whose value cannot be used takes its
    default instead; returns the settings and what was wrong (the app starts anyway).

    Raises:
        ConfigFileError: The config file is not readable TOML.
    """
    path = config_file()
    file_values: dict[str, Any] = {}
    if path.exists():
        try:
            file_values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigFileError(f"cannot read the config file {path}: {exc}") from exc
    flags = {key: value for key, value in overrides.items() if value is not None}
    values, problems = resolve(Settings, flags, os.environ, file_values, path)
    return Settings(**values), problems


def config_file_too_open(path: Path | None = None) -> bool:
    """Whether the config file can be read by other users (it may hold the key)."""
    path = path or config_file()
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IRWXG | stat.S_IRWXO))
