"""The user's key remaps (``[keymap]`` in the config file), checked before they are used.

Textual applies whatever keymap it is given: an unknown binding id is dropped without a
word, and an unknown key name is bound as written, so the footer shows ``notakey New`` and
the old key stops working. Here every entry is checked first: one with an unknown id or key
is reported, naming the file and the entry, and left out, so the default binding stays.

The binding ids are collected from the code itself (every screen and widget in
``groq_tui.ui``, and the app), which is also what the README's list is generated from.
"""

from __future__ import annotations

import asyncio
import importlib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import KEY_NAME_REPLACEMENTS, KEY_TO_UNICODE_NAME, Keys

MODIFIERS = ("ctrl", "alt", "shift", "meta", "super", "hyper")
"""The modifiers a key can carry, as Textual names them."""

_NAMED_KEYS = frozenset(
    key.value for key in Keys if "+" not in key.value and not key.value.startswith(("<", "ctrl"))
) | frozenset(KEY_NAME_REPLACEMENTS.values())
"""Keys with a name of their own: escape, f7, pageup, space, slash..."""

KEY_EXAMPLES = "ctrl+n, f7, escape, pageup, shift+tab, comma, a"


def key_problem(key: str) -> str | None:
    """Why ``key`` (one key, as Textual writes it: ``ctrl+shift+f7``) cannot be bound, or
    None when it can."""
    if not key:
        return "no key is given"
    *modifiers, name = key.split("+")
    unknown = [m for m in modifiers if m not in MODIFIERS]
    if unknown:
        return f"{unknown[0]!r} in {key!r} is not a modifier ({', '.join(MODIFIERS)})"
    if len(name) == 1 or name in _NAMED_KEYS or name in KEY_TO_UNICODE_NAME:
        return None
    try:
        unicodedata.lookup(name.replace("_", " ").upper())  # comma, full_stop, digit_one...
    except KeyError:
        return f"{name!r} is not a key name (keys look like {KEY_EXAMPLES})"
    return None


@dataclass(frozen=True)
class BindingInfo:
    """A remappable binding: its id, default keys, what it does and where it is."""

    id: str
    keys: str
    description: str
    where: str
    """The screen or widget (or the app) the binding belongs to."""


def _ui_classes() -> Iterator[type[DOMNode]]:
    """Every screen and widget class groq-tui defines (its modules are imported first)."""
    root = Path(__file__).resolve().parent  # groq_tui/ui (screens/ has no __init__.py)
    for source in sorted(root.rglob("*.py")):
        parts = source.relative_to(root).with_suffix("").parts
        if parts[-1] != "__init__":
            importlib.import_module(".".join(("groq_tui.ui", *parts)))
    seen: set[type[DOMNode]] = set()
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        cls = pending.pop()
        for subclass in cls.__subclasses__():
            if subclass not in seen:
                seen.add(subclass)
                pending.append(subclass)
    yield from sorted(
        (c for c in seen if c.__module__.startswith("groq_tui.")), key=lambda c: c.__qualname__
    )


def remappable_bindings(app_class: type[App[Any]]) -> list[BindingInfo]:
    """Every binding with an id: the app's (``app_class``) and those of every screen and
    widget in ``groq_tui.ui``; sorted by id."""
    found: dict[str, BindingInfo] = {}
    for cls in [app_class, *_ui_classes()]:
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id and binding.id not in found:
                found[binding.id] = BindingInfo(
                    binding.id, binding.key, binding.description, cls.__name__
                )
    return sorted(found.values(), key=lambda b: b.id)


def bindings_table(bindings: Iterable[BindingInfo]) -> str:
    """The bindings as the README's Markdown table."""
    lines = ["| binding id | default keys | what it does | where |", "|---|---|---|---|"]
    for b in bindings:
        keys = ", ".join(f"`{key}`" for key in b.keys.split(","))
        lines.append(f"| `{b.id}` | {keys} | {b.description} | {b.where} |")
    return "\n".join(lines) + "\n"


def _entry(binding_id: str, keys: str) -> str:
    return f'[keymap] "{binding_id}" = "{keys}"'


def keymap_key_problems(keymap: Mapping[str, str], source: Path) -> dict[str, str]:
    """Each entry whose keys cannot be bound, with what to tell the user."""
    problems: dict[str, str] = {}
    for binding_id, keys in keymap.items():
        for key in (k.strip() for k in keys.split(",")):
            problem = key_problem(key)
            if problem is not None:
                problems[binding_id] = (
                    f"{source}: {_entry(binding_id, keys)}: {problem}; the entry is ignored "
                    "(the default key stays)"
                )
                break
    return problems


def keymap_id_problems(
    keymap: Mapping[str, str], known: Iterable[str], source: Path
) -> dict[str, str]:
    """Each entry whose binding id is not one of ``known``, with what to tell the user."""
    ids = set(known)
    return {
        binding_id: f"{source}: {_entry(binding_id, keys)}: no binding has the id "
        f"{binding_id!r} (the README lists them); the entry is ignored"
        for binding_id, keys in keymap.items()
        if binding_id not in ids
    }


def apply_keymap(app: App[Any], keymap: dict[str, str], source: Path) -> dict[str, str]:
    """Apply the entries of ``keymap`` whose keys can be bound; report the others.

    Unknown binding ids are looked for after the first frame (collecting the ids imports
    every screen), and reported then; Textual never uses them meanwhile.

    Returns:
        The keymap in force: ``keymap`` without the entries whose keys are bad.
    """
    bad_keys = keymap_key_problems(keymap, source)
    usable = {k: v for k, v in keymap.items() if k not in bad_keys}
    app.set_keymap(usable)
    for message in bad_keys.values():
        app.notify(message, title="Key remap ignored", severity="warning", timeout=20)

    async def check_ids() -> None:
        bindings = await asyncio.to_thread(remappable_bindings, type(app))
        for message in keymap_id_problems(usable, (b.id for b in bindings), source).values():
            app.notify(message, title="Key remap ignored", severity="warning", timeout=20)

    if usable:
        app.run_worker(check_ids(), group="keymap")
    return usable
