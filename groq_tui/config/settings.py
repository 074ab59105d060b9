"""Settings: CLI flags > environment > TOML config file > defaults.

The API key comes from GROQ_API_KEY or the config file (environment wins, so a key exported
for one shell is never overridden by an old file). It is held as a SecretStr so that it does
not show in reprs, logs or tracebacks, and it is written only to the config file the user
chose, with mode 0600.
"""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from groq_tui.config.paths import config_file

DEFAULT_BASE_URL = "https://api.groq.com/openai/v1"


class ConfigFileError(Exception):
    """The config file exists but cannot be read as TOML settings."""


class Settings(BaseSettings):
    """Everything the CLI and the app can be configured with."""

    model_config = SettingsConfigDict(env_prefix="GROQ_TUI_", extra="ignore")

    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("GROQ_API_KEY", "api_key")
    )
    """The API key (GROQ_API_KEY); None runs without one (local servers)."""
    base_url: str = Field(
        default=DEFAULT_BASE_URL, validation_alias=AliasChoices("GROQ_BASE_URL", "base_url")
    )
    """The OpenAI-compatible root URL (GROQ_BASE_URL)."""
    model: str = "llama-3.3-70b-versatile"
    """The default chat model."""
    audio_model: str = "whisper-large-v3"
    """The default speech-to-text model."""
    max_retries: int = Field(default=2, ge=0, le=10)
    """Extra attempts after a connection error, 408, 409, 429 or 5xx."""
    timeout: float = Field(default=60.0, gt=0)
    """Seconds to wait for the server (connect, read, write)."""
    theme: str | None = None
    """The app's Textual theme, remembered when the user picks one."""
    keymap: dict[str, str] = Field(default_factory=dict)
    """Key remaps for the app: binding id -> keys, e.g. ``"chat.model" = "f2"``."""
    tools_file: str | None = None
    """A JSON file of tool definitions offered to the model in the app."""
    local_gguf: list[str] = Field(default_factory=list)
    """More chat models for the offline engine: GGUF files, each ``PATH`` or ``ID=PATH``."""
    local_whisper: str | None = None
    """A CTranslate2 Whisper model directory for the offline engine (e.g. a multilingual one)."""
    audio_device: str | None = None
    """The microphone: an input device's index, name or part of its name (default: the
    system's default input; ``groq-tui devices`` lists them)."""
    dictation_language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    """ISO-639-1 code of the dictated speech; unset lets the service detect it."""
    dictation_prompt: str | None = None
    """Context or vocabulary (names, spellings) sent with every dictated segment."""
    dictation_translate: bool = False
    """Dictate in translate mode: any language in, English text out."""
    dictation_send: bool = False
    """Send the composer as soon as a dictation ends, instead of leaving it to edit."""
    keep_recordings: bool = False
    """Keep dictation recordings (with their transcripts) in the data dir."""
    max_upload_mb: float = Field(default=25.0, gt=0)
    """The service's upload limit: longer audio is split at silences into smaller pieces."""
    # -- speech (text to speech) -------------------------------------------------------
    speech_model: str = "canopylabs/orpheus-v1-english"
    """The service's text-to-speech model (offline, the bundled Piper voice is used)."""
    speech_voice: str = "autumn"
    """The service's voice for ``speech_model``."""
    speech_speed: float = Field(default=1.0, ge=0.5, le=5.0)
    """Speaking speed (1 is the voice's own)."""
    output_device: str | None = None
    """The speaker: an output device's index, name or part of its name (default: the
    system's default output)."""
    auto_read: bool = False
    """Read replies aloud sentence by sentence while they stream."""
    voice_barge_in: bool = True
    """In a voice conversation, speaking while a reply plays stops it (turn off when the
    microphone hears the loudspeaker)."""

    @field_validator(
        "audio_device", "dictation_language", "dictation_prompt", "output_device", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {value!r}")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, config_file()))

    @property
    def api_key_value(self) -> str | None:
        """The key itself, for the HTTP client only."""
        return self.api_key.get_secret_value() if self.api_key else None


def load_settings(**overrides: Any) -> Settings:
    """Settings from the file and environment, with ``overrides`` (CLI flags; None = unset)."""
    path = config_file()
    if path.exists():
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigFileError(f"cannot read the config file {path}: {exc}") from exc
    return Settings(**{key: value for key, value in overrides.items() if value is not None})


def config_file_too_open(path: Path | None = None) -> bool:
    """Whether the config file can be read by other users (it may hold the key)."""
    path = path or config_file()
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & (stat.S_IRWXG | stat.S_IRWXO))
