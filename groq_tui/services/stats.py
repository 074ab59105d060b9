"""Reply statistics: what the client measured plus what the server reported in usage."""

from __future__ import annotations

from typing import Any

from groq_tui.api import Usage
from groq_tui.domain import ReplyStats


def stats_from(
    started: float, first: float | None, ended: float, usage: Usage | None, deltas: int
) -> ReplyStats:
    """Client-side timings plus the server's usage for one reply."""
    return ReplyStats(
        time_to_first_token=None if first is None else first - started,
        duration=ended - started,
        completion_tokens=usage.completion_tokens if usage else deltas,
        prompt_tokens=usage.prompt_tokens if usage else None,
        server_prompt_time=usage.prompt_time if usage else None,
        server_completion_time=usage.completion_time if usage else None,
        server_total_time=usage.total_time if usage else None,
        queue_time=usage.queue_time if usage else None,
    )


def stats_dict(stats: ReplyStats) -> dict[str, Any]:
    """What is saved of the client-side timings."""
    return {
        "time_to_first_token": stats.time_to_first_token,
        "duration": stats.duration,
        "tokens_per_second": stats.tokens_per_second,
        "completion_tokens": stats.completion_tokens,
    }
