"""SQLite persistence of conversations and messages, with numbered migrations.

Imports only the standard library and :mod:`groq_tui.domain`. Every method of
:class:`HistoryStore` is async and runs its SQL on the store's own thread.
"""

from groq_tui.store.errors import (
    SchemaTooNewError,
    StoreClosedError,
    StoreDamagedError,
    StoreError,
    StoreOpenError,
)
from groq_tui.store.history import HistoryStore
from groq_tui.store.migrations import MIGRATIONS, SCHEMA_VERSION
from groq_tui.store.records import ConversationSummary, SearchHit
from groq_tui.store.search import SearchOrder, SnippetStyle

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "ConversationSummary",
    "HistoryStore",
    "SchemaTooNewError",
    "SearchHit",
    "SearchOrder",
    "SnippetStyle",
    "StoreClosedError",
    "StoreDamagedError",
    "StoreError",
    "StoreOpenError",
]
