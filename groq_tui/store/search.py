"""Full-text search over message text and conversation titles (SQLite FTS5).

What the user types is never handed to FTS5's query language: each word becomes a quoted
phrase, so ``foo(``, ``"``, ``AND``, ``-x`` or ``c++`` are searched as text instead of
failing as syntax. All words must match (in any order). A word ending in a letter or digit
matches as a prefix (``pyth`` finds "python", as one types); one ending in punctuation was
typed whole (``c++`` finds "C++" and not every word starting with "c").
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from groq_tui.store.records import SearchHit


@dataclass(frozen=True, slots=True)
class SnippetStyle:
    """How a snippet marks the match and where it cuts the text."""

    before: str = "["
    """Put before each matched word."""
    after: str = "]"
    """Put after each matched word."""
    ellipsis: str = "…"
    """Put where the snippet cuts the text."""
    tokens: int = 12
    """About how many words a snippet shows (FTS5 allows 1 to 64)."""


def fts_query(text: str) -> str | None:
    """The FTS5 query for what the user typed, or None when nothing is searchable.

    Args:
        text: The raw search box text.

    Returns:
        Words as quoted phrases joined by spaces (FTS5's implicit AND), e.g.
        ``"foo"* "c++"`` for ``foo c++``; None if no word has a letter or digit in it.
    """
    phrases = [
        '"' + word.replace('"', '""') + ('"*' if word[-1].isalnum() else '"')
        for word in text.split()
        # The tokenizer drops punctuation; a word of punctuation only would be an empty
        # phrase, which matches nothing and would make the whole AND match nothing.
        if any(char.isalnum() for char in word)
    ]
    return " ".join(phrases) or None


_TITLE_HITS = """
SELECT c.id, c.title, snippet(conversations_fts, 0, :before, :after, :ellipsis, :tokens)
FROM conversations_fts
JOIN conversations AS c ON c.id = conversations_fts.rowid
WHERE conversations_fts MATCH :query
ORDER BY conversations_fts.rank
LIMIT :limit
"""

_MESSAGE_HITS = """
SELECT m.conversation_id, c.title, m.id,
       snippet(messages_fts, 0, :before, :after, :ellipsis, :tokens)
FROM messages_fts
JOIN messages AS m ON m.id = messages_fts.rowid
JOIN conversations AS c ON c.id = m.conversation_id
WHERE messages_fts MATCH :query
ORDER BY messages_fts.rank
LIMIT :limit
"""


def search(
    connection: sqlite3.Connection, text: str, limit: int, style: SnippetStyle
) -> list[SearchHit]:
    """Title hits first (best match first), then message hits (best match first).

    Args:
        connection: The store's connection.
        text: What the user typed.
        limit: The most hits to return in all.
        style: How snippets mark the match.

    Returns:
        Up to ``limit`` hits; none for an empty or unsearchable query.
    """
    query = fts_query(text)
    if query is None or limit <= 0:
        return []
    params = {
        "query": query,
        "limit": limit,
        "before": style.before,
        "after": style.after,
        "ellipsis": style.ellipsis,
        "tokens": max(1, min(style.tokens, 64)),
    }
    hits = [
        SearchHit(conversation_id=row[0], title=row[1], message_id=None, snippet=row[2])
        for row in connection.execute(_TITLE_HITS, params)
    ]
    params["limit"] = limit - len(hits)
    if params["limit"]:
        hits.extend(
            SearchHit(conversation_id=row[0], title=row[1], message_id=row[2], snippet=row[3])
            for row in connection.execute(_MESSAGE_HITS, params)
        )
    return hits
