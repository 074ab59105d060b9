"""Under a comparison's columns: one row of figures per model, and the figures of a saved reply.

The table shows what the column headers show, refreshed with them while the replies stream.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from textual.widgets import Static

from groq_tui.domain import Message, MessageStatus, ReplyStats
from groq_tui.ui.widgets.compare_column import LiveFigures


def saved_figures(reply: Message, stats: ReplyStats | None = None) -> LiveFigures:
    """The figures of a reply that ended (saved, or stopped with what arrived); its own stats
    unless ``stats`` are given."""
    stats, usage = stats or reply.stats, reply.usage
    return LiveFigures(
        time_to_first_token=stats.time_to_first_token if stats else None,
        tokens_per_second=stats.tokens_per_second if stats else None,
        tokens=usage.completion_tokens if usage else stats.completion_tokens if stats else 0,
        server_prompt=usage.prompt_time if usage else None,
        server_completion=usage.completion_time if usage else None,
        server_total=usage.total_time if usage else None,
        reasoning_tokens=usage.reasoning_tokens if usage else None,
        thinking_time=stats.thinking_time if stats else None,
        # The live wording, "done", for a finished reply (the saved status says "complete").
        state="done" if reply.status is MessageStatus.COMPLETE else reply.status.value,
    )


class CompareSummary(Static):
    """A table: model, TTFT, tok/s, tokens, server total and state of every column."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.table: Table | None = None
        """The table as last drawn."""

    def show(self, rows: Sequence[tuple[str, LiveFigures]]) -> None:
        """Draw one row per (model, figures), with reasoning tokens and thinking time when any
        column's model reasoned (narrow terminals keep room for the rest otherwise)."""
        reasoned = any(
            f.reasoning_tokens is not None or f.thinking_time is not None for _, f in rows
        )
        table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
        titles = ["model", "TTFT", "tok/s", "tokens", "server total", "state"]
        if reasoned:
            titles[4:4] = ["reasoning", "thinking"]
        for title in titles:
            table.add_column(title, justify="left" if title in ("model", "state") else "right")
        for model, f in rows:
            row = [
                model,
                "-" if f.time_to_first_token is None else f"{f.time_to_first_token:.3f}s",
                "-" if f.tokens_per_second is None else f"{f.tokens_per_second:.0f}",
                str(f.tokens),
                "-" if f.server_total is None else f"{f.server_total:.3f}s",
                f.state,
            ]
            if reasoned:
                row[4:4] = [
                    "-" if f.reasoning_tokens is None else str(f.reasoning_tokens),
                    "-" if f.thinking_time is None else f"{f.thinking_time:.2f}s",
                ]
            table.add_row(*row)
        self.table = table
        self.update(table)
