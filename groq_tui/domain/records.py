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
class ToolSource:
    """A page a built-in tool found or visited: what to cite."""

    title: str
    url: str


@dataclass(slots=True)
class ExecutedTool:
    """A built-in tool a compound model ran on the server (web search, code, browsing).

    ``data`` is the server's object as it sent it (search hits with their text and score,
    code results, ...), saved and exported whole; the fields above it are what is shown.
    """

    type: str
    arguments: str = ""
    output: str | None = None
    sources: tuple[ToolSource, ...] = ()
    """Search hits and visited pages that have a URL, in the server's order."""
    data: Mapping[str, Any] = field(default_factory=lambda: NO_EXTRA)


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

    @property
    def reasoning_tokens(self) -> int | None:
        """``completion_tokens_details.reasoning_tokens``, when the server sent it."""
        return _detail(self.extra, "completion_tokens_details", "reasoning_tokens")

    @property
    def cached_tokens(self) -> int | None:
        """``prompt_tokens_details.cached_tokens`` (prompt tokens served from the cache)."""
        return _detail(self.extra, "prompt_tokens_details", "cached_tokens")


def _detail(extra: Mapping[str, Any], group: str, name: str) -> int | None:
    details = extra.get(group)
    value = details.get(name) if isinstance(details, Mapping) else None
    return value if isinstance(value, int) else None


@dataclass(slots=True)
class ReplyStats:
    """How fast one reply came, as measured here (the server's own times are in :class:`Usage`).

    Times are seconds. ``tokens_per_second`` counts completion tokens (reasoning included)
    over the time from the first token (reasoning or answer) to the last, which is what a
    reader of the stream experiences; when the server did not report usage, the number of
    deltas stands in for tokens. A reply that was not streamed has no time to first token
    and no rate: nothing arrived before the whole of it.
    """

    time_to_first_token: float | None
    duration: float
    completion_tokens: int
    thinking_time: float | None = None
    """Seconds from the first reasoning delta to the first answer delta (None: the model
    did not reason in the stream); the answering time is the rest of the duration."""

    @property
    def tokens_per_second(self) -> float | None:
        """Completion tokens per second of streaming, or None when it cannot be told."""
        if self.time_to_first_token is None:
            return None
        streaming = self.duration - self.time_to_first_token
        if streaming <= 0 or self.completion_tokens <= 1:
            return None
        return self.completion_tokens / streaming

    @property
    def answering_time(self) -> float | None:
        """Seconds from the first answer delta to the end, for a reply that reasoned."""
        if self.thinking_time is None or self.time_to_first_token is None:
            return None
        return max(0.0, self.duration - self.time_to_first_token - self.thinking_time)

    def summary(self, usage: Usage | None = None) -> str:
        """One human line: ``TTFT 0.21s · 812 tok/s · 420 tokens · total 0.60s · server …``
        (with the thinking time, reasoning and cached tokens when there are any)."""
        parts: list[str] = []
        if self.time_to_first_token is not None:
            parts.append(f"TTFT {self.time_to_first_token:.2f}s")
        tps = self.tokens_per_second
        if tps is not None:
            parts.append(f"{tps:.0f} tok/s")
        parts.append(f"{self.completion_tokens} tokens")
        if self.thinking_time is not None:
            parts.append(f"thinking {self.thinking_time:.2f}s")
        parts.append(f"total {self.duration:.2f}s")
        if usage is not None:
            if usage.reasoning_tokens is not None:
                parts.append(f"{usage.reasoning_tokens} reasoning tokens")
            if usage.cached_tokens is not None:
                parts.append(f"{usage.cached_tokens} cached prompt tokens")
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
