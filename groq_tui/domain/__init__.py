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
    ReplyReasoning,
    ReplyStarted,
)
from groq_tui.domain.records import (
    ExecutedTool,
    ReplyParameters,
    ReplyStats,
    ToolCall,
    ToolSource,
    Usage,
)

__all__ = [
    "ChatParameters",
    "Conversation",
    "ConversationKind",
    "ExecutedTool",
    "Message",
    "MessageStatus",
    "ReplyDelta",
    "ReplyDone",
    "ReplyEvent",
    "ReplyFailed",
    "ReplyParameters",
    "ReplyProgress",
    "ReplyReasoning",
    "ReplyStarted",
    "ReplyStats",
    "Role",
    "ToolCall",
    "ToolSource",
    "Usage",
]
