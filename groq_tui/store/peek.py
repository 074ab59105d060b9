"""A quick read-only look at the history, before the store opens it.

The app's first frame lists the saved conversations as the history holds them, read here on
a thread while the app starts; :class:`~groq_tui.store.HistoryStore` opens the file properly
(migrations, writer lock, recovery) after the first frame. A history that cannot be read as
it is now (missing its latest migration, locked, damaged) gives None: the store will say why.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from groq_tui.store.migrations import SCHEMA_VERSION
from groq_tui.store.queries import LISTED, list_conversations
from groq_tui.store.records import ConversationSummary


def peek_conversations(path: Path) -> list[ConversationSummary] | None:
    """The conversations the history list would show, most recent first; an empty list if
    there is no history yet; None if the file cannot be read as it is."""
    if not path.exists():
        return []
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0)
    except sqlite3.Error:
        return None
    try:
        connection.row_factory = sqlite3.Row
        (version,) = connection.execute("PRAGMA user_version").fetchone()
        if version != SCHEMA_VERSION:
            return None
        return list_conversations(connection, LISTED, 0, None)
    except sqlite3.Error:
        return None
    finally:
        connection.close()
