"""Rows to domain objects and back, and the small result types the store returns."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, cast

from groq_tui.domain import Conversation, ConversationKind, Message, MessageStatus, Role
from groq_tui.store.codec import (
    chat_parameters_from_json,
    executed_tools_from_json,
    executed_tools_to_json,
    reply_parameters_from_json,
    reply_parameters_to_json,
    stats_from_json,
    stats_to_json,
    tool_calls_from_json,
    tool_calls_to_json,
    usage_from_json,
    usage_to_json,
)


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """One line of the history list: enough to show and open a conversation."""

    id: int
    title: str
    model: str
    kind: ConversationKind
    updated_at: float
    message_count: int


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A match for a search: in a conversation's title, or in one of its messages."""

    conversation_id: int
    title: str
    message_id: int | None
    """The matching message, or None when the title matched."""
    snippet: str
    """The matching text around the match, with the matched words between the markers."""


CONVERSATION_COLUMNS = (
    "id, title, model, parameters, kind, created_at, updated_at,"
    " (SELECT json_group_array(model) FROM (SELECT model FROM comparison_models"
    "  WHERE conversation_id = conversations.id ORDER BY position)) AS models"
)
MESSAGE_COLUMNS = (
    "id, conversation_id, role, content, model, status, created_at, name, tool_call_id,"
    " tool_calls, parameters, usage, stats, error, reply_group, compare_column, reasoning,"
    " executed_tools, service_tier"
)


def dump_json(value: object) -> str | None:
    """A compact JSON text for a column, or None (SQL NULL) for None."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def load_json(text: str | None) -> Any:
    """The value of a JSON column (None for NULL)."""
    if text is None:
        return None
    return json.loads(text)


def conversation_from_row(row: sqlite3.Row) -> Conversation:
    """Rebuild a conversation from a row of :data:`CONVERSATION_COLUMNS`."""
    return Conversation(
        id=row["id"],
        title=row["title"],
        model=row["model"],
        parameters=chat_parameters_from_json(load_json(row["parameters"])),
        kind=cast(ConversationKind, row["kind"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        models=list(load_json(row["models"]) or ()),
    )


_STATUSES = {status.value: status for status in MessageStatus}


def message_from_row(row: sqlite3.Row) -> Message:
    """Rebuild a message from a row of :data:`MESSAGE_COLUMNS`."""
    # Unpacking by position: loading a long conversation is dominated by this function.
    (
        message_id,
        conversation_id,
        role,
        content,
        model,
        status,
        created_at,
        name,
        tool_call_id,
        tool_calls,
        parameters,
        usage,
        stats,
        error,
        reply_group,
        column,
        reasoning,
        executed_tools,
        service_tier,
    ) = row
    return Message(
        role=cast(Role, role),
        content=content,
        id=message_id,
        conversation_id=conversation_id,
        model=model,
        status=_STATUSES.get(status) or MessageStatus(status),
        created_at=created_at,
        name=name,
        tool_call_id=tool_call_id,
        tool_calls=() if tool_calls is None else tool_calls_from_json(json.loads(tool_calls)),
        parameters=None
        if parameters is None
        else reply_parameters_from_json(json.loads(parameters)),
        usage=None if usage is None else usage_from_json(json.loads(usage)),
        stats=None if stats is None else stats_from_json(json.loads(stats)),
        error=error,
        reply_group=reply_group,
        column=column,
        reasoning=reasoning,
        executed_tools=()
        if executed_tools is None
        else executed_tools_from_json(json.loads(executed_tools)),
        service_tier=service_tier,
    )


def message_values(message: Message) -> tuple[object, ...]:
    """The JSON columns of a message, in the order tool_calls, parameters, usage, stats,
    executed_tools."""
    return (
        dump_json(tool_calls_to_json(message.tool_calls)),
        dump_json(
            None if message.parameters is None else reply_parameters_to_json(message.parameters)
        ),
        dump_json(None if message.usage is None else usage_to_json(message.usage)),
        dump_json(None if message.stats is None else stats_to_json(message.stats)),
        dump_json(executed_tools_to_json(message.executed_tools)),
    )


def summary_from_row(row: sqlite3.Row) -> ConversationSummary:
    """A :class:`ConversationSummary` from a listing row."""
    return ConversationSummary(
        id=row["id"],
        title=row["title"],
        model=row["model"],
        kind=cast(ConversationKind, row["kind"]),
        updated_at=row["updated_at"],
        message_count=row["message_count"],
    )
