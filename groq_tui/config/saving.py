"""Saving settings into the config file the user may also edit by hand.

A save changes one key and keeps everything else as it was: comments, formatting, key
order and tables groq-tui does not know (tomlkit edits the document, it does not rebuild
it). Saves are serialised - across threads by a lock, across processes by an advisory
lock on the file's directory - so two saves at once cannot lose each other's key. The
new text goes to a unique temporary file in the same directory (created 0600: the file
may hold the API key), is flushed to disk, and then replaces the old file in one step: a
reader sees the old file or the new one, never half of one.

tomlkit is imported by the functions that save: loading the settings (before the app's
first frame) does not need it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from groq_tui.config.paths import config_file

if TYPE_CHECKING:
    from tomlkit.toml_document import TOMLDocument

if sys.platform != "win32":
    import fcntl

_SAVING = threading.Lock()
"""Held by the thread that is saving: reading, changing and replacing is one step."""


def save_api_key(key: str, path: Path | None = None) -> Path:
    """Store ``key`` in the config file, keeping its other settings; the file is mode 0600."""
    return save_setting("api_key", key, path)


def save_setting(name: str, value: Any, path: Path | None = None) -> Path:
    """Set one key of the config file, keeping the rest of it; the file is (re)written 0600.

    The file may hold the API key, so it is always private, whatever is being saved.

    Raises:
        OSError: The file or its directory cannot be read or written.
        ValueError: The file is not valid TOML, or ``value`` cannot be written as TOML.
    """
    import tomlkit

    path = path or config_file()
    target = path.resolve()  # a symlinked config file is updated, not replaced by a copy
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _serialised(target.parent):
        try:
            document = tomlkit.parse(target.read_text(encoding="utf-8"))
        except FileNotFoundError:
            document = tomlkit.document()
        _set_in_place(document, name, value)
        write_privately(target, tomlkit.dumps(document))
    return path


def _set_in_place(document: TOMLDocument, name: str, value: Any) -> None:
    """Set ``name`` where a person would: in place if present, else after the last plain key."""
    from tomlkit.items import AoT, Table

    if name in document or isinstance(value, dict):
        document[name] = value  # a new table goes at the end, as tomlkit places it
        return
    last_plain_key = None
    for key, item in document.body:
        if isinstance(item, Table | AoT):
            break
        if key is not None:
            last_plain_key = key
    if last_plain_key is None:
        document[name] = value
    else:
        # tomlkit's own placement would be below the comments that introduce the first
        # table, as if they were about the new key.
        document._insert_after(last_plain_key, name, value)


@contextlib.contextmanager
def _serialised(directory: Path) -> Iterator[None]:
    """One save at a time: in this process, and among processes that save here too."""
    with _SAVING:
        if sys.platform == "win32":
            yield
            return
        # Locking the directory leaves no lock file behind in the user's config dir.
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # releases the lock


def write_privately(path: Path, text: str) -> None:
    """Write ``text`` to a new 0600 file beside ``path``, then move it over ``path``."""
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)  # mkstemp's mode already; explicit, whatever the platform
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
