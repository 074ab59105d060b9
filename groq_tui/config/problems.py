"""Settings that cannot be used, each said in one line: where the value came from, what is
wrong with it and what to do.

The user needs to know which flag, environment variable or config file key to fix, so the
line names the one the value was read from, quoted as it was written there. The value is
repeated, except the API key's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal


@dataclass(frozen=True)
class SettingProblem:
    """One setting whose value cannot be used."""

    name: str
    """The setting (the config file's key)."""
    source: str
    """Where the value came from, as the user wrote it: ``--timeout -1``,
    ``GROQ_TUI_TIMEOUT=abc`` or ``config.toml: max_retries = -3``."""
    problem: str
    """What is wrong with it: ``must be greater than 0``."""
    remedy: str
    """What to do: ``give a valid value, or leave the flag out (default: 60.0)``."""

    def __str__(self) -> str:
        return f"{self.source}: {self.problem}; {self.remedy}"


class InvalidSettings(ValueError):
    """Some settings have values that cannot be used (one :class:`SettingProblem` each)."""

    def __init__(self, problems: list[SettingProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Origin:
    """Where a value was written: a flag, an environment variable or a config file key."""

    kind: Literal["flag", "variable", "file"]
    key: str
    """The setting a flag sets, the variable as it is spelt in the environment, or the key
    in the config file."""
    written: Any
    """The value as given there: the flag's, the variable's text, the file's TOML value."""


def describe_problem(
    name: str,
    default: Any,
    origin: Origin,
    what: str,
    *,
    entry: object = None,
    secret: bool = False,
    file_path: Path,
) -> SettingProblem:
    """The problem with one setting, named by where its value was written.

    Args:
        name: The setting.
        default: What it takes instead (said in the remedy, unless ``secret``).
        origin: Where the refused value was written.
        what: What is wrong with it (``must be text``), without the entry.
        entry: The list index or table key that is wrong; None: the whole value.
        secret: The value is never repeated (the API key).
        file_path: The config file.
    """
    default_text = f" (default: {_default_text(default)})"
    if entry is not None:
        what = f"{entry} {what}"
    if origin.kind == "flag":
        flag = "--" + name.replace("_", "-")
        source = flag if secret else f"{flag} {_show(origin.written)}"
        remedy = f"give a valid value, or leave {flag} out"
    elif origin.kind == "variable":
        source = origin.key if secret else f"{origin.key}={origin.written}"
        remedy = f"set a valid value, or unset {origin.key}"
    else:
        remedy = "set a valid value, or remove the line"
        if secret:
            source = f"{file_path}: {origin.key} = ..."
        elif entry is not None and isinstance(origin.written, dict):  # a table's entry
            source = f'{file_path}: [{origin.key}] "{entry}" = {_toml(origin.written.get(entry))}'
            what = what.removeprefix(f"{entry} ")
            default_text = f" (until then the whole [{origin.key}] table is left out)"
        else:
            source = f"{file_path}: {origin.key} = {_toml(origin.written)}"
    return SettingProblem(name, source, what, remedy + ("" if secret else default_text))


def plain(value: Any) -> str:
    """A number as a person writes it (60, not 60.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _show(value: Any) -> str:
    return value if isinstance(value, str) else plain(value)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, int | float):
        return plain(value)
    return repr(value)


def _default_text(default: Any) -> str:
    if default is None:
        return "unset"
    if isinstance(default, dict | list) and not default:
        return "empty"
    return _toml(default)
