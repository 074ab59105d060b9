"""What is known about how a reply was made: its request, the server's usage, its timings.

Plain records, treated as values: nothing changes them once made (they are not frozen
dataclasses only because a frozen dataclass is about five times slower to build, and a long
conversation builds thousands when it opens). The store turns them into columns and back;
everything else reads their attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

NO_EXTRA: Mapping[str, Any] = MappingProxyType({})
"""The empty ``extra`` of a record (shared, read-only)."""


@dataclass(slots=True)
class ToolCall:
    """A tool call the model made: which function, with which JSON-encoded arguments."""

    id: str
    name: str
    arguments: str = ""
    """The arguments as the model wrote them (JSON text, possibly malformed)."""
    type: str = "function"

    def to_api(self) -> dict[str, Any]:
        """The call as the chat API shapes it in an assistant message."""
        return {
            "id": self.id,
            "type": self.type,
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(slots=True)
class Usage:
    """The server's usage report for one reply: token counts and its own timings (seconds).

    Groq sends it in the last chunk's ``x_groq.usage`` (or ``usage``). Fields this version
    does not know are kept in ``extra``, so nothing the server said is lost.
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    queue_time: float | None = None
    prompt_time: float | None = None
    completion_time: float | None = None
    total_time: float | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: NO_EXTRA)
    """Every other field of the server's usage object, as it sent it."""


@dataclass(slots=True)
class ReplyStats:
    """How fast one reply came, as measured here (the server's own times are in :class:`Usage`).

    Times are seconds. ``tokens_per_second`` counts completion tokens over the time from the
    first token to the last, which is what a reader of the stream experiences; when the
    server did not report usage, the number of content deltas stands in for tokens.
    """

    time_to_first_token: float | None
    duration: float
    completion_tokens: int

    @property
    def tokens_per_second(self) -> float | None:
        """Completion tokens per second of streaming, or None when it cannot be told."""
        if self.time_to_first_token is None:
            return None
        streaming = self.duration - self.time_to_first_token
        if streaming <= 0 or self.completion_tokens <= 1:
            return None
        return self.completion_tokens / streaming

    def summary(self, usage: Usage | None = None) -> str:
        """One human line: ``TTFT 0.21s · 812 tok/s · 420 tokens · total 0.60s · server …``."""
        parts: list[str] = []
        if self.time_to_first_token is not None:
            parts.append(f"TTFT {self.time_to_first_token:.2f}s")
        tps = self.tokens_per_second
        if tps is not None:
            parts.append(f"{tps:.0f} tok/s")
        parts.append(f"{self.completion_tokens} tokens")
        parts.append(f"total {self.duration:.2f}s")
        if usage is not None:
            server = [
                f"{label} {value:.3f}s"
                for label, value in (
                    ("prompt", usage.prompt_time),
                    ("completion", usage.completion_time),
                    ("total", usage.total_time),
                )
                if value is not None
            ]
            if server:
                parts.append("server " + ", ".join(server))
        return " · ".join(parts)


@dataclass(slots=True)
class ReplyParameters:
    """The request parameters a reply was generated with (messages and model aside).

    None and empty values were not sent (the server's defaults applied). Fields this version
    does not model (``tool_choice``, ``logit_bias``, ...) are kept in ``extra``.
    """

    temperature: float | None = None
    top_p: float | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    stop: tuple[str, ...] = ()
    json_mode: bool = False
    """Sent as ``response_format: {"type": "json_object"}``."""
    tools: tuple[Mapping[str, Any], ...] = ()
    """Tool definitions offered to the model (JSON schemas, as the API takes them)."""
    extra: Mapping[str, Any] = field(default_factory=lambda: NO_EXTRA)

    def to_request(self) -> dict[str, Any]:
        """The chat request fields these parameters stand for."""
        params: dict[str, Any] = {
            name: value
            for name, value in (
                ("temperature", self.temperature),
                ("top_p", self.top_p),
                ("frequency_penalty", self.frequency_penalty),
                ("presence_penalty", self.presence_penalty),
                ("max_tokens", self.max_tokens),
                ("seed", self.seed),
            )
            if value is not None
        }
        if self.stop:
            params["stop"] = list(self.stop)
        if self.json_mode:
            params["response_format"] = {"type": "json_object"}
        if self.tools:
            params["tools"] = [dict(tool) for tool in self.tools]
        params.update(self.extra)
        return params
