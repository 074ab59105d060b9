"""Parsing what was typed into a form field, with one message naming what is wrong."""

from __future__ import annotations

from groq_tui.services.types import is_language_code


def parse_temperature(text: str) -> float | None:
    """An audio temperature field: blank for the server's default, else 0-1; raises
    ValueError."""
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"temperature must be a number between 0 and 1, not {text!r}") from None
    if not 0 <= value <= 1:
        raise ValueError(f"temperature must be between 0 and 1, not {text}")
    return value


def parse_language(text: str) -> str | None:
    """A language field: blank to let the service detect it, else an ISO-639-1 code;
    raises ValueError."""
    code = text.strip().lower()
    if not code:
        return None
    if not is_language_code(code):
        raise ValueError(
            f"language must be a two-letter code (ISO-639-1) such as en or de, not {text.strip()!r}"
        )
    return code
