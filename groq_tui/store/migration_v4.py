"""Schema 4: the writer of a streaming reply (see :mod:`groq_tui.store.writers`).

``messages.writer`` holds the id of the open history that writes a STREAMING reply, so a
second instance on the same history recovers only replies whose writer is gone. Existing
rows get NULL: no running app writes them. It depends on nothing of schema 3.
"""

WRITER_COLUMN_V4 = """
ALTER TABLE messages ADD COLUMN writer TEXT;
"""
