"""Settings that cannot be used: one line each naming the flag, variable or file key, exit 2
for a command; the app starts anyway, on that setting's default, and says so."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from groq_tui.__main__ import build_app, main
from groq_tui.cli.common import settings_from
from groq_tui.cli.parser import build_parser
from groq_tui.config import config_file
from tests.app_support import ready, wait_for
from tests.loopback import LoopbackServer


def write_config(text: str) -> Path:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def one_line(err: str, *parts: str) -> None:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert all(part in lines[0] for part in parts), err
    assert "pydantic" not in err and "validation error" not in err, err


@pytest.mark.parametrize(
    ("argv", "parts"),
    [
        (["models", "--base-url", "notaurl"], ("--base-url notaurl", "http://", "leave")),
        (["models", "--timeout", "-1"], ("--timeout -1", "greater than 0", "default: 60")),
        (["--timeout", "-1", "models"], ("--timeout -1", "greater than 0")),  # before it too
        (["models", "--max-retries", "99"], ("--max-retries 99", "at most 10", "default: 2")),
    ],
)
def test_a_bad_flag_is_one_line_naming_it(
    capsys: pytest.CaptureFixture[str], argv: list[str], parts: tuple[str, ...]
) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    one_line(err, *parts)


def test_a_bad_environment_variable_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROQ_TUI_TIMEOUT", "abc")
    assert main(["models"]) == 2
    one_line(capsys.readouterr().err, "GROQ_TUI_TIMEOUT=abc", "must be a number", "unset")
    monkeypatch.delenv("GROQ_TUI_TIMEOUT")
    monkeypatch.setenv("GROQ_BASE_URL", "ftp://x")
    assert main(["models"]) == 2
    one_line(capsys.readouterr().err, "GROQ_BASE_URL=ftp://x", "http://")


def test_a_bad_config_key_names_the_file_and_key(capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(
        'model = "m"\nmax_retries = -3\ndictation_language = "German"\n[keymap]\n"chat.new" = 5\n'
    )
    assert main(["models"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3, lines
    for expected in (
        f"{path}: max_retries = -3: must be at least 0; set a valid value, or remove the line "
        "(default: 2)",
        f'{path}: dictation_language = "German": must be a two-letter',
        f'{path}: [keymap] "chat.new" = 5: must be text',
    ):
        assert any(expected in line for line in lines), (expected, lines)


def test_the_api_key_is_never_repeated(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config("api_key = 12345678\n")
    assert main(["models"]) == 2
    err = capsys.readouterr().err
    one_line(err, "api_key", "must be")
    assert "12345678" not in err


def test_the_source_that_won_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flag beats the environment beats the file: the bad value is the winner's."""
    write_config("timeout = -5\n")
    monkeypatch.setenv("GROQ_TUI_TIMEOUT", "0")
    assert main(["models", "--timeout", "-1"]) == 2
    one_line(capsys.readouterr().err, "--timeout -1")
    assert main(["models"]) == 2
    one_line(capsys.readouterr().err, "GROQ_TUI_TIMEOUT=0")


async def test_the_app_starts_on_the_defaults_and_says_why(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(f'base_url = "{loopback.base_url}"\nmax_retries = -3\n')
    monkeypatch.setenv("GROQ_API_KEY", "test-key")
    monkeypatch.setenv("GROQ_TUI_TIMEOUT", "abc")
    args = build_parser().parse_args(["-m", "llama-3.1-8b-instant"])
    settings, problems = settings_from(args, lenient=True)
    app = build_app(args, settings, [str(p) for p in problems])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: len(app._notifications) >= 2)
        messages = [n.message for n in app._notifications]
        assert any(f"{path}: max_retries = -3" in m for m in messages), messages
        assert any("GROQ_TUI_TIMEOUT=abc" in m for m in messages), messages
        assert (app.settings.max_retries, app.settings.timeout) == (2, 60.0)
        assert app.settings.base_url == loopback.base_url  # the good settings are kept
