"""Paths as people type and paste them: ~, quotes, backslash escapes and file:// URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from groq_tui.services.typed_path import typed_path

HOME = Path.home()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/home/me/talk.wav", Path("/home/me/talk.wav")),
        ("  /home/me/talk.wav \n", Path("/home/me/talk.wav")),
        ("~/x.wav", HOME / "x.wav"),
        ("'/home/me/my talk.wav'", Path("/home/me/my talk.wav")),
        ('"/home/me/my talk.wav"', Path("/home/me/my talk.wav")),
        ("'~/x.wav'", HOME / "x.wav"),
        ("/home/me/my\\ talk\\ \\(1\\).wav", Path("/home/me/my talk (1).wav")),
        ("file:///home/me/my%20talk%C3%A9.wav", Path("/home/me/my talké.wav")),
        ("file://localhost/tmp/a.wav", Path("/tmp/a.wav")),
        ("'file:///tmp/a%27b.wav'", Path("/tmp/a'b.wav")),
        ("'/home/me/it's.wav", Path("'/home/me/it's.wav")),  # quotes that do not match stay
        ("relative/a.wav", Path("relative/a.wav")),
    ],
)
def test_typed_paths(typed: str, expected: Path) -> None:
    assert typed_path(typed) == expected


@pytest.mark.parametrize(
    ("typed", "reason"),
    [("", "no path"), ("  ", "no path"), ("''", "no path"), ("file://nas/a.wav", "nas")],
)
def test_refused(typed: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        typed_path(typed)
