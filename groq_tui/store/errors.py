"""What can go wrong with the saved history, as exceptions the app can show.

Every failure of the store is a :class:`StoreError`; raw ``sqlite3`` errors never leave the
package (they are kept as ``__cause__``).
"""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """Base class: the history could not be read or written."""


class StoreOpenError(StoreError):
    """The history file could not be opened (not a database, damaged, unreadable, ...).

    Attributes:
        path: The file that was being opened.
        reason: What went wrong, in a few words.
    """

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot open the history at {path}: {reason}")
        self.path = path
        self.reason = reason


class StoreDamagedError(StoreOpenError):
    """The file is not a SQLite database, or a damaged one: it can be set aside for a new one."""


class SchemaTooNewError(StoreOpenError):
    """The file was written by a newer groq-tui; opening it here could damage it.

    Attributes:
        found: The schema version in the file.
        supported: The newest schema version this code knows.
    """

    def __init__(self, path: Path, found: int, supported: int) -> None:
        super().__init__(
            path,
            f"it has schema version {found}, but this groq-tui only knows up to {supported} "
            "(it was written by a newer version: upgrade groq-tui)",
        )
        self.found = found
        self.supported = supported


class StoreClosedError(StoreError):
    """The store was used after :meth:`HistoryStore.close`."""
