"""``transcribe``/``translate`` exit 2 when the input must change and nothing was sent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from groq_tui.__main__ import main
from tests.loopback import LoopbackServer


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "missing.wav"


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    return path


def _text(tmp_path: Path) -> Path:
    path = tmp_path / "text.wav"
    path.write_text("this is not audio\n")
    return path


def _directory(tmp_path: Path) -> Path:
    path = tmp_path / "folder.wav"
    path.mkdir()
    return path


@pytest.mark.parametrize("command", ["transcribe", "translate"])
@pytest.mark.parametrize(
    ("make", "says"),
    [
        (_missing, "no such file"),
        (_empty, "empty"),
        (_text, "not readable as audio"),
        (_directory, "is a directory"),
    ],
    ids=["missing", "empty", "text", "directory"],
)
def test_bad_input_exits_2_and_sends_nothing(
    loopback: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    command: str,
    make: Callable[[Path], Path],
    says: str,
) -> None:
    path = make(tmp_path)
    code = main([command, str(path), "--base-url", loopback.base_url, "--api-key", "test-key"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert path.name in err and says in err
    assert len(err.strip().splitlines()) == 1
    assert not [r for r in loopback.requests if "/audio/" in r.path]
