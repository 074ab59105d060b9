"""The store's SQL, as plain functions run on the store's worker thread.

Each function is one unit of work: it either completes or (inside ``transaction``) leaves
no trace. None of them may be called from the event loop; :class:`HistoryStore` runs them
on its thread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from groq_tui.domain import Conversation, Message, MessageStatus
from groq_tui.store.codec import chat_parameters_to_json
from groq_tui.store.errors import StoreError
from groq_tui.store.records import (
    CONVERSATION_COLUMNS,
    MESSAGE_COLUMNS,
    ConversationSummary,
    conversation_from_row,
    dump_json,
    message_from_row,
    message_values,
    summary_from_row,
)


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """Group statements into one atomic write (the connection is in autocommit mode)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


# -- conversations -----------------------------------------------------------------------


def _described(conversation: Conversation) -> tuple[str, str, str | None, str]:
    """The columns that describe a conversation: title, model, parameters (JSON), kind."""
    parameters = dump_json(chat_parameters_to_json(conversation.parameters))
    return conversation.title, conversation.model, parameters, conversation.kind


def insert_conversation(connection: sqlite3.Connection, conversation: Conversation) -> int:
    """Insert a conversation (and a comparison's column models); returns its new id."""
    with transaction(connection):
        cursor = connection.execute(
            "INSERT INTO conversations (title, model, parameters, kind, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (*_described(conversation), conversation.created_at, conversation.updated_at),
        )
        assert cursor.lastrowid is not None
        _save_models(connection, cursor.lastrowid, conversation.models)
    return cursor.lastrowid


def _save_models(connection: sqlite3.Connection, conversation_id: int, models: list[str]) -> None:
    connection.execute(
        "DELETE FROM comparison_models WHERE conversation_id = ?", (conversation_id,)
    )
    connection.executemany(
        "INSERT INTO comparison_models (conversation_id, position, model) VALUES (?, ?, ?)",
        [(conversation_id, position, model) for position, model in enumerate(models)],
    )


def update_conversation(
    connection: sqlite3.Connection, conversation: Conversation, now: float
) -> None:
    """Save title, model(s), parameters and kind; ``updated_at`` becomes ``now``."""
    with transaction(connection):
        cursor = connection.execute(
            "UPDATE conversations SET title = ?, model = ?, parameters = ?, kind = ?,"
            " updated_at = ? WHERE id = ?",
            (*_described(conversation), now, conversation.id),
        )
        if cursor.rowcount and conversation.id is not None:
            _save_models(connection, conversation.id, conversation.models)


def rename_conversation(connection: sqlite3.Connection, conversation_id: int, title: str) -> None:
    """Change a conversation's title (its place in the list stays)."""
    connection.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))


def delete_conversation(connection: sqlite3.Connection, conversation_id: int) -> None:
    """Delete a conversation; its messages go with it (ON DELETE CASCADE)."""
    connection.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))


def get_conversation(connection: sqlite3.Connection, conversation_id: int) -> Conversation | None:
    """One conversation, or None."""
    row = connection.execute(
        f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?", (conversation_id,)
    ).fetchone()
    return None if row is None else conversation_from_row(row)


def last_conversation(connection: sqlite3.Connection) -> Conversation | None:
    """The most recently updated conversation, or None when there are none."""
    row = connection.execute(
        f"SELECT {CONVERSATION_COLUMNS} FROM conversations"
        " ORDER BY updated_at DESC, id DESC LIMIT 1"
    ).fetchone()
    return None if row is None else conversation_from_row(row)


LISTED = 200
"""How many conversations the history list shows."""


