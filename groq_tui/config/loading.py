"""Reading the settings: each one from the flags, else the environment, else the config file.

pydantic-settings did this until start-up could no longer afford its import (pydantic and
pydantic-settings took 0.1-0.25 s of a 0.5 s budget before the first frame). What it did
is kept, because people's environments and config files rely on it:

- A setting's variable is ``GROQ_TUI_<NAME>``, or the names in its :class:`Rule` (the API
  key is ``GROQ_API_KEY``); names match without regard to case.
- Lists and tables come from the environment as JSON (``null`` is as if unset).
- File keys and flags also match without regard to case, and may use those names too.
- A table (``keymap``) is merged from every source, the higher source winning per key;
  anything else is taken whole from the highest source that gives it.
- Keys, variables and flags that are no setting's are ignored.
- A value that cannot be used is a :class:`SettingProblem` naming where it was written;
  the setting then takes its default (all of it: a table is not half applied).
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from groq_tui.config.conversions import (
    Refused,
    check_bounds,
    to_bool,
    to_choice,
    to_float,
    to_int,
    to_text,
    to_text_list,
    to_text_table,
)
from groq_tui.config.problems import Origin, SettingProblem, describe_problem
from groq_tui.config.secret import Secret

ENV_PREFIX = "GROQ_TUI_"

Kind = Literal["text", "secret", "int", "float", "bool", "choice", "list", "table"]


@dataclass(frozen=True)
class Rule:
    """What a setting takes beyond its type, and where the environment gives it."""

    gt: float | None = None
    """Its number must be greater than this."""
    ge: float | None = None
    """Its number must be at least this."""
    le: float | None = None
    """Its number must be at most this."""
    pattern: str | None = None
    """A regular expression its whole text must match."""
    pattern_phrase: str = "must match the expected form"
    """What to say when the text does not match ``pattern``."""
    blank_is_unset: bool = False
    """Empty or blank text means unset (None), as the app saves "the system default"."""
    tidy: Callable[[str], str] | None = None
    """Tidies the text (after the checks above); a ValueError's message is the problem."""
    names: tuple[str, ...] = ()
    """Variables (and file keys) it is read from, first found first, instead of
    ``GROQ_TUI_<NAME>`` (and its own name)."""


def rule(
    *,
    gt: float | None = None,
    ge: float | None = None,
    le: float | None = None,
    pattern: str | None = None,
    pattern_phrase: str = Rule.pattern_phrase,
    blank_is_unset: bool = False,
    tidy: Callable[[str], str] | None = None,
    names: tuple[str, ...] = (),
) -> Mapping[str, Rule]:
    """A settings field's metadata: ``field(default=2, metadata=rule(ge=0, le=10))``."""
    return {"rule": Rule(gt, ge, le, pattern, pattern_phrase, blank_is_unset, tidy, names)}


@dataclass(frozen=True)
class Spec:
    """One setting as the loader reads it: its type, default and rule."""

    name: str
    kind: Kind
    optional: bool
    choices: tuple[str, ...]
    default: Any
    rule: Rule

    @property
    def keys(self) -> tuple[str, ...]:
        """The file keys and flags it is read from (matched without regard to case)."""
        return self.rule.names or (self.name,)

    @property
    def variables(self) -> tuple[str, ...]:
        """The environment variables it is read from (matched without regard to case)."""
        return self.rule.names or (ENV_PREFIX + self.name.upper(),)


@dataclass(frozen=True)
class Given:
    """A setting's value before it is checked, and where it was written."""

    value: Any
    origin: Origin
    entries: Mapping[object, Origin] | None = None
    """Where each entry of a table merged from several sources was written."""


_SPECS: dict[type[Any], tuple[Spec, ...]] = {}


def specs_of(settings_cls: type[Any]) -> tuple[Spec, ...]:
    """The settings a dataclass declares, in its order, read from its type hints (once)."""
    if (known := _SPECS.get(settings_cls)) is not None:
        return known
    hints = typing.get_type_hints(settings_cls)
    specs = []
    for field in dataclasses.fields(settings_cls):
        kind, optional, choices = _kind_of(hints[field.name])
        if field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        else:
            default = field.default
        specs.append(
            Spec(field.name, kind, optional, choices, default, field.metadata.get("rule", Rule()))
        )
    _SPECS[settings_cls] = tuple(specs)
    return _SPECS[settings_cls]


def _kind_of(hint: Any) -> tuple[Kind, bool, tuple[str, ...]]:
    """A type hint's kind, whether None is allowed, and a Literal's choices."""
    optional = False
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        others = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(others) != 1:
            raise TypeError(f"unsupported settings type: {hint!r}")
        optional, hint = True, others[0]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal and all(isinstance(arg, str) for arg in args):
        return "choice", optional, args
    if origin is list and args == (str,):
        return "list", optional, ()
    if origin is dict and args == (str, str):
        return "table", optional, ()
    simple: dict[Any, Kind] = {
        str: "text",
        Secret: "secret",
        bool: "bool",
        int: "int",
        float: "float",
    }
    if hint in simple:
        return simple[hint], optional, ()
    raise TypeError(f"unsupported settings type: {hint!r}")


