"""What the app context tells its listeners: plain callbacks and the values they receive.

No Textual here: the App subscribes and turns each into a Textual signal for the screens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

from groq_tui.domain import Conversation, Message

if TYPE_CHECKING:
    from groq_tui.store import ConversationSummary

log = logging.getLogger(__name__)

T = TypeVar("T")

Severity = Literal["information", "warning", "error"]


class Observers(Generic[T]):
    """Callbacks to call with each published value, in the order they subscribed."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[T], object]] = []

    def subscribe(self, callback: Callable[[T], object]) -> None:
        """Call ``callback(value)`` on every :meth:`publish`."""
        self._callbacks.append(callback)

    def unsubscribe(self, callback: Callable[[T], object]) -> None:
        """Stop calling ``callback`` (unknown ones are ignored)."""
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def publish(self, value: T) -> None:
        """Call every callback; one that raises is logged and does not stop the others."""
        for callback in list(self._callbacks):
            try:
                callback(value)
            except Exception:
                log.exception("an observer of %r failed", value)


@dataclass(frozen=True)
class Connection:
    """The server in use changed (service or local engine)."""

    host: str
    """The server's host, for the status bar."""
    offline: bool
    """Whether it is the local engine."""
    chat_model: str | None = None
    """The chat model to use from now on, or None to keep the current one."""


@dataclass(frozen=True)
class ServicesReady:
    """The history and the client are up."""

    opened: tuple[Conversation, list[Message]] | None
    """The conversation to show (``--continue``), or None."""
    saved: tuple[ConversationSummary, ...] = ()
    """The saved conversations, newest first, as the history lists them: shown with the news
    that the services are up, not a query and a frame later."""


@dataclass(frozen=True)
class Notice:
    """Something to tell the user."""

    text: str
    severity: Severity = "information"
    timeout: float | None = None
    """Seconds on screen (None: the default)."""
    title: str = ""
