"""The chat service: one conversation's turns, streamed from the API and saved as they come.

No Textual here: the app's screen runs :meth:`ChatService.reply` in a worker and turns its
events into widget updates. Persistence is part of the turn, not an afterthought: the
assistant message is saved before the request goes out (status STREAMING), its text is
checkpointed while it streams, and its end (complete, stopped, interrupted, failed) is saved
with what arrived, so a crash or a kill never loses a reply that was on screen.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from typing import Any

from groq_tui.api import GroqClient
from groq_tui.api.thinking import OPEN_TAG, split_think
from groq_tui.domain import ChatParameters, Conversation, Message, MessageStatus, ReplyEvent
from groq_tui.services.reply import ReplyRequest, SentRequest, saved_reply, send_request
from groq_tui.store import HistoryStore

TITLE_LENGTH = 60


def title_from_prompt(prompt: str) -> str:
    """A conversation title from its first prompt: the first line, shortened."""
    line = next((line.strip() for line in prompt.splitlines() if line.strip()), "")
    if len(line) > TITLE_LENGTH:
        line = line[: TITLE_LENGTH - 1].rstrip() + "…"
    return line or "New conversation"


def request_messages(
    parameters: ChatParameters, history: Sequence[Message]
) -> list[dict[str, Any]]:
    """The ``messages`` list for the API: the system prompt, then the usable history.

    Failed replies and empty stopped ones are left out: they are shown to the user but mean
    nothing to the model.

    A reply's reasoning is never sent back, nor a ``<think>`` block kept in its content
    (``reasoning_format: raw``). Groq's reasoning docs allow an assistant message to carry
    ``reasoning`` in a later turn but do not require it (reference:
    groq-api-beyond-the-reference.md, "An assistant message sent back in a later turn *may*
    carry reasoning"), and the open reasoning models it serves (gpt-oss, qwen3, deepseek-r1)
    are trained with chat templates that drop earlier turns' thinking: sending it back would
    only cost prompt tokens and context window, and could steer the model with thoughts it
    never meant as answers. So the rule followed is the models' own: answers only.
    """
    messages: list[dict[str, Any]] = []
    if parameters.system_prompt.strip():
        messages.append({"role": "system", "content": parameters.system_prompt})
    for message in history:
        if message.role == "assistant" and not message.content and not message.tool_calls:
            continue
        if message.status is MessageStatus.FAILED and not message.content:
            continue
        entry = message.to_api()
        if message.role == "assistant" and message.content.lstrip().startswith(OPEN_TAG):
            entry["content"] = split_think(message.content)[1]
        messages.append(entry)
    return messages


class ChatService:
    """Sends a conversation's turns and keeps its history.

    Args:
        client: The API client.
        store: Where conversations and messages are saved.
        base_url: The server, named in connection errors.
    """

    def __init__(
        self, client: GroqClient, store: HistoryStore, base_url: str | None = None
    ) -> None:
        self.client = client
        self.store = store
        self.base_url = base_url
        self.tools: list[dict[str, Any]] | None = None
        """Tool definitions offered to the model (loaded from a JSON file), or None."""

    async def add_user_message(self, conversation: Conversation, text: str) -> Message:
        """Save the user's prompt, creating the conversation (titled by it) on first use."""
        if conversation.id is None:
            conversation.title = title_from_prompt(text)
            saved = await self.store.create_conversation(conversation)
            conversation.id = saved.id
        message = Message(role="user", content=text, conversation_id=conversation.id)
        return await self.store.add_message(message)

    async def add_tool_result(
        self, conversation: Conversation, tool_call_id: str, name: str, content: str
    ) -> Message:
        """Save the result of a tool call the model made, to send with the next turn."""
        message = Message(
            role="tool",
            content=content,
            conversation_id=conversation.id,
            tool_call_id=tool_call_id,
            name=name,
        )
        return await self.store.add_message(message)

    def request(self, conversation: Conversation, history: Sequence[Message]) -> ReplyRequest:
        """The request for the next message of ``conversation``, after ``history``."""
        parameters = conversation.parameters
        return ReplyRequest(
            model=conversation.model,
            messages=request_messages(parameters, history),
            parameters=parameters.reply_parameters(self.tools),
            stream=parameters.stream,
        )

    def send_request(self, conversation: Conversation, history: Sequence[Message]) -> SentRequest:
        """Send the request for the next message now, ahead of saving or showing anything
        (the history may end with a prompt not saved yet); :meth:`reply` reads it."""
        return send_request(self.client, self.request(conversation, history))

    def reply(
        self,
        conversation: Conversation,
        history: Sequence[Message],
        *,
        sent: SentRequest | None = None,
    ) -> AsyncGenerator[ReplyEvent, None]:
        """Ask the model for the next message; yields the reply's events as they happen.

        Consume it with ``contextlib.aclosing``: stopping early (the user pressed Escape and
        the consumer was cancelled, or it closed the iterator) saves the partial text as
        STOPPED before the consumer's end.

        Args:
            conversation: The conversation (saved: the reply is saved in it).
            history: Its messages so far (not read when ``sent`` is given).
            sent: The request already sent by :meth:`send_request`.
        """
        request = sent.request if sent is not None else self.request(conversation, history)
        draft = Message(
            role="assistant",
            content="",
            conversation_id=conversation.id,
            model=conversation.model,
            status=MessageStatus.STREAMING,
            parameters=request.parameters,
        )
        return saved_reply(
            self.client, self.store, request, draft, base_url=self.base_url, sent=sent
        )

    # -- history ---------------------------------------------------------------------------

    async def open(self, conversation_id: int) -> tuple[Conversation, list[Message]] | None:
        """A saved conversation and its messages, or None if it is gone."""
        conversation = await self.store.get_conversation(conversation_id)
        if conversation is None:
            return None
        return conversation, await self.store.messages(conversation_id)

    async def last(self) -> tuple[Conversation, list[Message]] | None:
        """The most recently used conversation (``--continue``)."""
        conversation = await self.store.last_conversation()
        if conversation is None or conversation.id is None:
            return None
        return conversation, await self.store.messages(conversation.id)

    async def save_settings(self, conversation: Conversation) -> None:
        """Persist a saved conversation's model and parameters (unsaved ones wait)."""
        if conversation.id is not None:
            await self.store.update_conversation(conversation)

    async def rename(self, conversation_id: int, title: str) -> None:
        """Retitle a conversation."""
        await self.store.rename_conversation(conversation_id, title.strip() or "untitled")

    async def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation and its messages."""
        await self.store.delete_conversation(conversation_id)

    async def delete_message(self, message: Message) -> None:
        """Delete one message."""
        if message.id is not None:
            await self.store.delete_message(message.id)

    async def truncate_from(self, message: Message) -> None:
        """Delete this message and everything after it (edit-and-resend, regenerate)."""
        if message.id is not None and message.conversation_id is not None:
            await self.store.delete_messages_from(message.conversation_id, message.id)
