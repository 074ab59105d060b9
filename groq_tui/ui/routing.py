"""Requests from one screen that another screen carries out: messages the App routes.

A screen posts one to itself; it bubbles up to the App, which hands it to the screen concerned
(opening it first if need be).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from groq_tui.domain import Conversation, Message as ChatMessage


@dataclass
class OpenConversation(Message):
    """Open a saved conversation in the chat screen (and go back to it)."""

    conversation_id: int
    notice: str = ""
    """Something to tell the user once it is open ("" for nothing)."""


@dataclass
class OpenSavedCompare(Message):
    """Reopen a saved comparison in the compare screen."""

    conversation: Conversation
    messages: list[ChatMessage]


@dataclass
class InsertIntoComposer(Message):
    """Put text at the chat composer's cursor, and go back to the chat."""

    text: str


class HistoryChanged(Message):
    """Conversations were saved elsewhere (a comparison): the history sidebar is stale."""
