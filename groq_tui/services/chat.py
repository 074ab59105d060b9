"""The chat service: one conversation's turns, streamed from the API and saved as they come.

No Textual here: the app's screen runs :meth:`ChatService.reply` in a worker and turns its
events into widget updates. Persistence is part of the turn, not an afterthought: the
assistant message is saved before the request goes out (status STREAMING), its text is
checkpointed while it streams, and its end (complete, stopped, interrupted, failed) is saved
with what arrived, so a crash or a kill never loses a reply that was on screen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from groq_tui.api import APIError, GroqClient, GroqError, StreamInterrupted
from groq_tui.domain import (
    ChatParameters,
    Conversation,
    Message,
    MessageStatus,
    ReplyDelta,
    ReplyDone,
    ReplyEvent,
    ReplyFailed,
    ReplyStarted,
)
from groq_tui.services.errors import describe_error_with_models
from groq_tui.services.stats import stats_dict, stats_from
from groq_tui.store import HistoryStore

TITLE_LENGTH = 60
CHECKPOINT_SECONDS = 0.5
"""How often a streaming reply's text is written to the database."""


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
    """
    messages: list[dict[str, Any]] = []
    if parameters.system_prompt.strip():
        messages.append({"role": "system", "content": parameters.system_prompt})
    for message in history:
        if message.role == "assistant" and not message.content and not message.tool_calls:
            continue
        if message.status is MessageStatus.FAILED and not message.content:
            continue
        messages.append(message.to_api())
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

    async def reply(
        self, conversation: Conversation, history: Sequence[Message]
    ) -> AsyncIterator[ReplyEvent]:
        """Ask the model for the next message; yields the reply's events as they happen.

        Cancelling the consumer (the user pressed Escape) saves the partial text as STOPPED
        and re-raises the cancellation.
        """
        parameters = conversation.parameters
        params = parameters.request_params()
        if self.tools:
            params["tools"] = self.tools
        message = await self.store.add_message(
            Message(
                role="assistant",
                content="",
                conversation_id=conversation.id,
                model=conversation.model,
                status=MessageStatus.STREAMING,
                parameters=params,
            )
        )
        yield ReplyStarted(message)
        parts: list[str] = []
        started = time.perf_counter()
        first: float | None = None
        try:
            messages = request_messages(parameters, history)
            if parameters.stream:
                stream = await self.client.chat.completions.create(
                    model=conversation.model, messages=messages, stream=True, **params
                )
                last_checkpoint = time.monotonic()
                async with stream:
                    async for chunk in stream:
                        for choice in chunk.choices:
                            text = choice.delta.content
                            if choice.index != 0 or not text:
                                continue
                            if first is None:
                                first = time.perf_counter()
                            parts.append(text)
                            yield ReplyDelta(text)
                        now = time.monotonic()
                        if message.id is not None and now - last_checkpoint >= CHECKPOINT_SECONDS:
                            last_checkpoint = now
                            await self.store.save_partial(message.id, "".join(parts))
                usage = stream.usage
                tool_calls = stream.tool_calls
                limits = stream.rate_limits
                model = stream.model
            else:
                completion = await self.client.chat.completions.create(
                    model=conversation.model, messages=messages, **params
                )
                first = time.perf_counter()
                if completion.text:
                    parts.append(completion.text)
                    yield ReplyDelta(completion.text)
                usage = completion.usage
                tool_calls = (
                    completion.choices[0].message.tool_calls or [] if completion.choices else []
                )
                limits = completion.rate_limits
                model = completion.model
        except asyncio.CancelledError:
            message.content = "".join(parts)
            message.status = MessageStatus.STOPPED
            await asyncio.shield(self.store.update_message(message))
            raise
        except GroqError as exc:
            message.content = "".join(parts)
            message.status = (
                MessageStatus.INTERRUPTED
                if isinstance(exc, StreamInterrupted) or parts
                else MessageStatus.FAILED
            )
            message.error = await describe_error_with_models(exc, self.client, self.base_url)
            await self.store.update_message(message)
            retry_after = exc.rate_limits.retry_after if isinstance(exc, APIError) else None
            yield ReplyFailed(message, message.error, retry_after)
            return
        stats = stats_from(started, first, time.perf_counter(), usage, len(parts))
        message.content = "".join(parts)
        message.status = MessageStatus.COMPLETE
        message.model = model or conversation.model
        message.usage = usage.model_dump(exclude_none=True) if usage else None
        message.stats = stats_dict(stats)
        message.tool_calls = [call.model_dump() for call in tool_calls] or None
        await self.store.update_message(message)
        yield ReplyDone(message, stats, limits.remaining_requests, limits.remaining_tokens)

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
