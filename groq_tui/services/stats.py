"""The server's records of a reply (usage, tool calls, built-in tool runs) turned into the
domain's."""

from __future__ import annotations

from groq_tui import api
from groq_tui.domain import ExecutedTool, ToolCall, Usage
from groq_tui.store.codec import executed_tool_from_json, usage_from_json


def usage_from_api(usage: api.Usage | None) -> Usage | None:
    """The server's usage object as a domain record (every field it sent is kept)."""
    return None if usage is None else usage_from_json(usage.model_dump(exclude_none=True))


def tool_calls_from_api(calls: list[api.ToolCall] | None) -> tuple[ToolCall, ...]:
    """The model's tool calls as domain records."""
    return tuple(
        ToolCall(
            id=call.id, name=call.function.name, arguments=call.function.arguments, type=call.type
        )
        for call in calls or ()
    )


def executed_tools_from_api(tools: list[api.ExecutedTool]) -> tuple[ExecutedTool, ...]:
    """A compound model's built-in tool runs as domain records (the server's objects kept)."""
    return tuple(executed_tool_from_json(tool.model_dump(exclude_none=True)) for tool in tools)
