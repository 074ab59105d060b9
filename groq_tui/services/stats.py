"""Reply figures: what the client measured, and the server's records turned into the domain's."""

from __future__ import annotations

from groq_tui import api
from groq_tui.domain import ReplyStats, ToolCall, Usage
from groq_tui.store.codec import usage_from_json


def stats_from(
    started: float, first: float | None, ended: float, usage: Usage | None, deltas: int
) -> ReplyStats:
    """Client-side timings of one reply (``perf_counter`` times); tokens from usage if any."""
    return ReplyStats(
        time_to_first_token=None if first is None else first - started,
        duration=ended - started,
        completion_tokens=usage.completion_tokens if usage else deltas,
    )


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
