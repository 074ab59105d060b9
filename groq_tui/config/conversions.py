"""A value as written - environment text, a TOML value, a flag - as a setting's type.

The rules are those of pydantic's lax mode, which read the settings until start-up could no
longer afford to import it (0.1-0.25 s before the first frame): whoever wrote
``GROQ_TUI_DICTATION_SEND=yes``, ``max_retries = 5.0`` or ``GROQ_TUI_TIMEOUT= 30`` keeps a
working setting. Each refusal is raised as :class:`Refused` with the phrase the user reads
(``must be a whole number``), so that the problem line says what to write instead.
"""

from __future__ import annotations

import math
import re
from typing import Any

from groq_tui.config.problems import plain


class Refused(ValueError):
    """A value a setting cannot take.

    ``phrase`` says why (``must be text``); ``entry`` is the list index or table key that is
    wrong, or None when the value as a whole is.
    """

    def __init__(self, phrase: str, entry: object = None) -> None:
        super().__init__(phrase)
        self.phrase = phrase
        self.entry = entry


_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})
_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(
    map(chr, range(0x2000, 0x200B))
)
"""Unicode's White_Space, which may surround a number (pydantic-core's trim; Python's
str.strip would also take \\x1c-\\x1f)."""
_WHOLE = re.compile(r"([+-]?[0-9]+(?:_[0-9]+)*)(?:\.0+)?")
"""Whole-number text: ASCII digits, ``_`` between them as Python allows, and a fraction of
zeros only (``5.0``)."""
_NUMBER = re.compile(
    r"[+-]?(?:inf|infinity|nan|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?)", re.IGNORECASE
)
"""Number text: what :func:`float` takes, without its non-ASCII digits and underscores."""

WHOLE = "must be a whole number"
NUMBER = "must be a number"
TRUE_OR_FALSE = "must be true or false"
TEXT = "must be text"


def to_text(value: Any) -> str:
    """Text as given: a number is not text (``model = 5`` is a mistake, not a model)."""
    if isinstance(value, str):
        return value
    raise Refused(TEXT)


def to_bool(value: Any) -> bool:
    """A boolean from true/false, 1/0, yes/no, on/off, t/f or y/n (any case), or 1 and 0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
    elif isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    raise Refused(TRUE_OR_FALSE)


def to_int(value: Any) -> int:
    """A whole number from an int, a float with no fraction or text such as ``" 5 "``."""
    if isinstance(value, int):  # True is 1, as pydantic's lax mode has it
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Refused("must be a finite number")
        if value.is_integer():
            return int(value)
    elif isinstance(value, str) and (match := _WHOLE.fullmatch(value.strip(_SPACE))):
        return int(match[1])
    raise Refused(WHOLE)


def to_float(value: Any) -> float:
    """A number from an int, a float or text such as ``1.5``, ``1e3``, ``1_000`` or ``inf``."""
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        if _NUMBER.fullmatch(text := value.strip(_SPACE)):
            return float(text)
        # pydantic-core's second try: the text as given (not stripped), without underscores
        # if each one is between two other characters.
        text = value.replace("_", "")
        if _underscores_inside(value) and _NUMBER.fullmatch(text):
            return float(text)
    raise Refused(NUMBER)


def _underscores_inside(text: str) -> bool:
    """Whether each ``_`` in ``text`` is between two other characters."""
    return not text.startswith("_") and not text.endswith("_") and "__" not in text


def to_choice(value: Any, choices: tuple[str, ...]) -> str:
    """One of ``choices``, exactly as written there."""
    if isinstance(value, str) and value in choices:
        return value
    quoted = [f"'{choice}'" for choice in choices]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    raise Refused(f"must be {listed}")


def to_text_list(value: Any) -> list[str]:
    """A list of texts; the first item that is not text is the one named."""
    if not isinstance(value, list | tuple):
        raise Refused("must be a list")
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise Refused(TEXT, index)
    return list(value)


def to_text_table(value: Any) -> dict[str, str]:
    """A table of texts by text keys; the first entry that is not text is the one named."""
    if not isinstance(value, dict):
        raise Refused("must be a table")
    for key, item in value.items():
        if not isinstance(key, str):
            raise Refused(TEXT, f"{key}.[key]")
        if not isinstance(item, str):
            raise Refused(TEXT, key)
    return dict(value)


def check_bounds(number: float, *, gt: float | None, ge: float | None, le: float | None) -> None:
    """Refuse ``number`` outside its bounds (NaN is outside every bound)."""
    if le is not None and not number <= le:
        raise Refused(f"must be at most {plain(le)}")
    if ge is not None and not number >= ge:
        raise Refused(f"must be at least {plain(ge)}")
    if gt is not None and not number > gt:
        raise Refused(f"must be greater than {plain(gt)}")
