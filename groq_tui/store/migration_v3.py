"""Schema 3: a reply's reasoning, built-in tool runs and service tier, and search over the
reasoning.

Three columns on ``messages``: ``reasoning`` (text, '' for none: every existing message had
none), ``executed_tools`` (JSON, as the server sent them) and ``service_tier``. The full-text
index of messages is rebuilt with two columns, ``content`` and ``reasoning``, so that a
search finds a reply by what the model thought as well as by what it answered; its triggers
re-index a row when either changes. Existing rows keep everything they had; the rebuild
indexes their text again.
"""

from __future__ import annotations

SCHEMA_V3 = """
ALTER TABLE messages ADD COLUMN reasoning TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN executed_tools TEXT;
ALTER TABLE messages ADD COLUMN service_tier TEXT;

DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;

CREATE VIRTUAL TABLE messages_fts USING fts5 (
    content, reasoning, content = 'messages', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content, reasoning)
        VALUES (new.id, new.content, new.reasoning);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content, old.reasoning);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, reasoning ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content, old.reasoning);
    INSERT INTO messages_fts (rowid, content, reasoning)
        VALUES (new.id, new.content, new.reasoning);
END;
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
"""
"""Migration 3 (see the module's docstring)."""
