"""Settings that cannot be used, each said in one line: where the value came from, what is
wrong with it and what to do.

Pydantic's own report is several lines per error, names the setting by whichever alias it
was read under, and ends in a documentation URL; the user needs to know which flag,
environment variable or config file key to fix. The value is quoted, except the API key's.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

SECRET_SETTINGS = frozenset({"api_key"})
"""Settings whose value is never repeated back."""


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


def describe_problems(
    error: ValidationError,
    fields: Mapping[str, FieldInfo],
    flags: Mapping[str, Any],
    file_values: Mapping[str, Any],
    file_path: Path,
) -> list[SettingProblem]:
    """One problem per setting named in ``error``, with the source its value came from.

    Args:
        error: What pydantic refused.
        fields: The settings' fields, by name.
        flags: The values given on the command line, by setting name.
        file_values: The config file's top-level keys and values.
        file_path: The config file.
    """
    problems: dict[str, SettingProblem] = {}
    for detail in error.errors():
        name = _setting_named(str(detail["loc"][0]), fields) if detail["loc"] else None
        if name is None:  # not one setting's value: said as pydantic says it, on one line
            where = ".".join(str(part) for part in detail["loc"]) or "settings"
            problems[where] = SettingProblem(where, where, _what_is_wrong(detail, where), "fix it")
        elif name not in problems:
            problems[name] = _problem(name, fields[name], detail, flags, file_values, file_path)
    return list(problems.values())


def _problem(
    name: str,
    field: FieldInfo,
    detail: ErrorDetails,
    flags: Mapping[str, Any],
    file_values: Mapping[str, Any],
    file_path: Path,
) -> SettingProblem:
    """The problem with one setting, named by the source that won: flag, variable, file."""
    what = _what_is_wrong(detail, name)
    secret = name in SECRET_SETTINGS
    default = f" (default: {_default_text(field.get_default(call_default_factory=True))})"
    if name in flags:
        flag = "--" + name.replace("_", "-")
        source = flag if secret else f"{flag} {_show(flags[name])}"
        remedy = f"give a valid value, or leave {flag} out"
    elif (variable := _environment_variable(name, field)) is not None:
        source = variable if secret else f"{variable}={os.environ.get(variable, '')}"
        remedy = f"set a valid value, or unset {variable}"
    elif name in file_values:
        value = file_values[name]
        remedy = "set a valid value, or remove the line"
        if secret:
            source = f"{file_path}: {name} = ..."
        elif isinstance(value, dict):  # a table: the entry that is wrong
            key = str(detail["loc"][1]) if len(detail["loc"]) > 1 else ""
            source = f'{file_path}: [{name}] "{key}" = {_toml(value.get(key))}'
            what = what.removeprefix(f"{key} ")
            default = f" (until then the whole [{name}] table is left out)"
        else:
            source = f"{file_path}: {name} = {_toml(value)}"
    else:
        source, remedy = name, "set a valid value"
    return SettingProblem(name, source, what, remedy + ("" if secret else default))


def environment_names(name: str, field: FieldInfo) -> list[str]:
    """The environment variables a setting is read from, in pydantic-settings' order."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [choice for choice in alias.choices if isinstance(choice, str)]
    if isinstance(alias, str):
        return [alias]
    return [f"GROQ_TUI_{name}".upper()]


def _environment_variable(name: str, field: FieldInfo) -> str | None:
    """The variable that set ``name`` (names are matched without regard to case, as
    pydantic-settings does), or None."""
    present = {key.upper(): key for key in os.environ}
    for candidate in environment_names(name, field):
        if candidate.upper() in present:
            return present[candidate.upper()]
    return None


def _setting_named(loc: str, fields: Mapping[str, FieldInfo]) -> str | None:
    """The setting an error's location names (pydantic names it by the alias it read)."""
    if loc in fields:
        return loc
    for name, field in fields.items():
        if loc in environment_names(name, field):
            return name
    return None


def _what_is_wrong(detail: ErrorDetails, name: str) -> str:
    """Pydantic's complaint as a short phrase, without its jargon."""
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    bounds = {
        "greater_than": "must be greater than {gt}",
        "greater_than_equal": "must be at least {ge}",
        "less_than": "must be less than {lt}",
        "less_than_equal": "must be at most {le}",
    }
    if kind in bounds:
        return bounds[kind].format(**{key: _plain(bound) for key, bound in ctx.items()})
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        return "must be a whole number" if kind.startswith("int") else "must be a number"
    if kind in ("bool_parsing", "bool_type"):
        return "must be true or false"
    if kind == "string_pattern_mismatch" and name == "dictation_language":
        return "must be a two-letter ISO-639-1 code such as en"
    if kind == "string_type":
        where = ".".join(str(part) for part in detail["loc"][1:])
        return f"{where} must be text" if where else "must be text"
    if kind in ("list_type", "dict_type"):
        return "must be a list" if kind == "list_type" else "must be a table"
    if kind == "value_error":
        return str(detail["msg"]).removeprefix("Value error, ")
    return str(detail["msg"]).replace("Input should", "must")


def _plain(value: Any) -> str:
    """A number as a person writes it (60, not 60.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _show(value: Any) -> str:
    return value if isinstance(value, str) else _plain(value)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, int | float):
        return _plain(value)
    return repr(value)


def _default_text(default: Any) -> str:
    if default is None:
        return "unset"
    if isinstance(default, dict | list) and not default:
        return "empty"
    return _toml(default)


class SourceWithout(PydanticBaseSettingsSource):
    """A settings source with some settings left out, so that they take their defaults.

    (Passing a default as an argument does not do it: pydantic-settings merges a table
    such as ``keymap`` from every source instead of replacing it.)
    """

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        source: PydanticBaseSettingsSource,
        names: frozenset[str],
    ) -> None:
        super().__init__(settings_cls)
        self._source = source
        fields = settings_cls.model_fields
        self._keys = {
            key.lower() for name in names for key in (name, *environment_names(name, fields[name]))
        }

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ does the work

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._source().items() if k.lower() not in self._keys}
