"""Counts in words: "1 message", "2 messages" (not "1 messages" or "1 reply(ies)")."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` and the noun that agrees with it (``plural`` defaults to ``singular + "s"``)."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"
