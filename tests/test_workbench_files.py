"""The workbench's files: paths as people paste them, and exports that never overwrite."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from textual.widgets import Input

from groq_tui.__main__ import main
from tests.app_support import make_app, wait_for
from tests.loopback import LoopbackServer
from tests.test_workbench import SRT, TRANSCRIPT, audio_requests, open_workbench, run, status, talk


async def test_a_second_export_of_the_same_name_does_not_overwrite(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    """Two files named a.wav (in different folders) exported to SRT: both are kept."""
    for day in ("monday", "tuesday"):
        (tmp_path / day).mkdir()
    first = talk(tmp_path / "monday" / "a.wav", [1.5, 0.5, 2.0])
    second = talk(tmp_path / "tuesday" / "a.wav", [1.0])
    exports = tmp_path / "exports"
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_workbench(pilot, first)
        await run(pilot, screen)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: (exports / "a.srt").exists())
        screen.query_one("#path", Input).value = str(second)
        loopback.transcript_text = "Another day."
        await run(pilot, screen)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: (exports / "a-2.srt").exists())
        await pilot.press("ctrl+s")  # the same one again: a third file
        await wait_for(pilot, lambda: (exports / "a-3.srt").exists())
        await wait_for(pilot, lambda: any("a-3.srt" in n.message for n in app._notifications))
    assert (exports / "a.srt").read_text(encoding="utf-8") == SRT
    assert "Another\n\n2\n" in (exports / "a-2.srt").read_text(encoding="utf-8")
    assert sorted(p.name for p in exports.iterdir()) == ["a-2.srt", "a-3.srt", "a.srt"]


@pytest.mark.parametrize(
    "typed",
    [
        "~/my talk.wav",
        "'{folder}/my talk.wav'",
        '"{folder}/my talk.wav"',
        "file://{folder}/my%20talk.wav",
        "{folder}/my\\ talk.wav",
    ],
    ids=["tilde", "single-quotes", "double-quotes", "file-url", "escaped"],
)
async def test_the_path_field_takes_pasted_paths(
    loopback: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, typed: str
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    talk(home / "my talk.wav", [1.5, 0.5, 2.0])
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_workbench(pilot, None)
        screen.query_one("#path", Input).value = typed.format(folder=home)
        await run(pilot, screen)
        assert status(screen).startswith("Transcribed my talk.wav"), status(screen)
        assert len(audio_requests(loopback)) == 1


def test_the_command_line_takes_a_file_url(
    loopback: LoopbackServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GROQ_API_KEY", "test-key")
    monkeypatch.setenv("GROQ_BASE_URL", loopback.base_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    talk(tmp_path / "my talk.wav", [1.0])
    assert main(["transcribe", f"file://{tmp_path}/my%20talk.wav"]) == 0
    assert capsys.readouterr().out.strip() == TRANSCRIPT
