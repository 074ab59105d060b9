"""How settings are read from each source: what the loader accepts, converts and refuses.

tests/test_settings.py pins precedence and storage, tests/test_settings_problems.py the
wording of a refusal; these pin the conversions a person relies on when writing a value in
the environment or the config file (``GROQ_TUI_DICTATION_SEND=yes``, ``max_retries = 5.0``),
and that loading them stays cheap: start-up does it before the first frame.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from groq_tui.config import (
    Secret,
    Settings,
    config_file,
    load_settings,
    load_settings_leniently,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "conf" / "config.toml"
    path.parent.mkdir(parents=True)
    monkeypatch.setenv("GROQ_TUI_CONFIG", str(path))
    return path


def problems_with(**overrides: Any) -> list[str]:
    """The problems a lenient load reports, as the user reads them."""
    return [str(problem) for problem in load_settings_leniently(**overrides)[1]]


# -- the environment ---------------------------------------------------------------------------


def test_environment_names_match_without_regard_to_case(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("groq_tui_timeout", "5")
    monkeypatch.setenv("Groq_Tui_Model", "mixed-case")
    monkeypatch.setenv("groq_api_key", "lower-key")
    settings = load_settings()
    assert (settings.timeout, settings.model) == (5.0, "mixed-case")
    assert settings.api_key_value == "lower-key"


def test_groq_api_key_and_groq_base_url_are_read_without_the_prefix(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROQ_API_KEY", "env-key")
    monkeypatch.setenv("GROQ_BASE_URL", "http://env.example/v1/")
    monkeypatch.setenv("GROQ_TUI_API_KEY", "not-this-one")  # the key has no prefixed name
    settings = load_settings()
    assert settings.api_key_value == "env-key"
    assert settings.base_url == "http://env.example/v1"


def test_lists_and_tables_come_from_the_environment_as_json(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROQ_TUI_LOCAL_GGUF", '["a.gguf", "mine=b.gguf"]')
    monkeypatch.setenv("GROQ_TUI_KEYMAP", '{"chat.model": "f2"}')
    settings = load_settings()
    assert settings.local_gguf == ["a.gguf", "mine=b.gguf"]
    assert settings.keymap == {"chat.model": "f2"}


def test_a_json_table_with_a_bad_entry_names_the_variable(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROQ_TUI_KEYMAP", '{"chat.new": 3}')
    assert problems_with() == [
        'GROQ_TUI_KEYMAP={"chat.new": 3}: chat.new must be text; set a valid value, or unset '
        "GROQ_TUI_KEYMAP (default: empty)"
    ]
    monkeypatch.setenv("GROQ_TUI_KEYMAP", "[1]")
    assert problems_with() == [
        "GROQ_TUI_KEYMAP=[1]: must be a table; set a valid value, or unset GROQ_TUI_KEYMAP "
        "(default: empty)"
    ]


def test_a_list_or_table_that_is_not_json_is_one_line_not_a_crash(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (pydantic-settings raised its own SettingsError here: a traceback, not a line.)
    monkeypatch.setenv("GROQ_TUI_LOCAL_GGUF", "one.gguf")
    monkeypatch.setenv("GROQ_TUI_KEYMAP", "chat.model=f2")
    settings, problems = load_settings_leniently()
    assert (settings.local_gguf, settings.keymap) == ([], {})
    assert [str(problem) for problem in problems] == [
        "GROQ_TUI_KEYMAP=chat.model=f2: must be a table in JSON; set a valid value, or unset "
        "GROQ_TUI_KEYMAP (default: empty)",
        "GROQ_TUI_LOCAL_GGUF=one.gguf: must be a list in JSON; set a valid value, or unset "
        "GROQ_TUI_LOCAL_GGUF (default: empty)",
    ]


def test_json_null_is_as_if_the_variable_were_unset(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_path.write_text('local_gguf = ["file.gguf"]\n', encoding="utf-8")
    monkeypatch.setenv("GROQ_TUI_LOCAL_GGUF", "null")
    assert load_settings().local_gguf == ["file.gguf"]


# -- tables merge, everything else is replaced -------------------------------------------------


def test_keymap_entries_merge_across_sources_the_higher_winning_per_key(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_path.write_text(
        '[keymap]\n"a" = "file-a"\n"b" = "file-b"\n"c" = "file-c"\n', encoding="utf-8"
    )
    monkeypatch.setenv("GROQ_TUI_KEYMAP", '{"b": "env-b", "c": "env-c", "d": "env-d"}')
    settings = load_settings(keymap={"c": "flag-c"})
    assert settings.keymap == {"a": "file-a", "b": "env-b", "c": "flag-c", "d": "env-d"}


def test_a_list_from_a_higher_source_replaces_the_lower_one(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_path.write_text('local_gguf = ["file.gguf"]\n', encoding="utf-8")
    monkeypatch.setenv("GROQ_TUI_LOCAL_GGUF", '["env.gguf"]')
    assert load_settings().local_gguf == ["env.gguf"]


def test_one_bad_keymap_entry_leaves_out_the_whole_table_and_nothing_else(
    config_path: Path,
) -> None:
    config_path.write_text(
        'model = "kept"\n[keymap]\n"chat.model" = "f2"\n"chat.new" = 5\n', encoding="utf-8"
    )
    settings, problems = load_settings_leniently()
    assert settings.keymap == {}
    assert settings.model == "kept"
    assert [problem.name for problem in problems] == ["keymap"]
    assert str(problems[0]) == (
        f'{config_path}: [keymap] "chat.new" = 5: must be text; set a valid value, or remove '
        "the line (until then the whole [keymap] table is left out)"
    )


def test_a_bad_keymap_entry_is_named_where_it_was_written(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (The merged table used to be blamed on the highest source that gave part of it.)
    config_path.write_text('[keymap]\n"chat.new" = 5\n', encoding="utf-8")
    monkeypatch.setenv("GROQ_TUI_KEYMAP", '{"chat.model": "f2"}')
    assert problems_with() == [
        f'{config_path}: [keymap] "chat.new" = 5: must be text; set a valid value, or remove '
        "the line (until then the whole [keymap] table is left out)"
    ]


def test_a_table_given_for_a_plain_setting_is_quoted_as_written(config_path: Path) -> None:
    config_path.write_text("[timeout]\nconnect = 5\n", encoding="utf-8")
    assert problems_with() == [
        f"{config_path}: timeout = {{'connect': 5}}: must be a number; set a valid value, or "
        "remove the line (default: 60)"
    ]


def test_file_keys_match_without_regard_to_case_and_are_quoted_as_written(
    config_path: Path,
) -> None:
    config_path.write_text("Timeout = 5\n", encoding="utf-8")
    assert load_settings().timeout == 5.0
    config_path.write_text("TIMEOUT = -5\n", encoding="utf-8")
    assert problems_with() == [
        f"{config_path}: TIMEOUT = -5: must be greater than 0; set a valid value, or remove "
        "the line (default: 60)"
    ]


# -- conversions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *((word, True) for word in ("true", "True", "1", "yes", "YES", "on", "t", "y")),
        *((word, False) for word in ("false", "FALSE", "0", "no", "Off", "f", "n")),
    ],
)
def test_true_or_false_from_the_words_people_write(
    config_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: bool
) -> None:
    monkeypatch.setenv("GROQ_TUI_DICTATION_SEND", text)
    monkeypatch.setenv("GROQ_TUI_VOICE_BARGE_IN", text)
    settings = load_settings()
    assert settings.dictation_send is expected
    assert settings.voice_barge_in is expected


@pytest.mark.parametrize("text", ["2", "maybe", " true", ""])
def test_other_words_are_not_true_or_false(
    config_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setenv("GROQ_TUI_AUTO_READ", text)
    assert problems_with() == [
        f"GROQ_TUI_AUTO_READ={text}: must be true or false; set a valid value, or unset "
        "GROQ_TUI_AUTO_READ (default: false)"
    ]


def test_true_or_false_in_the_file(config_path: Path) -> None:
    config_path.write_text('auto_read = "yes"\ndictation_send = 1\n', encoding="utf-8")
    settings = load_settings()
    assert (settings.auto_read, settings.dictation_send) == (True, True)
    config_path.write_text("auto_read = 2\n", encoding="utf-8")
    assert problems_with() == [
        f"{config_path}: auto_read = 2: must be true or false; set a valid value, or remove "
        "the line (default: false)"
    ]


@pytest.mark.parametrize(("text", "expected"), [("5", 5), (" 7 ", 7), ("5.0", 5), ("+3", 3)])
def test_whole_numbers_from_the_environment(
    config_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: int
) -> None:
    monkeypatch.setenv("GROQ_TUI_MAX_RETRIES", text)
    settings = load_settings()
    assert settings.max_retries == expected
    assert type(settings.max_retries) is int


@pytest.mark.parametrize(("line", "expected"), [("max_retries = 5.0", 5), ('max_retries = "4"', 4)])
def test_whole_numbers_from_the_file(config_path: Path, line: str, expected: int) -> None:
    config_path.write_text(line + "\n", encoding="utf-8")
    settings = load_settings()
    assert settings.max_retries == expected
    assert type(settings.max_retries) is int


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("max_retries = 5.5", "must be a whole number"),
        ('max_retries = "5.5"', "must be a whole number"),
        ('max_retries = "abc"', "must be a whole number"),
        ("max_retries = [1]", "must be a whole number"),
        ("max_retries = inf", "must be a finite number"),
        ('timeout = "abc"', "must be a number"),
        ("timeout = [1]", "must be a number"),
        ("timeout = nan", "must be greater than 0"),
        ("max_upload_mb = 0", "must be greater than 0"),
        ("speech_speed = 0.4", "must be at least 0.5"),
        ("speech_speed = 5.01", "must be at most 5"),
        ("model = 5", "must be text"),
        ('local_gguf = "one.gguf"', "must be a list"),
        ('keymap = "f2"', "must be a table"),
        ('thinking_display = "Show"', "must be 'show', 'collapse' or 'hide'"),
    ],
)
def test_values_the_file_cannot_give(config_path: Path, line: str, problem: str) -> None:
    config_path.write_text(line + "\n", encoding="utf-8")
    (message,) = problems_with()
    assert message.startswith(f"{config_path}: {line}: {problem}; "), message


def test_numbers_from_the_environment_and_the_file(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_path.write_text("max_upload_mb = 100\nspeech_speed = 2\n", encoding="utf-8")
    monkeypatch.setenv("GROQ_TUI_TIMEOUT", "1.5")
    settings = load_settings()
    assert (settings.timeout, settings.max_upload_mb, settings.speech_speed) == (1.5, 100, 2)
    assert all(
        type(value) is float
        for value in (settings.timeout, settings.max_upload_mb, settings.speech_speed)
    )


def test_a_flag_is_converted_like_the_environment(config_path: Path) -> None:
    settings = load_settings(max_retries="3", timeout="2.5")
    assert (settings.max_retries, settings.timeout) == (3, 2.5)
    assert problems_with(timeout=-1.0) == [
        "--timeout -1: must be greater than 0; give a valid value, or leave --timeout out "
        "(default: 60)"
    ]


# -- text --------------------------------------------------------------------------------------


def test_blank_text_is_unset_where_unset_means_the_system_default(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_path.write_text(
        'audio_device = ""\noutput_device = "  "\ndictation_prompt = ""\ntheme = ""\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("GROQ_TUI_DICTATION_LANGUAGE", " ")
    settings = load_settings()
    assert settings.audio_device is None
    assert settings.output_device is None
    assert settings.dictation_prompt is None
    assert settings.dictation_language is None
    assert settings.theme == ""  # not a device or a language: kept as given


def test_text_is_otherwise_kept_as_written(config_path: Path) -> None:
    config_path.write_text('dictation_prompt = " Groq, Llama "\n', encoding="utf-8")
    assert load_settings().dictation_prompt == " Groq, Llama "


@pytest.mark.parametrize("text", ["EN", "eng", " en", "en\n"])
def test_a_language_is_two_lowercase_letters_and_nothing_else(
    config_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setenv("GROQ_TUI_DICTATION_LANGUAGE", text)
    (message,) = problems_with()
    assert "must be a two-letter ISO-639-1 code such as en" in message


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (" http://h.example/v1/ ", "http://h.example/v1"),
        ("https://h.example//", "https://h.example"),
    ],
)
def test_the_base_url_loses_spaces_and_trailing_slashes(
    config_path: Path, given: str, expected: str
) -> None:
    assert load_settings(base_url=given).base_url == expected


@pytest.mark.parametrize("given", ["HTTP://h.example", "h.example", ""])
def test_the_base_url_needs_its_scheme(config_path: Path, given: str) -> None:
    (message,) = problems_with(base_url=given)
    assert "must start with http:// or https://" in message


def test_a_blank_key_is_no_key(config_path: Path) -> None:
    config_path.write_text('api_key = ""\n', encoding="utf-8")
    assert load_settings().api_key_value is None


def test_a_bad_key_is_named_but_never_repeated(config_path: Path) -> None:
    assert problems_with(api_key=12345678) == [
        "--api-key: must be text; give a valid value, or leave --api-key out"
    ]


# -- what is ignored ---------------------------------------------------------------------------


def test_unknown_keys_variables_and_arguments_are_ignored(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_path.write_text(
        'model = "m"\nno_such_setting = 1\n[plugins.weather]\ncity = "Lyon"\n', encoding="utf-8"
    )
    monkeypatch.setenv("GROQ_TUI_NO_SUCH_SETTING", "x")
    settings, problems = load_settings_leniently(no_such_flag=3)
    assert (settings.model, problems) == ("m", [])
    assert not hasattr(settings, "no_such_setting")


def test_several_problems_one_each_in_the_settings_order(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_path.write_text("speech_speed = 9\ntimeout = 0\nmax_retries = -1\n", encoding="utf-8")
    monkeypatch.setenv("GROQ_TUI_AUTO_READ", "perhaps")
    settings, problems = load_settings_leniently()
    assert [problem.name for problem in problems] == [
        "max_retries",
        "timeout",
        "speech_speed",
        "auto_read",
    ]
    assert (settings.max_retries, settings.timeout, settings.speech_speed) == (2, 60.0, 1.0)


# -- the settings object -----------------------------------------------------------------------


def test_settings_are_the_defaults_until_loaded(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROQ_TUI_MODEL", "from-the-environment")
    assert Settings().model == "llama-3.3-70b-versatile"
    assert load_settings().model == "from-the-environment"


def test_a_changed_copy_keeps_the_key_hidden(config_path: Path) -> None:
    settings = load_settings(api_key="gsk_original")
    local = dataclasses.replace(settings, api_key=Secret("gsk_engine"), model="local")
    assert (local.api_key_value, local.model, settings.model) == (
        "gsk_engine",
        "local",
        "llama-3.3-70b-versatile",
    )
    assert "gsk_" not in repr(local) and "gsk_" not in str(local)
    assert repr(local.api_key) == "Secret('**********')"
    assert local.api_key == Secret("gsk_engine") != Secret("other")


def test_an_unknown_setting_cannot_be_assigned(config_path: Path) -> None:
    settings = load_settings()
    settings.theme = "nord"  # the app does this when the user picks one
    with pytest.raises(AttributeError):
        settings.thme = "nord"  # type: ignore[attr-defined]


# -- the cost of loading -----------------------------------------------------------------------


def test_loading_the_settings_imports_no_validation_or_toml_editing_library(
    tmp_path: Path,
) -> None:
    """Start-up imports the config package before its first frame: pydantic (and
    pydantic-settings) would cost it 0.1-0.25 s, tomlkit is only needed to save."""
    path = tmp_path / "config.toml"
    path.write_text(
        'model = "m"\nlocal_gguf = ["a.gguf"]\nmax_retries = -1\n[keymap]\n"chat.model" = "f2"\n',
        encoding="utf-8",
    )
    code = (
        "import sys, json, groq_tui.config as config\n"
        "settings, problems = config.load_settings_leniently(timeout=5.0)\n"
        "assert settings.keymap == {'chat.model': 'f2', 'chat.new': 'f3'}, settings.keymap\n"
        "assert [p.name for p in problems] == ['max_retries'], problems\n"
        "heavy = ('pydantic', 'pydantic_core', 'pydantic_settings', 'tomlkit')\n"
        "print(json.dumps([name for name in heavy if name in sys.modules]))\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GROQ_TUI_CONFIG": str(path),
        "GROQ_TUI_KEYMAP": '{"chat.new": "f3"}',
        "GROQ_API_KEY": "test-key",
    }
    result = subprocess.run(  # in ROOT: "-c" puts the working directory first on the path
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_the_config_file_is_the_one_the_loader_reads(config_path: Path) -> None:
    assert config_file() == config_path
    config_path.write_text('model = "from-the-file"\n', encoding="utf-8")
    assert load_settings().model == "from-the-file"
