"""Settings precedence (flags > environment > file > defaults) and key storage."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import stat
import threading
import tomllib
from pathlib import Path
from typing import Any

import pytest

from groq_tui.config import (
    ConfigFileError,
    config_file,
    config_file_too_open,
    load_settings,
    save_api_key,
    save_setting,
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
    assert "gsk_supersecret" not in json.dumps(dataclasses.asdict(settings), default=str)


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


def test_concurrent_saves_of_different_keys_all_land(config_path: Path) -> None:
    names = [f"key_{index}" for index in range(12)]
    rounds = 5
    start = threading.Barrier(len(names))
    failures: list[BaseException] = []

    def save_many(name: str) -> None:
        start.wait()
        try:
            for round_ in range(rounds):
                save_setting(name, round_, config_path)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=save_many, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    saved = tomllib.loads(config_path.read_text(encoding="utf-8"))
    assert saved == {name: rounds - 1 for name in names}
    assert not [path for path in config_path.parent.iterdir() if path.name.endswith(".tmp")]


def _save_in_a_process(path: str, prefix: str, count: int, start: Any) -> None:
    start.wait()  # after the imports: the saves of all processes overlap
    for index in range(count):
        save_setting(f"{prefix}_{index}", index, Path(path))


def test_saves_from_several_processes_all_land(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(3)
    processes = [
        context.Process(target=_save_in_a_process, args=(str(config_path), f"p{number}", 30, start))
        for number in range(3)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    assert [process.exitcode for process in processes] == [0, 0, 0]
    saved = tomllib.loads(config_path.read_text(encoding="utf-8"))
    assert saved == {f"p{number}_{index}": index for number in range(3) for index in range(30)}


def test_a_save_keeps_comments_formatting_and_unknown_tables(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    original = (
        "# groq-tui settings, written by hand\n"
        'model = "llama-3.3-70b-versatile"  # the fast one\n'
        "\n"
        "# remaps for the laptop\n"
        "[keymap]\n"
        '"chat.model" = "f2"\n'
        "\n"
        "[plugins.weather]  # not groq-tui's: another tool reads this table\n"
        'city = "Lyon"\n'
    )
    config_path.write_text(original, encoding="utf-8")
    save_setting("model", "openai/gpt-oss-120b", config_path)
    save_setting("theme", "nord", config_path)
    text = config_path.read_text(encoding="utf-8")
    assert text.startswith("# groq-tui settings, written by hand\n")
    assert 'model = "openai/gpt-oss-120b"  # the fast one\n' in text
    assert "# remaps for the laptop\n[keymap]\n" in text
    assert "[plugins.weather]  # not groq-tui's: another tool reads this table\n" in text
    saved = tomllib.loads(text)
    assert saved["plugins"] == {"weather": {"city": "Lyon"}}
    assert saved["keymap"] == {"chat.model": "f2"}
    assert saved["theme"] == "nord"
    settings = load_settings()
    assert (settings.model, settings.theme) == ("openai/gpt-oss-120b", "nord")


def test_the_key_file_stays_private_through_later_saves(config_path: Path) -> None:
    save_api_key("gsk_private", config_path)
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
    save_setting("theme", "nord", config_path)
    save_setting("keymap", {"chat.model": "f2"}, config_path)
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_path.parent.stat().st_mode) == 0o700
    settings = load_settings()
    assert settings.api_key_value == "gsk_private"
    assert settings.keymap == {"chat.model": "f2"}
