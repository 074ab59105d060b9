"""Full-text search over message text (answers and reasoning) and conversation titles (FTS5).

What the user types is never handed to FTS5's query language: each word becomes a quoted
phrase, so ``foo(``, ``"``, ``AND``, ``-x`` or ``c++`` are searched as text instead of
failing as syntax. All words must match (in any order). A word ending in a letter or digit
matches as a prefix (``pyth`` finds "python", as one types); one ending in punctuation was
typed whole (``c++`` finds "C++" and not every word starting with "c").
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass
from typing import Literal

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
ORDER BY {order}
LIMIT :limit
"""

# Ranking first, snippets after: a common word can match thousands of messages, and a
# snippet is only worth making for the few hits that are kept. FTS5 walks its index in
# rowid order, so "recent" (message ids grow with time) costs nothing, while "relevance"
# scores every match with bm25 first (about 70 ms for 20,000 matches).
_MESSAGE_RANKING = """
SELECT messages_fts.rowid, m.conversation_id
FROM messages_fts
JOIN messages AS m ON m.id = messages_fts.rowid
WHERE messages_fts MATCH :query
ORDER BY {order}
"""

_ORDERS: dict[str, tuple[str, str]] = {
    "recent": ("c.updated_at DESC", "messages_fts.rowid DESC"),
    "relevance": ("conversations_fts.rank", "messages_fts.rank"),
}

SearchOrder = Literal["recent", "relevance"]
"""Newest first (the history list's order), or best bm25 match first."""

# The unary + keeps the id list away from FTS5: handed "rowid IN (...)", FTS5 re-runs the
# whole query once per id (about 1 ms each); filtering one pass over the matches is ~10x faster.
_MESSAGE_SNIPPETS = """
SELECT m.id, m.conversation_id, c.title,
       snippet(messages_fts, -1, :before, :after, :ellipsis, :tokens)
FROM messages_fts
JOIN messages AS m ON m.id = messages_fts.rowid
JOIN conversations AS c ON c.id = m.conversation_id
WHERE messages_fts MATCH :query
  AND +messages_fts.rowid IN (SELECT value FROM json_each(:ids))
"""


def search(
    connection: sqlite3.Connection,
    text: str,
    limit: int,
    style: SnippetStyle,
    per_conversation: int | None = 1,
    order: SearchOrder = "recent",
) -> list[SearchHit]:
    """Title hits first, then message hits (in the answer or the reasoning), each in ``order``.

    Args:
        connection: The store's connection.
        text: What the user typed.
        limit: The most hits to return in all.
        style: How snippets mark the match.
        per_conversation: The most hits from one conversation (None: no limit). With 1, a
            conversation appears once: its title if that matches, else its first matching
            message in ``order``.
        order: ``"recent"``: newest conversations and messages first; ``"relevance"``:
            best matches first (bm25).

    Returns:
        Up to ``limit`` hits; none for an empty or unsearchable query.
    """
    query = fts_query(text)
    if query is None or limit <= 0:
        return []
    params: dict[str, object] = {
        "query": query,
        "limit": limit,
        "before": style.before,
        "after": style.after,
        "ellipsis": style.ellipsis,
        "tokens": max(1, min(style.tokens, 64)),
    }
    title_order, message_order = _ORDERS[order]
    hits = [
        SearchHit(conversation_id=row[0], title=row[1], message_id=None, snippet=row[2])
        for row in connection.execute(_TITLE_HITS.format(order=title_order), params)
    ]
    shown = Counter(hit.conversation_id for hit in hits)
    wanted: list[int] = []
    if len(hits) < limit:
        # Rows are read lazily: reading stops as soon as enough hits are chosen.
        ranking = connection.execute(_MESSAGE_RANKING.format(order=message_order), params)
        try:
            for message_id, conversation_id in ranking:
                if per_conversation is not None and shown[conversation_id] >= per_conversation:
                    continue
                shown[conversation_id] += 1
                wanted.append(message_id)
                if len(hits) + len(wanted) >= limit:
                    break
        finally:
            ranking.close()  # an unfinished statement would hold a read snapshot open
    if wanted:
        params["ids"] = json.dumps(wanted)
        found = {
            row[0]: SearchHit(
                conversation_id=row[1], title=row[2], message_id=row[0], snippet=row[3]
            )
            for row in connection.execute(_MESSAGE_SNIPPETS, params)
        }
        hits.extend(found[message_id] for message_id in wanted if message_id in found)
    return hits
