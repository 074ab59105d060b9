"""What the command line says: the words match the flags, arguments and settings it has."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from groq_tui.__main__ import main
from tests.loopback import LoopbackServer


@pytest.fixture
def env(loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> LoopbackServer:
    monkeypatch.setenv("GROQ_API_KEY", "test-key")
    monkeypatch.setenv("GROQ_BASE_URL", loopback.base_url)
    monkeypatch.setenv("GROQ_TUI_MAX_RETRIES", "0")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    return loopback


@pytest.mark.parametrize("command", [["chat"], ["compare", "-m", "a", "-m", "b"]])
def test_an_empty_prompt_names_no_flag_the_command_lacks(
    env: LoopbackServer, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert main([*command, "   "]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "groq-tui: the prompt is empty: give some text to send\n"
    assert env.requests == []


def test_compare_with_every_model_failing_prints_no_empty_table(
    env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", "-m", "nosuch-a", "-m", "nosuch-b", "hello"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "groq-tui: nosuch-a: " in err and "groq-tui: nosuch-b: " in err


def test_the_engine_names_the_setting_and_flag_the_readme_gives(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    speech = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(speech), "Open the window please"], check=True)
    assert main(["transcribe", "--local", str(speech), "--language", "de"]) == 1
    err = capsys.readouterr().err
    assert "local_whisper" in err and "--whisper" in err and "whisper_path" not in err, err