def list_conversations(
    connection: sqlite3.Connection, limit: int, offset: int, kind: str | None
) -> list[ConversationSummary]:
    """A page of conversations, most recently updated first."""
    where = "" if kind is None else "WHERE c.kind = :kind"
    rows = connection.execute(
        "SELECT c.id, c.title, c.kind, c.updated_at,"
        # A comparison is listed under all its models.
        " coalesce((SELECT group_concat(model, ', ') FROM (SELECT model FROM comparison_models"
        "  WHERE conversation_id = c.id ORDER BY position)), c.model) AS model,"
        " (SELECT COUNT(*) FROM messages AS m WHERE m.conversation_id = c.id) AS message_count"
        f" FROM conversations AS c {where}"
        " ORDER BY c.updated_at DESC, c.id DESC LIMIT :limit OFFSET :offset",
        {"kind": kind, "limit": limit, "offset": offset},
    )
    return [summary_from_row(row) for row in rows]


# -- messages ----------------------------------------------------------------------------


def messages(connection: sqlite3.Connection, conversation_id: int) -> list[Message]:
    """A conversation's messages in order (created_at, then id)."""
    rows = connection.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY created_at, id",
        (conversation_id,),
    )
    return [message_from_row(row) for row in rows]


def insert_message(
    connection: sqlite3.Connection, message: Message, now: float, writer: str | None = None
) -> int:
    """Insert a message and bump its conversation's ``updated_at``; returns the new id.

    ``writer`` (the open history's writer id) is recorded while the message is STREAMING.

    Raises:
        StoreError: The conversation does not exist.
    """
    with transaction(connection):
        bumped = connection.execute(
            "UPDATE conversations SET updated_at = ? WHERE id = ?", (now, message.conversation_id)
        )
        if bumped.rowcount == 0:
            raise StoreError(f"conversation {message.conversation_id} does not exist")
        cursor = connection.execute(
            "INSERT INTO messages (conversation_id, role, content, model, status, created_at,"
            " name, tool_call_id, tool_calls, parameters, usage, stats, executed_tools, error,"
            " reply_group, compare_column, reasoning, service_tier, writer)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                message.conversation_id,
                message.role,
                message.content,
                message.model,
                str(message.status),
                message.created_at,
                message.name,
                message.tool_call_id,
                *message_values(message),
                message.error,
                message.reply_group,
                message.column,
                message.reasoning,
                message.service_tier,
                _writer_while_streaming(message, writer),
            ),
        )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def update_message(
    connection: sqlite3.Connection, message: Message, writer: str | None = None
) -> None:
    """Save what changes as a reply progresses (the text, status, and what was measured).

    ``writer`` is recorded while the message is STREAMING and cleared once it is not.
    """
    connection.execute(
        "UPDATE messages SET content = ?, status = ?, model = ?, tool_calls = ?, parameters = ?,"
        " usage = ?, stats = ?, executed_tools = ?, error = ?, reasoning = ?, service_tier = ?,"
        " writer = ? WHERE id = ?",
        (
            message.content,
            str(message.status),
            message.model,
            *message_values(message),
            message.error,
            message.reasoning,
            message.service_tier,
            _writer_while_streaming(message, writer),
            message.id,
        ),
    )


def _writer_while_streaming(message: Message, writer: str | None) -> str | None:
    return writer if message.status is MessageStatus.STREAMING else None


def save_partial(
    connection: sqlite3.Connection, message_id: int, content: str, reasoning: str = ""
) -> None:
    """Checkpoint a streaming reply's text and reasoning: one UPDATE, nothing else."""
    connection.execute(
        "UPDATE messages SET content = ?, reasoning = ? WHERE id = ?",
        (content, reasoning, message_id),
    )


def delete_message(connection: sqlite3.Connection, message_id: int) -> None:
    """Delete one message."""
    connection.execute("DELETE FROM messages WHERE id = ?", (message_id,))


def delete_messages_from(
    connection: sqlite3.Connection, conversation_id: int, message_id: int
) -> int:
    """Delete a message and every message after it (in display order); returns how many."""
    cursor = connection.execute(
        "DELETE FROM messages WHERE conversation_id = :conversation AND (created_at, id) >= ("
        "  SELECT created_at, id FROM messages"
        "  WHERE id = :message AND conversation_id = :conversation"
        ")",
        {"conversation": conversation_id, "message": message_id},
    )
    return cursor.rowcount
