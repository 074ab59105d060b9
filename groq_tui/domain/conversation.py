"""Conversations, their messages, and the settings they carry."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from groq_tui.domain.records import ExecutedTool, ReplyParameters, ReplyStats, ToolCall, Usage

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


def search_settings(
    include: Sequence[str], exclude: Sequence[str], country: str | None
) -> dict[str, Any] | None:
    """Compound models' ``search_settings`` for these domains and country, or None when
    nothing is set (the panel's and the CLI's flags both send it this way)."""
    settings: dict[str, Any] = {}
    if include:
        settings["include_domains"] = list(include)
    if exclude:
        settings["exclude_domains"] = list(exclude)
    if country is not None:
        settings["country"] = country
    return settings or None


@dataclass(slots=True)
class ChatParameters:
    """The sampling parameters of a conversation, sent exactly as shown in the panel.

    ``max_tokens``, ``seed`` and the reasoning, tier and search settings of None (or empty)
    are not sent (the server's defaults apply).
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
    reasoning_effort: str | None = None
    """``none``/``default`` (qwen3) or ``low``/``medium``/``high`` (gpt-oss)."""
    reasoning_format: str | None = None
    """``hidden``, ``raw`` (``<think>`` in the content, kept as sent) or ``parsed``."""
    include_reasoning: bool | None = None
    service_tier: str | None = None
    """``auto``, ``on_demand``, ``flex`` or ``performance``."""
    search_include_domains: list[str] = field(default_factory=list)
    """Compound models' web search: only these domains (``search_settings.include_domains``)."""
    search_exclude_domains: list[str] = field(default_factory=list)
    """Compound models' web search: never these domains (``exclude_domains``)."""
    search_country: str | None = None
    """Compound models' web search: favour results from this country (``country``)."""

    def search_settings(self) -> dict[str, Any] | None:
        """The ``search_settings`` these settings send, or None when none is set."""
        return search_settings(
            self.search_include_domains, self.search_exclude_domains, self.search_country
        )

    def reply_parameters(self, tools: list[dict[str, Any]] | None = None) -> ReplyParameters:
        """The request parameters a reply made with these settings (and tools) is sent with."""
        return ReplyParameters(
            temperature=self.temperature,
            top_p=self.top_p,
            frequency_penalty=self.frequency_penalty,
            presence_penalty=self.presence_penalty,
            max_tokens=self.max_tokens,
            seed=self.seed,
            stop=tuple(self.stop),
            json_mode=self.json_mode,
            tools=tuple(tools or ()),
            extra={
                name: value
                for name, value in (
                    ("reasoning_effort", self.reasoning_effort),
                    ("reasoning_format", self.reasoning_format),
                    ("include_reasoning", self.include_reasoning),
                    ("service_tier", self.service_tier),
                    ("search_settings", self.search_settings()),
                )
                if value is not None
            },
        )

    def request_params(self) -> dict[str, Any]:
        """The chat request fields these settings stand for (messages and model excluded)."""
        return self.reply_parameters().to_request()


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
    tool_calls: tuple[ToolCall, ...] = ()
    """Tool calls the assistant made."""
    parameters: ReplyParameters | None = None
    """The request parameters this reply was generated with."""
    usage: Usage | None = None
    """The server's usage report (tokens and server-side timings)."""
    stats: ReplyStats | None = None
    """Client-side timings: time to first token, duration, tokens."""
    error: str | None = None
    reply_group: str | None = None
    """Replies to one prompt from several models (compare mode) share a group id."""
    column: int | None = None
    """The comparison column this reply belongs to (compare mode), 0-based."""
    reasoning: str = ""
    """The model's thinking before its answer (never part of ``content``, unless the reply
    was asked for with ``reasoning_format: raw``, which keeps the content as sent)."""
    executed_tools: tuple[ExecutedTool, ...] = ()
    """Built-in tools a compound model ran for this reply (web search, code, browsing)."""
    service_tier: str | None = None
    """The tier that served the reply, as the server said."""

    def to_api(self) -> dict[str, Any]:
        """The message as the chat API wants it in ``messages`` (without its reasoning:
        see ``services.chat.request_messages``)."""
        message: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.name:
            message["name"] = self.name
        if self.tool_call_id:
            message["tool_call_id"] = self.tool_call_id
        if self.tool_calls:
            message["tool_calls"] = [call.to_api() for call in self.tool_calls]
            if not self.content:
                message["content"] = None
        return message


@dataclass(slots=True)
class Conversation:
    """A saved conversation (or comparison) and the settings it carries."""

    title: str
    model: str
    """The model (a comparison's first column's)."""
    id: int | None = None
    parameters: ChatParameters = field(default_factory=ChatParameters)
    kind: ConversationKind = "chat"
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    models: list[str] = field(default_factory=list)
    """A comparison's column models, in column order (empty for a chat)."""
