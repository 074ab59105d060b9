"""Under a comparison's columns: one row of figures per model, and the figures of a saved reply.

The table shows what the column headers show, refreshed with them while the replies stream.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from textual.widgets import Static

from groq_tui.domain import Message, MessageStatus
from groq_tui.ui.widgets.compare_column import LiveFigures


def saved_figures(reply: Message) -> LiveFigures:
    """The figures of a reply that ended (saved, or stopped with what arrived)."""
    stats, usage = reply.stats, reply.usage
    return LiveFigures(
        time_to_first_token=stats.time_to_first_token if stats else None,
        tokens_per_second=stats.tokens_per_second if stats else None,
        tokens=usage.completion_tokens if usage else stats.completion_tokens if stats else 0,
        server_prompt=usage.prompt_time if usage else None,
        server_completion=usage.completion_time if usage else None,
        server_total=usage.total_time if usage else None,
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
        """Draw one row per (model, figures)."""
        table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
        for title in ("model", "TTFT", "tok/s", "tokens", "server total", "state"):
            table.add_column(title, justify="left" if title in ("model", "state") else "right")
        for model, f in rows:
            table.add_row(
                model,
                "-" if f.time_to_first_token is None else f"{f.time_to_first_token:.3f}s",
                "-" if f.tokens_per_second is None else f"{f.tokens_per_second:.0f}",
                str(f.tokens),
                "-" if f.server_total is None else f"{f.server_total:.3f}s",
                f.state,
            )
        self.table = table
        self.update(table)
