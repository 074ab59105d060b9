"""Counts agree with their nouns."""

from __future__ import annotations

from groq_tui.domain.wording import counted


def test_counts_agree() -> None:
    assert counted(1, "message") == "1 message"
    assert counted(2, "message") == "2 messages"
    assert counted(0, "message") == "0 messages"
    assert counted(1, "reply", "replies") == "1 reply"
    assert counted(3, "reply", "replies") == "3 replies"
