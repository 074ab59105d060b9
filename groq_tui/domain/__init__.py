"""Plain types shared by every layer (no I/O, no Textual, no HTTP)."""

from groq_tui.domain.conversation import (
    ChatParameters,
    Conversation,
    ConversationKind,
    Message,
    MessageStatus,
    Role,
)
from groq_tui.domain.events import (
    ReplyDelta,
    ReplyDone,
    ReplyEvent,
    ReplyFailed,
    ReplyProgress,
    ReplyStarted,
)
from groq_tui.domain.records import ReplyParameters, ReplyStats, ToolCall, Usage

__all__ = [
    "ChatParameters",
    "Conversation",
    "ConversationKind",
    "Message",
    "MessageStatus",
    "ReplyDelta",
    "ReplyDone",
    "ReplyEvent",
    "ReplyFailed",
    "ReplyParameters",
    "ReplyProgress",
    "ReplyStarted",
    "ReplyStats",
    "Role",
    "ToolCall",
    "Usage",
]
