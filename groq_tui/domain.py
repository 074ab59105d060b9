"""Plain types shared by every layer (no I/O, no Textual, no HTTP)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Literal


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


# --- conversations ---------------------------------------------------------------------


Role = Literal["system", "user", "assistant", "tool"]
ConversationKind = Literal["chat", "compare"]


class MessageStatus(StrEnum):
    """Where a message stands; anything but COMPLETE is shown with a mark."""

    COMPLETE = "complete"
    STREAMING = "streaming"
    """Still arriving; found in the database on start-up it means the app was killed."""
    STOPPED = "stopped"
    """The user stopped the reply; the partial text is kept."""
    INTERRUPTED = "interrupted"
    """The connection or the app died mid-reply; the partial text is kept."""
    FAILED = "failed"
    """The request failed; ``error`` says why."""


@dataclass(slots=True)
class ChatParameters:
    """The sampling parameters of a conversation, sent exactly as shown in the panel.

    ``max_tokens`` and ``seed`` of None are not sent (the server's defaults apply).
    """

    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int | None = None
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0
    seed: int | None = None
    stop: list[str] = field(default_factory=list)
    json_mode: bool = False
    stream: bool = True
    system_prompt: str = ""

    def request_params(self) -> dict[str, Any]:
        """The chat request fields these settings stand for (messages and model excluded)."""
        params: dict[str, Any] = {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "frequency_penalty": self.frequency_penalty,
            "presence_penalty": self.presence_penalty,
        }
        if self.max_tokens is not None:
            params["max_tokens"] = self.max_tokens
        if self.seed is not None:
            params["seed"] = self.seed
        if self.stop:
            params["stop"] = list(self.stop)
        if self.json_mode:
            params["response_format"] = {"type": "json_object"}
        return params

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (for the database and exports)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ChatParameters:
        """Rebuild from :meth:`to_dict` output, ignoring keys this version does not know."""
        if not data:
            return cls()
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


@dataclass(slots=True)
class Message:
    """One message of a conversation, with what is known about how it was made."""

    role: Role
    content: str
    id: int | None = None
    conversation_id: int | None = None
    model: str | None = None
    status: MessageStatus = MessageStatus.COMPLETE
    created_at: float = field(default_factory=time.time)
    name: str | None = None
    tool_call_id: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    """Tool calls the assistant made, as the API shapes them (id, type, function)."""
    parameters: dict[str, Any] | None = None
    """The request parameters this reply was generated with."""
    usage: dict[str, Any] | None = None
    """The server's usage object (tokens and server-side timings)."""
    stats: dict[str, Any] | None = None
    """Client-side timings: time_to_first_token, duration, tokens_per_second."""
    error: str | None = None
    reply_group: str | None = None
    """Replies to one prompt from several models (compare mode) share a group id."""

    def to_api(self) -> dict[str, Any]:
        """The message as the chat API wants it in ``messages``."""
        message: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.name:
            message["name"] = self.name
        if self.tool_call_id:
            message["tool_call_id"] = self.tool_call_id
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls
            if not self.content:
                message["content"] = None
        return message


@dataclass(slots=True)
class Conversation:
    """A saved conversation (or comparison) and the settings it carries."""

    title: str
    model: str
    id: int | None = None
    parameters: ChatParameters = field(default_factory=ChatParameters)
    kind: ConversationKind = "chat"
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)


# --- what a reply in progress reports -------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReplyStarted:
    """The assistant message exists (saved, status STREAMING); deltas follow."""

    message: Message


@dataclass(frozen=True, slots=True)
class ReplyDelta:
    """More reply text arrived."""

    text: str


@dataclass(frozen=True, slots=True)
class ReplyDone:
    """The reply ended normally; ``message`` is final and saved."""

    message: Message
    stats: ReplyStats
    remaining_requests: int | None = None
    remaining_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class ReplyFailed:
    """The reply failed or was cut off; ``message`` keeps what arrived (saved)."""

    message: Message
    error: str
    """One line for the user: what went wrong and what to do."""
    retry_after: float | None = None


ReplyEvent = ReplyStarted | ReplyDelta | ReplyDone | ReplyFailed
