"""A reply's text, reasoning and timings as it streams (read by live displays)."""

from __future__ import annotations

import time

from groq_tui.domain import ReplyStats, Usage


class Progress:
    """A reply's text, reasoning and figures so far, updated in place as it streams."""

    __slots__ = (
        "answer_started_at",
        "first_token_at",
        "parts",
        "reasoning_parts",
        "reasoning_started_at",
        "started",
    )

    def __init__(self) -> None:
        self.started = time.perf_counter()
        """When the request was sent (``perf_counter``)."""
        self.first_token_at: float | None = None
        """Seconds from the request to the first token, reasoning or answer, once it came
        (computed once: live displays read it per delta). None for a reply not streamed."""
        self.reasoning_started_at: float | None = None
        """Seconds from the request to the first reasoning, if any came."""
        self.answer_started_at: float | None = None
        """Seconds from the request to the first answer text, once it came."""
        self.parts: list[str] = []
        """The answer text, one piece per delta."""
        self.reasoning_parts: list[str] = []
        """The reasoning, one piece per delta."""

    @property
    def deltas(self) -> int:
        """Reasoning and content deltas received so far (tokens, roughly)."""
        return len(self.parts) + len(self.reasoning_parts)

    @property
    def thinking_time(self) -> float | None:
        """Seconds from the first reasoning to the first answer text (or to now, while the
        model still thinks); None when no reasoning came."""
        if self.reasoning_started_at is None:
            return None
        answered = self.answer_started_at
        return (self.elapsed() if answered is None else answered) - self.reasoning_started_at

    def reasoning(self) -> str:
        """The reasoning so far."""
        return "".join(self.reasoning_parts)

    def answer_begins(self) -> None:
        """Note that the first answer text arrived now."""
        self.answer_started_at = time.perf_counter() - self.started
        if self.first_token_at is None:
            self.first_token_at = self.answer_started_at

    def reasoning_begins(self) -> None:
        """Note that the first reasoning arrived now."""
        self.reasoning_started_at = time.perf_counter() - self.started
        if self.first_token_at is None:
            self.first_token_at = self.reasoning_started_at

    def elapsed(self) -> float:
        """Seconds since the request was sent."""
        return time.perf_counter() - self.started

    def text(self) -> str:
        """The text so far."""
        return "".join(self.parts)

    def stats(self, usage: Usage | None = None) -> ReplyStats:
        """The figures of the reply as it stands now (tokens from usage when given)."""
        return ReplyStats(
            self.first_token_at,
            self.elapsed(),
            usage.completion_tokens if usage else self.deltas,
            self.thinking_time,
        )
