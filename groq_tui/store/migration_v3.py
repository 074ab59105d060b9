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

from groq_tui.store.fts_index import create_fts_index, drop_fts_index

SCHEMA_V3 = (
    """
ALTER TABLE messages ADD COLUMN reasoning TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN executed_tools TEXT;
ALTER TABLE messages ADD COLUMN service_tier TEXT;
"""
    + drop_fts_index("messages")
    + create_fts_index("messages", ("content", "reasoning"))
    + """INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
"""
)
"""Migration 3 (see the module's docstring)."""