def resolve(
    settings_cls: type[Any],
    flags: Mapping[str, Any],
    environ: Mapping[str, str],
    file_values: Mapping[str, Any],
    file_path: Path,
) -> tuple[dict[str, Any], list[SettingProblem]]:
    """The settings' values that the sources give and that can be used, by name, and one
    problem for each setting whose value cannot be (it is left out: it takes its default).

    Args:
        settings_cls: The settings dataclass.
        flags: Values given on the command line (or by code), by setting name.
        environ: The environment.
        file_values: The config file's top-level keys and values.
        file_path: The config file (named in problems).
    """
    specs = specs_of(settings_cls)
    sources = (
        _by_key(specs, flags, "flag"),
        _from_environment(specs, environ),
        _by_key(specs, file_values, "file"),
    )
    values: dict[str, Any] = {}
    problems: list[SettingProblem] = []
    for spec in specs:
        given = _merged(spec, [source[spec.name] for source in sources if spec.name in source])
        if given is None:
            continue
        try:
            values[spec.name] = convert(spec, given.value)
        except Refused as refused:
            origin = given.origin
            if given.entries is not None and refused.entry in given.entries:
                origin = given.entries[refused.entry]
            problem = describe_problem(
                spec.name,
                spec.default,
                origin,
                refused.phrase,
                entry=refused.entry,
                secret=spec.kind == "secret",
                file_path=file_path,
            )
            problems.append(problem)
    return values, problems


def convert(spec: Spec, value: Any) -> Any:
    """``value`` as the setting's type.

    Raises:
        Refused: It cannot be used, and why.
    """
    if isinstance(value, Refused):  # unreadable where it was written (not JSON)
        raise value
    if spec.rule.blank_is_unset and isinstance(value, str) and not value.strip():
        value = None
    if value is None and spec.optional:
        return None
    rule = spec.rule
    match spec.kind:
        case "text" | "secret":
            text = to_text(value)
            if rule.pattern is not None and not re.fullmatch(rule.pattern, text):
                raise Refused(rule.pattern_phrase)
            if rule.tidy is not None:
                try:
                    text = rule.tidy(text)
                except ValueError as exc:
                    raise Refused(str(exc)) from exc
            return Secret(text) if spec.kind == "secret" else text
        case "int" | "float":
            number = to_int(value) if spec.kind == "int" else to_float(value)
            check_bounds(number, gt=rule.gt, ge=rule.ge, le=rule.le)
            return number
        case "bool":
            return to_bool(value)
        case "choice":
            return to_choice(value, spec.choices)
        case "list":
            return to_text_list(value)
        case "table":
            return to_text_table(value)


def _by_key(
    specs: tuple[Spec, ...], values: Mapping[str, Any], kind: Literal["flag", "file"]
) -> dict[str, Given]:
    """The settings ``values`` (flags or the file's keys) give, by setting name.

    A key matches whatever its case; of a setting's names the first one present wins, and
    of keys differing only in case, the first written.
    """
    by_folded: dict[str, list[str]] = {}
    for key in values:
        by_folded.setdefault(key.lower(), []).append(key)
    found: dict[str, Given] = {}
    for spec in specs:
        for name in spec.keys:
            if keys := by_folded.get(name.lower()):
                value = values[keys[0]]
                origin = Origin(kind, spec.name if kind == "flag" else keys[0], value)
                found[spec.name] = Given(value, origin)
                break
    return found


def _from_environment(specs: tuple[Spec, ...], environ: Mapping[str, str]) -> dict[str, Given]:
    """The settings the environment gives, by setting name (lists and tables as JSON).

    A variable matches whatever its case; of variables differing only in case, the last one
    in the environment wins.
    """
    by_folded = {variable.lower(): variable for variable in environ}
    found: dict[str, Given] = {}
    for spec in specs:
        for name in spec.variables:
            if (variable := by_folded.get(name.lower())) is None:
                continue
            text = environ[variable]
            value: Any = text
            if spec.kind in ("list", "table"):
                import json  # only here: start-up does not otherwise import it

                try:
                    value = json.loads(text)
                except ValueError:
                    shape = "a list" if spec.kind == "list" else "a table"
                    value = Refused(f"must be {shape} in JSON")
                if value is None:  # JSON null: as if unset
                    break
            found[spec.name] = Given(value, Origin("variable", variable, text))
            break
    return found


def _merged(spec: Spec, given: list[Given]) -> Given | None:
    """The value of the highest source (``given`` is highest first) - for a table, every
    source's entries, the higher source winning per key."""
    if not given:
        return None
    if spec.kind != "table":
        return given[0]
    merged = given[-1]
    for higher in reversed(given[:-1]):
        if not (isinstance(merged.value, dict) and isinstance(higher.value, dict)):
            merged = higher
            continue
        entries = dict(merged.entries or dict.fromkeys(merged.value, merged.origin))
        entries.update(dict.fromkeys(higher.value, higher.origin))
        merged = Given(_deep_update(merged.value, higher.value), higher.origin, entries)
    return merged


def _deep_update(lower: dict[Any, Any], higher: dict[Any, Any]) -> dict[Any, Any]:
    """``lower`` updated with ``higher``, tables within both merged alike."""
    result = dict(lower)
    for key, value in higher.items():
        if isinstance(result.get(key), dict) and isinstance(value, dict):
            result[key] = _deep_update(result[key], value)
        else:
            result[key] = value
    return result
