"""What a reply in progress reports, as typed events.

A reply's events come in this order: :class:`ReplyStarted` (the message exists, saved as
STREAMING), any number of :class:`ReplyReasoning` (the model's thinking, which comes first)
and :class:`ReplyDelta` (answer text as it arrives), then exactly one of :class:`ReplyDone`
or :class:`ReplyFailed`, unless the consumer stops reading first (the message is then saved
as STOPPED). A new kind of streamed content is a new delta class here, yielded by the one
reply pipeline in ``services/reply.py``; consumers ignore the kinds they do not show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from groq_tui.domain.conversation import Message
from groq_tui.domain.records import ReplyStats


class ReplyProgress(Protocol):
    """A reply's figures so far, updated in place as it streams (for live displays)."""

    @property
    def deltas(self) -> int:
        """Reasoning and content deltas received so far (tokens, roughly)."""
        ...

    @property
    def first_token_at(self) -> float | None:
        """Seconds from the request to the first token (reasoning or answer), once it came."""
        ...

    def elapsed(self) -> float:
        """Seconds since the request was sent."""
        ...


@dataclass(frozen=True, slots=True)
class ReplyStarted:
    """The assistant message exists (saved, status STREAMING); deltas follow."""

    message: Message
    progress: ReplyProgress
    """Live figures of this reply; read them when you want them, not per delta."""


@dataclass(frozen=True, slots=True)
class ReplyDelta:
    """More reply text arrived."""

    text: str


@dataclass(frozen=True, slots=True)
class ReplyReasoning:
    """More of the model's reasoning arrived (``delta.reasoning``, or a leading ``<think>``
    block of the content); it is never part of the answer text."""

    text: str


@dataclass(frozen=True, slots=True)
class ReplyDone:
    """The reply ended normally; ``message`` is final and saved (unless ``not_saved``)."""

    message: Message
    stats: ReplyStats
    remaining_requests: int | None = None
    remaining_tokens: int | None = None
    not_saved: str | None = None
    """Why the reply could not be saved (the store's message), or None when it was."""


@dataclass(frozen=True, slots=True)
class ReplyFailed:
    """The reply failed or was cut off; ``message`` keeps what arrived (saved unless
    ``not_saved``)."""

    message: Message
    error: str
    """One line for the user: what went wrong and what to do."""
    retry_after: float | None = None
    not_saved: str | None = None
    """Why the reply could not be saved (the store's message), or None when it was."""
    status_code: int | None = None
    """The HTTP status the server refused with (498: the flex tier is at capacity)."""


ReplyEvent = ReplyStarted | ReplyReasoning | ReplyDelta | ReplyDone | ReplyFailed
