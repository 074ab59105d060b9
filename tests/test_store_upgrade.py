"""A history written by schema 1's code opens under today's schema with every value intact.

``fixtures/history-v1.sqlite3`` was written by the services of commit 8ddff0b (see
``fixtures/make_history_v1.py``): a chat (a reply, a tool call and its result, a stopped
reply) and a three-column comparison of two turns, one column stopped in the second.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from groq_tui.api import GroqClient
from groq_tui.domain import Message, MessageStatus
from groq_tui.services.compare import CompareRun
from groq_tui.services.export import compare_to_markdown
from groq_tui.store import SCHEMA_VERSION, HistoryStore
from groq_tui.store.codec import (
    chat_parameters_to_json,
    reply_parameters_to_json,
    stats_to_json,
    tool_calls_to_json,
    usage_to_json,
)

FIXTURE = Path(__file__).parent / "fixtures" / "history-v1.sqlite3"
FAST, BIG = "llama-3.1-8b-instant", "llama-3.3-70b-versatile"


def raw_rows(path: Path, table: str) -> list[dict[str, Any]]:
    connection = sqlite3.connect(path)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(f"SELECT * FROM {table} ORDER BY id")]
    finally:
        connection.close()


@pytest.fixture
async def upgraded(tmp_path: Path) -> Any:
    path = tmp_path / "history.db"
    shutil.copyfile(FIXTURE, path)
    before = {table: raw_rows(path, table) for table in ("conversations", "messages")}
    store = await HistoryStore.open(path)
    try:
        yield store, before
    finally:
        await store.close()


def _json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


async def test_every_message_value_survives(upgraded: Any) -> None:
    store, before = upgraded
    assert store.schema_version == SCHEMA_VERSION and store.recovered_count == 0
    kinds = {row["id"]: row["kind"] for row in before["conversations"]}
    loaded: dict[int, Message] = {}
    for conversation_id in kinds:
        loaded.update({m.id: m for m in await store.messages(conversation_id)})
    assert sorted(loaded) == [row["id"] for row in before["messages"]]
    for row in before["messages"]:
        message = loaded[row["id"]]
        for name in ("conversation_id", "role", "content", "model", "created_at", "name"):
            assert getattr(message, name) == row[name], (row["id"], name)
        for name in ("tool_call_id", "error", "reply_group"):
            assert getattr(message, name) == row[name], (row["id"], name)
        assert message.status.value == row["status"]
        assert tool_calls_to_json(message.tool_calls) == _json(row["tool_calls"])
        parameters = message.parameters
        assert (parameters and reply_parameters_to_json(parameters)) == _json(row["parameters"])
        assert (message.usage and usage_to_json(message.usage)) == _json(row["usage"])
        stats = dict(_json(row["stats"]) or {})
        column = stats.pop("column", None)
        assert message.column == column
        assert (message.stats and stats_to_json(message.stats)) == (stats or None), row["id"]
        if kinds[row["conversation_id"]] == "compare" and row["role"] == "assistant":
            assert column is not None  # every compare reply had its column
    tool_call = next(m for m in loaded.values() if m.tool_calls)
    assert tool_call.tool_calls[0].name == "weather"  # as the recorded reply named it
    assert tool_call.parameters is not None and tool_call.parameters.tools
    assert [m.status for m in loaded.values()].count(MessageStatus.STOPPED) == 2


async def test_conversations_keep_their_settings_and_a_comparison_its_models(
    upgraded: Any,
) -> None:
    store, before = upgraded
    for row in before["conversations"]:
        conversation = await store.get_conversation(row["id"])
        assert conversation is not None
        for name in ("title", "kind", "created_at", "updated_at"):
            assert getattr(conversation, name) == row[name]
        assert chat_parameters_to_json(conversation.parameters) == json.loads(row["parameters"])
        if row["kind"] == "compare":
            assert conversation.models == row["model"].split(", ") == [FAST, BIG, FAST]
            assert conversation.model == FAST
        else:
            assert (conversation.model, conversation.models) == (row["model"], [])
    listed = {s.id: s.model for s in await store.list_conversations()}
    assert listed == {row["id"]: row["model"] for row in before["conversations"]}


async def test_the_comparison_reopens_as_it_was_saved(upgraded: Any, tmp_path: Path) -> None:
    store, before = upgraded
    [row] = [r for r in before["conversations"] if r["kind"] == "compare"]
    conversation = await store.get_conversation(row["id"])
    assert conversation is not None
    messages = await store.messages(row["id"])
    async with GroqClient(api_key="unused", base_url="http://127.0.0.1:9") as client:
        run = CompareRun.from_saved(client, store, conversation, messages)
    assert [column.model for column in run.columns] == [FAST, BIG, FAST]
    assert [prompt.content for prompt in run.prompts] == [
        "pelicans and bicycles",
        "and now in French",
    ]
    by_column: dict[int, list[int]] = {}
    groups: list[str] = []
    for message in before["messages"]:
        stats = _json(message["stats"]) or {}
        if message["conversation_id"] == row["id"] and "column" in stats:
            by_column.setdefault(stats["column"], []).append(message["id"])
            if message["reply_group"] not in groups:
                groups.append(message["reply_group"])
    assert [[m.id for m in column.replies] for column in run.columns] == [
        by_column[0],
        by_column[1],
        by_column[2],
    ]
    assert run.turn_ids == groups
    stopped = run.columns[0].replies[1]
    assert stopped.status is MessageStatus.STOPPED and stopped.content
    markdown = compare_to_markdown(run)
    assert markdown.count("| complete |") == 5 and markdown.count("| stopped |") == 1


def schema(path: Path) -> dict[str, str]:
    """Every table, index and trigger of the file, by name, its SQL with the white space
    folded (SQLite keeps the text each was created with)."""
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")
        return {name: re.sub(r"\s*([(),])\s*", r"\1", " ".join(sql.split())) for name, sql in rows}
    finally:
        connection.close()


async def test_the_upgraded_file_has_the_schema_of_a_new_one(upgraded: Any, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.db"
    await (await HistoryStore.open(fresh)).close()
    store, _ = upgraded
    await store.close()  # idempotent; the fixture closes it again
    assert schema(tmp_path / "history.db") == schema(fresh)
