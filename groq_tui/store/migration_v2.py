"""Schema 2: a comparison's columns in real columns instead of inside other values.

Schema 1 kept a compare reply's column index in its ``stats`` JSON (``{"column": 1, ...}``)
and a comparison's models comma-joined in ``conversations.model``. Schema 2 gives messages a
``compare_column`` and comparisons a ``comparison_models`` table (one row per column, in
order); ``conversations.model`` of a comparison becomes its first column's model.

Existing comparisons are carried over as schema 1's code read them back: a column's model is
that of its first saved reply, else the one named in the joined string; replies saved
without a column belong to column 0.
"""

from __future__ import annotations

import sqlite3

_SCHEMA = (
    "ALTER TABLE messages ADD COLUMN compare_column INTEGER",
    """
    CREATE TABLE comparison_models (
        conversation_id  INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        position         INTEGER NOT NULL,
        model            TEXT    NOT NULL,
        PRIMARY KEY (conversation_id, position)
    ) WITHOUT ROWID
    """,
)

_MOVE_COLUMN_OUT_OF_STATS = """
UPDATE messages
SET compare_column = json_extract(stats, '$.column'),
    stats = nullif(json_remove(stats, '$.column'), '{}')
WHERE stats IS NOT NULL AND json_valid(stats) AND json_type(stats, '$.column') = 'integer'
"""

_UNNUMBERED_REPLIES_TO_COLUMN_0 = """
UPDATE messages SET compare_column = 0
WHERE compare_column IS NULL AND role = 'assistant'
  AND conversation_id IN (SELECT id FROM conversations WHERE kind = 'compare')
"""


def compare_columns_v2(connection: sqlite3.Connection) -> None:
    """Migration 2 (see the module's docstring)."""
    for statement in _SCHEMA:
        connection.execute(statement)
    connection.execute(_MOVE_COLUMN_OUT_OF_STATS)
    connection.execute(_UNNUMBERED_REPLIES_TO_COLUMN_0)
    comparisons = connection.execute(
        "SELECT id, model FROM conversations WHERE kind = 'compare'"
    ).fetchall()
    for conversation_id, joined in comparisons:
        models = _column_models(connection, conversation_id, joined or "")
        connection.executemany(
            "INSERT INTO comparison_models (conversation_id, position, model) VALUES (?, ?, ?)",
            [(conversation_id, position, model) for position, model in enumerate(models)],
        )
        connection.execute(
            "UPDATE conversations SET model = ? WHERE id = ?",
            (models[0] if models else "", conversation_id),
        )


def _column_models(connection: sqlite3.Connection, conversation_id: int, joined: str) -> list[str]:
    named = [model for model in joined.split(", ") if model]
    answered: dict[int, str] = {}
    for column, model in connection.execute(
        "SELECT compare_column, model FROM messages"
        " WHERE conversation_id = ? AND role = 'assistant' AND model IS NOT NULL"
        " AND compare_column IS NOT NULL ORDER BY created_at, id",
        (conversation_id,),
    ):
        answered.setdefault(column, model)
    count = max(len(named), max(answered, default=-1) + 1)
    models: list[str] = []
    for position in range(count):
        model = answered.get(position) or (named[position] if position < len(named) else "")
        models.append(model or (models[-1] if models else ""))
    return models
