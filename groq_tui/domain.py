"""Plain types shared by every layer (no I/O, no Textual, no HTTP)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReplyStats:
    """How fast one reply came, as measured here and as the server reported it.

    Times are seconds. ``tokens_per_second`` counts completion tokens over the time from the
    first token to the last, which is what a reader of the stream experiences; when the
    server did not report usage, the number of content deltas stands in for tokens.
    """

    time_to_first_token: float | None
    duration: float
    completion_tokens: int
    prompt_tokens: int | None = None
    server_prompt_time: float | None = None
    server_completion_time: float | None = None
    server_total_time: float | None = None
    queue_time: float | None = None

    @property
    def tokens_per_second(self) -> float | None:
        """Completion tokens per second of streaming, or None when it cannot be told."""
        if self.time_to_first_token is None:
            return None
        streaming = self.duration - self.time_to_first_token
        if streaming <= 0 or self.completion_tokens <= 1:
            return None
        return self.completion_tokens / streaming

    def summary(self) -> str:
        """One human line: ``TTFT 0.21s · 812 tok/s · 420 tokens · server 0.52s``."""
        parts: list[str] = []
        if self.time_to_first_token is not None:
            parts.append(f"TTFT {self.time_to_first_token:.2f}s")
        tps = self.tokens_per_second
        if tps is not None:
            parts.append(f"{tps:.0f} tok/s")
        parts.append(f"{self.completion_tokens} tokens")
        parts.append(f"total {self.duration:.2f}s")
        server = [
            f"{label} {value:.3f}s"
            for label, value in (
                ("prompt", self.server_prompt_time),
                ("completion", self.server_completion_time),
                ("total", self.server_total_time),
            )
            if value is not None
        ]
        if server:
            parts.append("server " + ", ".join(server))
        return " · ".join(parts)
