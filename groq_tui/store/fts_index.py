"""The SQL of a full-text index over a table, for the migrations that create or rebuild one.

An index is an external-content FTS5 table (the text is stored once, in the indexed table)
named ``<table>_fts``, kept in step by three triggers. Only a change of an indexed column
re-indexes a row.
"""

from __future__ import annotations

from collections.abc import Sequence


def create_fts_index(table: str, columns: Sequence[str]) -> str:
    """The script that creates the index of ``table``'s ``columns`` and its triggers."""
    index = f"{table}_fts"
    names = ", ".join(columns)
    old = ", ".join(f"old.{column}" for column in columns)
    new = ", ".join(f"new.{column}" for column in columns)
    return f"""
CREATE VIRTUAL TABLE {index} USING fts5 (
    {names}, content = '{table}', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN
    INSERT INTO {index} (rowid, {names}) VALUES (new.id, {new});
END;
CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN
    INSERT INTO {index} ({index}, rowid, {names}) VALUES ('delete', old.id, {old});
END;
CREATE TRIGGER {index}_update AFTER UPDATE OF {names} ON {table} BEGIN
    INSERT INTO {index} ({index}, rowid, {names}) VALUES ('delete', old.id, {old});
    INSERT INTO {index} (rowid, {names}) VALUES (new.id, {new});
END;
"""


def drop_fts_index(table: str) -> str:
    """The script that drops the index of ``table`` and its triggers."""
    index = f"{table}_fts"
    return f"""
DROP TRIGGER {index}_insert;
DROP TRIGGER {index}_delete;
DROP TRIGGER {index}_update;
DROP TABLE {index};
"""
