"""Opening the history file: directories, pragmas, migrations, and clear errors."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from groq_tui.store.errors import StoreDamagedError, StoreOpenError
from groq_tui.store.migrations import MIGRATIONS, Migration, migrate


def connect(
    path: Path, migrations: Sequence[Migration] = MIGRATIONS
) -> tuple[sqlite3.Connection, int]:
    """Open (creating if needed) and migrate the database at ``path``.

    Blocking: call it on the thread that will own the connection.

    Args:
        path: The database file; missing parent directories are created.
        migrations: The schema's migrations (tests pass their own).

    Returns:
        The connection (autocommit mode, WAL, foreign keys on) and its schema version.

    Raises:
        StoreOpenError: The file is not a usable SQLite database, or cannot be created.
        SchemaTooNewError: The file was written by a newer version.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreOpenError(path, f"cannot create its folder ({exc.strerror or exc})") from exc
    if path.is_dir():
        raise StoreOpenError(path, "it is a folder, not a file")
    try:
        # The store's single worker thread is the only user; the one exception is closing a
        # connection whose opening was cancelled, which may happen on the event loop's thread.
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise _open_error(path, exc) from exc
    try:
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA busy_timeout = 5000")
        # Reading the header is what detects "file is not a database".
        connection.execute("PRAGMA user_version").fetchone()
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreOpenError(path, f"cannot switch it to WAL mode (still {mode})")
        # WAL + NORMAL: a commit is durable against an app crash, and only the last commits
        # can be lost on power failure; commits (streaming checkpoints) skip the fsync.
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = OFF")
        version = migrate(connection, path, migrations)
        connection.execute("PRAGMA foreign_keys = ON")
    except BaseException as exc:
        connection.close()
        if isinstance(exc, sqlite3.Error):
            raise _open_error(path, exc) from exc
        raise
    return connection, version


def _open_error(path: Path, error: sqlite3.Error) -> StoreOpenError:
    """Why ``path`` could not be opened; a damaged file (in a writable folder) says so."""
    reason = describe(error, path)
    damaged = "not a database" in str(error) or "malformed" in str(error)
    if damaged and os.access(path.parent, os.W_OK):
        return StoreDamagedError(path, reason)
    return StoreOpenError(path, reason)


_WRITE_FAILURES = ("SQLITE_IOERR_WRITE", "SQLITE_IOERR_TRUNCATE", "SQLITE_IOERR_SHMSIZE")
"""How a write refused for want of room shows (ENOSPC is SQLITE_FULL; EFBIG an I/O error)."""


def connect_in_memory(
    migrations: Sequence[Migration] = MIGRATIONS,
) -> tuple[sqlite3.Connection, int]:
    """A new, empty history in memory (for a session whose data folder cannot be written).

    Blocking: call it on the thread that will own the connection.
    """
    connection = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    version = migrate(connection, Path(":memory:"), migrations)
    connection.execute("PRAGMA foreign_keys = ON")
    return connection, version


def describe(error: sqlite3.Error, path: Path | None = None) -> str:
    """A short reason for a SQLite error, with a hint for the common ones.

    Args:
        error: What SQLite raised.
        path: The database file, when the error came from opening it.
    """
    text = str(error)
    if path is not None and not os.access(path.parent, os.W_OK):
        # WAL needs its -wal and -shm files next to the database, even to read it.
        return f"{text} (its folder {path.parent} is read-only: make it writable, or use another)"
    if "not a database" in text or "malformed" in text:
        return f"{text} (the file is damaged or is not a groq-tui history)"
    code = getattr(error, "sqlite_errorname", "")
    if code == "SQLITE_FULL" or code.startswith(_WRITE_FAILURES):
        return (
            f"{text} (could not write: the disk is full or the file too large; nothing was"
            " half-written, and saving works again once there is room)"
        )
    if "readonly" in text or "read-only" in text:
        return f"{text} (its folder or file is read-only: make it writable)"
    return text
