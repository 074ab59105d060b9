"""Settings precedence (flags > environment > file > defaults) and key storage."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from groq_tui.config import (
    ConfigFileError,
    config_file,
    config_file_too_open,
    load_settings,
    save_api_key,
)


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "conf" / "config.toml"
    monkeypatch.setenv("GROQ_TUI_CONFIG", str(path))
    return path


def test_defaults(config_path: Path) -> None:
    settings = load_settings()
    assert settings.api_key is None
    assert settings.base_url == "https://api.groq.com/openai/v1"
    assert settings.max_retries == 2
    assert settings.timeout == 60.0


def test_default_config_file_is_in_the_platform_config_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GROQ_TUI_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_file() == tmp_path / "xdg" / "groq-tui" / "config.toml"


def test_file_then_env_then_flags(config_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text(
        'api_key = "file-key"\nbase_url = "http://file.example/v1/"\nmodel = "file-model"\n'
        "max_retries = 5\n"
    )
    os.chmod(config_path, 0o600)
    settings = load_settings()
    assert settings.api_key_value == "file-key"
    assert settings.base_url == "http://file.example/v1"
    assert settings.model == "file-model"
    assert settings.max_retries == 5

    monkeypatch.setenv("GROQ_API_KEY", "env-key")
    monkeypatch.setenv("GROQ_BASE_URL", "http://env.example/v1")
    settings = load_settings()
    assert settings.api_key_value == "env-key"  # the environment beats the file for the key
    assert settings.base_url == "http://env.example/v1"

    settings = load_settings(api_key="flag-key", base_url="http://flag.example/v1", max_retries=0)
    assert settings.api_key_value == "flag-key"
    assert settings.base_url == "http://flag.example/v1"
    assert settings.max_retries == 0


def test_key_never_in_repr(config_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROQ_API_KEY", "gsk_supersecret")
    settings = load_settings()
    assert "gsk_supersecret" not in repr(settings)
    assert "gsk_supersecret" not in str(settings)
    assert "gsk_supersecret" not in settings.model_dump_json()


def test_save_api_key_is_private_and_keeps_other_settings(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text('model = "kept"\n')
    os.chmod(config_path, 0o644)
    assert config_file_too_open(config_path)
    save_api_key("gsk_new", config_path)
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
    assert not config_file_too_open(config_path)
    settings = load_settings()
    assert settings.api_key_value == "gsk_new"
    assert settings.model == "kept"


def test_broken_config_file_is_one_clear_error(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text("api_key = \n")
    with pytest.raises(ConfigFileError, match=str(config_path)):
        load_settings()


def test_bad_base_url(config_path: Path) -> None:
    with pytest.raises(ValueError, match="http:// or https://"):
        load_settings(base_url="ftp://x")


def test_audio_settings_from_the_file(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text(
        'audio_device = ""\ndictation_language = "de"\ndictation_send = true\n'
        "max_upload_mb = 100\n",
        encoding="utf-8",
    )
    settings = load_settings()
    assert settings.audio_device is None  # "" is the default input, as the app saves it
    assert settings.dictation_language == "de"
    assert settings.dictation_send is True
    assert settings.max_upload_mb == 100
    config_path.write_text('dictation_language = "German"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="dictation_language"):
        load_settings()
