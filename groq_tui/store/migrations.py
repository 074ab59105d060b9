"""The schema, as numbered migrations; the version lives in ``PRAGMA user_version``.

``MIGRATIONS[n - 1]`` takes a database from version ``n - 1`` to ``n``. To change the schema,
append a migration; never edit one that has shipped. A migration is an SQL script, or a
function given the connection when data must be reshaped in Python (it runs statements with
``connection.execute``, never ``executescript``, which would commit). Each runs in its own
transaction with foreign keys off (so it may rebuild a table the way SQLite's ALTER TABLE
guide describes); the foreign keys are checked before the transaction commits. Scripts must
not contain BEGIN/COMMIT themselves.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from groq_tui.store.errors import SchemaTooNewError, StoreOpenError
from groq_tui.store.fts_index import create_fts_index
from groq_tui.store.migration_v2 import compare_columns_v2
from groq_tui.store.migration_v3 import SCHEMA_V3
from groq_tui.store.migration_v4 import WRITER_COLUMN_V4

# No CHECK constraints on role, status or kind: SQLite cannot alter them without rebuilding
# the table, and the domain types already validate these values before they get here.
SCHEMA_V1 = (
    """
CREATE TABLE conversations (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL DEFAULT '',
    model       TEXT    NOT NULL DEFAULT '',
    parameters  TEXT    NOT NULL DEFAULT '{}',
    kind        TEXT    NOT NULL DEFAULT 'chat',
    created_at  REAL    NOT NULL,
    updated_at  REAL    NOT NULL
);
CREATE INDEX conversations_by_update ON conversations (updated_at DESC, id DESC);
CREATE INDEX conversations_by_kind_update ON conversations (kind, updated_at DESC, id DESC);

CREATE TABLE messages (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    role             TEXT    NOT NULL,
    content          TEXT    NOT NULL DEFAULT '',
    model            TEXT,
    status           TEXT    NOT NULL DEFAULT 'complete',
    created_at       REAL    NOT NULL,
    name             TEXT,
    tool_call_id     TEXT,
    tool_calls       TEXT,
    parameters       TEXT,
    usage            TEXT,
    stats            TEXT,
    error            TEXT,
    reply_group      TEXT
);
CREATE INDEX messages_in_order ON messages (conversation_id, created_at, id);
-- Start-up looks for replies cut off mid-stream; this keeps that a lookup, not a scan.
CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming';

"""
    + create_fts_index("messages", ("content",))
    + create_fts_index("conversations", ("title",))
)

Migration = str | Callable[[sqlite3.Connection], None]
"""An SQL script, or a function that migrates through the connection it is given."""

MIGRATIONS: tuple[Migration, ...] = (SCHEMA_V1, compare_columns_v2, SCHEMA_V3, WRITER_COLUMN_V4)
"""Migration ``n`` (1-based) is ``MIGRATIONS[n - 1]``."""

SCHEMA_VERSION = len(MIGRATIONS)
"""The schema version this code writes."""


def schema_version(connection: sqlite3.Connection) -> int:
    """The version recorded in the database (0 for a new, empty file)."""
    row = connection.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(
    connection: sqlite3.Connection, path: Path, migrations: Sequence[Migration] = MIGRATIONS
) -> int:
    """Bring the database up to ``len(migrations)``, one transaction per step.

    The connection must be in autocommit mode (``isolation_level=None``) and have foreign
    keys off; the caller turns them on afterwards.

    Args:
        connection: An open connection to the database.
        path: The database's path, for error messages.
        migrations: The scripts to apply (tests pass their own list).

    Returns:
        The schema version the database now has.

    Raises:
        SchemaTooNewError: The database is newer than ``migrations`` knows.
        StoreOpenError: A migration failed; the database is left at the last good version.
    """
    target = len(migrations)
    current = schema_version(connection)
    if current > target:
        raise SchemaTooNewError(path, current, target)
    for version in range(current + 1, target + 1):
        try:
            step = migrations[version - 1]
            if isinstance(step, str):
                # executescript() runs the whole script; the transaction stays open afterwards
                # so the foreign keys can be checked before anything is committed.
                connection.executescript(
                    f"BEGIN IMMEDIATE;\n{step}\n;PRAGMA user_version = {version};"
                )
            else:
                connection.execute("BEGIN IMMEDIATE")
                step(connection)
                connection.execute(f"PRAGMA user_version = {version}")
            broken = connection.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise StoreOpenError(
                    path, f"migration {version} left {len(broken)} broken foreign key(s)"
                )
            connection.execute("COMMIT")
        except BaseException as exc:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreOpenError(path, f"migration {version} failed: {exc}") from exc
            raise
    return target
