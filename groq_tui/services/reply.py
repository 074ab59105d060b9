"""The one reply pipeline: a request in, typed events out; chat, compare and the CLI use it.

Two layers:

- :func:`read_reply` is pure: it sends one request (streamed or not) and yields a
  :class:`~groq_tui.domain.ReplyReasoning` per piece of reasoning and a
  :class:`~groq_tui.domain.ReplyDelta` per piece of answer text of choice 0, then one
  :class:`ReplyEnded` saying how it ended (complete, interrupted or failed) with everything
  the reply brought (text, reasoning, tool calls, built-in tool runs, usage, tier, figures,
  rate limits). It saves nothing.
- :func:`saved_reply` wraps it with persistence: the request goes out first, and while the
  server thinks the assistant message is saved as STREAMING and the consumer shows it (the
  reply's first text waits for neither); its text and reasoning are checkpointed every
  :data:`CHECKPOINT_SECONDS`, and its end is saved. Its ``finally`` settles the message
  whatever ends the reply: a normal end, the consumer cancelled (``CancelledError``), the
  consumer closing it (``GeneratorExit`` from ``aclose()``), or any other exception. Consume it with
  ``contextlib.aclosing`` so that closing happens when the consumer stops, not when the
  generator is collected. While it runs, the cycle collector makes no full pass
  (:mod:`groq_tui.services.collector`).

Reasoning comes two ways: in ``delta.reasoning`` / ``message.reasoning`` (gpt-oss, and any
model with ``reasoning_format: parsed``), or as a ``<think>`` block opening the content
(qwen3 by default, deepseek-r1, local models). Both become :class:`ReplyReasoning`, and the
answer text never holds the block - unless the request asked for ``reasoning_format: raw``
explicitly, which means "the content exactly as sent": then it passes through untouched.

A new kind of streamed content is a new delta class in :mod:`groq_tui.domain.events`,
yielded from :func:`read_reply`'s chunk loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Awaitable
from dataclasses import dataclass
from typing import TypeVar, cast

from groq_tui.api import APIError, ChatCompletion, GroqClient, GroqError, StreamInterrupted
from groq_tui.api.streaming import ChatStream
from groq_tui.api.thinking import ThinkSplitter, split_think
from groq_tui.domain import (
    ExecutedTool,
    Message,
    MessageStatus,
    ReplyDelta,
    ReplyDone,
    ReplyEvent,
    ReplyFailed,
    ReplyReasoning,
    ReplyStarted,
    ReplyStats,
    ToolCall,
    Usage,
)
from groq_tui.services.collector import FULL_COLLECTIONS
from groq_tui.services.errors import describe_error, describe_error_with_models
from groq_tui.services.progress import Progress
from groq_tui.services.reply_request import (
    ReplyRequest,
    SentRequest,
    close_unread,
    open_reply,
    send_request,
)
from groq_tui.services.stats import executed_tools_from_api, tool_calls_from_api, usage_from_api
from groq_tui.store import HistoryStore, StoreError

__all__ = [
    "CHECKPOINT_SECONDS",
    "Progress",
    "ReplyEnded",
    "ReplyRequest",
    "SentRequest",
    "read_reply",
    "saved_reply",
    "send_request",
]

CHECKPOINT_SECONDS = 0.5
"""How often a streaming reply's text is written to the database."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ReplyEnded:
    """The last event of :func:`read_reply`: how the reply ended and what it brought."""

    status: MessageStatus
    """COMPLETE, INTERRUPTED (cut off after some text) or FAILED."""
    content: str
    stats: ReplyStats
    model: str | None = None
    """The model that answered, as the server named it."""
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage | None = None
    remaining_requests: int | None = None
    remaining_tokens: int | None = None
    error: GroqError | None = None
    """Why it failed or was cut off."""
    completion: ChatCompletion | None = None
    """The whole server response, for a request that was not streamed."""
    reasoning: str = ""
    """The model's reasoning (from its own field, or a ``<think>`` block taken out of the
    content)."""
    executed_tools: tuple[ExecutedTool, ...] = ()
    """Built-in tools a compound model ran."""
    service_tier: str | None = None
    """The tier that served the reply, when the server said."""

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait before trying again, if it said."""
        return self.error.rate_limits.retry_after if isinstance(self.error, APIError) else None


async def read_reply(
    client: GroqClient,
    request: ReplyRequest,
    progress: Progress | None = None,
    *,
    opening: asyncio.Future[ChatStream | ChatCompletion] | None = None,
) -> AsyncGenerator[ReplyReasoning | ReplyDelta | ReplyEnded, None]:
    """Send ``request`` and yield its reasoning and text as they come, then how it ended.

    Args:
        client: The API client.
        request: Model, messages and parameters.
        progress: Where the text and timings accumulate (for a caller that reads them
            while the reply streams or after it was stopped); a new one if omitted.
        opening: The request already sent (:func:`open_reply` in a task, started when
            ``progress.started`` was set); None: sent here.

    Yields:
        :class:`ReplyReasoning` for each piece of reasoning and :class:`ReplyDelta` for each
        piece of answer text of choice 0, then one :class:`ReplyEnded`. A
        :class:`GroqError` ends the reply as INTERRUPTED or FAILED instead of being raised;
        anything else (cancellation included) propagates.
    """
    progress = progress or Progress()
    parts = progress.parts
    reasoning_parts = progress.reasoning_parts
    params = request.parameters.to_request()
    keep_content_as_sent = params.get("reasoning_format") == "raw"
    if opening is None:
        progress.started = time.perf_counter()
    try:
        opened = await (opening if opening is not None else open_reply(client, request))
        if request.stream:
            stream = cast(ChatStream, opened)
            # Looks for a <think> block opening the content; dropped once the answer begins,
            # so that the content path costs one comparison more than plain text.
            splitter = None if keep_content_as_sent else ThinkSplitter()
            async with stream:
                async for chunk in stream:
                    choice = chunk.first_choice
                    if choice is None:  # a usage-only chunk
                        continue
                    text = choice.delta.content
                    if text:
                        if splitter is not None:
                            thought, text = splitter.feed(text)
                            if text:
                                splitter = None
                            if thought:
                                if progress.reasoning_started_at is None:
                                    progress.reasoning_begins()
                                reasoning_parts.append(thought)
                                yield ReplyReasoning(thought)
                            if not text:
                                continue
                        if progress.answer_started_at is None:
                            progress.answer_begins()
                        parts.append(text)
                        yield ReplyDelta(text)
                    elif reasoning := choice.delta.reasoning:
                        if progress.reasoning_started_at is None:
                            progress.reasoning_begins()
                        reasoning_parts.append(reasoning)
                        yield ReplyReasoning(reasoning)
            if splitter is not None:  # the content ended inside (or as the start of) a tag
                thought, text = splitter.flush()
                if thought:
                    if progress.reasoning_started_at is None:
                        progress.reasoning_begins()
                    reasoning_parts.append(thought)
                    yield ReplyReasoning(thought)
                if text:
                    if progress.answer_started_at is None:
                        progress.answer_begins()
                    parts.append(text)
                    yield ReplyDelta(text)
            usage = usage_from_api(stream.usage)
            limits = stream.rate_limits
            yield ReplyEnded(
                MessageStatus.COMPLETE,
                "".join(parts),
                progress.stats(usage),
                stream.model,
                tool_calls_from_api(stream.tool_calls),
                usage,
                limits.remaining_requests,
                limits.remaining_tokens,
                reasoning="".join(reasoning_parts),
                executed_tools=executed_tools_from_api(stream.executed_tools),
                service_tier=stream.service_tier,
            )
        else:
            completion = cast(ChatCompletion, opened)
            # Nothing streamed: no time to first token, and no thinking time to tell.
            reasoning = completion.reasoning
            text = completion.text
            if text and not keep_content_as_sent:
                thought, text = split_think(text)
                reasoning = "\n\n".join(piece for piece in (reasoning, thought) if piece)
            if reasoning:
                reasoning_parts.append(reasoning)
                yield ReplyReasoning(reasoning)
            if text:
                parts.append(text)
                yield ReplyDelta(text)
            usage = usage_from_api(completion.usage)
            limits = completion.rate_limits
            calls = completion.choices[0].message.tool_calls if completion.choices else None
            yield ReplyEnded(
                MessageStatus.COMPLETE,
                "".join(parts),
                progress.stats(usage),
                completion.model or None,
                tool_calls_from_api(calls),
                usage,
                limits.remaining_requests,
                limits.remaining_tokens,
                completion=completion,
                reasoning=reasoning,
                executed_tools=executed_tools_from_api(completion.executed_tools),
                service_tier=completion.service_tier,
            )
    except GroqError as exc:
        cut_off = isinstance(exc, StreamInterrupted) or bool(parts) or bool(reasoning_parts)
        yield ReplyEnded(
            MessageStatus.INTERRUPTED if cut_off else MessageStatus.FAILED,
            "".join(parts),
            progress.stats(),
            error=exc,
            reasoning="".join(reasoning_parts),
        )


async def saved_reply(
    client: GroqClient,
    store: HistoryStore | None,
    request: ReplyRequest,
    draft: Message,
    *,
    base_url: str | None = None,
    list_models: bool = True,
    checkpoint_seconds: float = CHECKPOINT_SECONDS,
    progress: Progress | None = None,
    sent: SentRequest | None = None,
) -> AsyncGenerator[ReplyEvent, None]:
    """The reply to ``request``, saved as it streams; yields the domain's reply events.

    Args:
        client: The API client.
        store: Where the message is saved (None: nowhere, as the CLI's compare runs).
        request: What to ask.
        draft: The assistant message to save (status STREAMING, not yet saved).
        base_url: The server, named in connection errors.
        list_models: Name the available models when the model is unknown (one request).
        checkpoint_seconds: How often the text and reasoning so far are saved while it
            streams.
        progress: Where the text and figures accumulate (also given in ReplyStarted).
        sent: ``request`` already sent (:func:`send_request`): read here, and closed whatever
            ends the reply; None: sent here.

    Yields:
        :class:`ReplyStarted`, :class:`ReplyReasoning` and :class:`ReplyDelta` per piece of
        reasoning and text, then :class:`ReplyDone` or :class:`ReplyFailed`. A store error
        (a full disk) stops the saving, not the reply: the end event says it in ``not_saved``,
        and the row keeps its last good checkpoint as STREAMING (marked interrupted on the
        next start). If the consumer
        stops early (cancelled, or ``aclose()``), the message is saved as STOPPED with its
        text, reasoning and figures.
    """
    # The request goes out first: the row is written and the consumer shows the reply while
    # the server works on it (which takes longer than both).
    progress = progress or Progress()
    if sent is None:
        sent = send_request(client, request)
    progress.started = sent.started
    opening = sent.opening
    # The store's message once a write failed (a full disk): saving stops, the reply goes on.
    not_saved: str | None = None
    message = draft
    settled = False
    ended_by: BaseException | None = None
    FULL_COLLECTIONS.hold()  # no full pass of the cycle collector while it streams
    try:
        if store is not None:
            try:
                message = await _add_streaming(store, draft)
            except StoreError as exc:
                not_saved = str(exc)
        yield ReplyStarted(message, progress)
        ended: ReplyEnded | None = None
        last_checkpoint = time.monotonic()
        reading = read_reply(client, request, progress, opening=opening)
        async with contextlib.aclosing(reading) as events:
            async for event in events:
                if type(event) is ReplyDelta or type(event) is ReplyReasoning:
                    yield event
                    if store is not None and message.id is not None and not_saved is None:
                        now = time.monotonic()
                        if now - last_checkpoint >= checkpoint_seconds:
                            last_checkpoint = now
                            try:
                                await store.save_partial(
                                    message.id, progress.text(), progress.reasoning()
                                )
                            except StoreError as exc:
                                not_saved = str(exc)
                elif isinstance(event, ReplyEnded):
                    ended = event
                else:  # other streamed content passes through as it is
                    yield event
        assert ended is not None, "read_reply ends with ReplyEnded"
        message.content = ended.content
        message.reasoning = ended.reasoning
        message.status = ended.status
        # A reply that failed before any text has no figures worth showing.
        message.stats = ended.stats if ended.error is None or progress.deltas else None
        if ended.error is None:
            message.model = ended.model or message.model
            message.usage = ended.usage
            message.tool_calls = ended.tool_calls
            message.executed_tools = ended.executed_tools
            message.service_tier = ended.service_tier
        else:
            models_client = client if list_models else None
            message.error = await describe_error_with_models(ended.error, models_client, base_url)
        settled = True  # even if cancelled meanwhile, this write is waited for
        if store is not None and message.id is not None:
            try:
                await _finish_anyway(store.update_message(message))
                not_saved = None  # saved whole after all: a failed checkpoint no longer matters
            except StoreError as exc:
                not_saved = str(exc)
        if ended.error is None:
            yield ReplyDone(
                message,
                ended.stats,
                ended.remaining_requests,
                ended.remaining_tokens,
                not_saved=not_saved,
            )
        else:
            status_code = ended.error.status_code if isinstance(ended.error, APIError) else None
            yield ReplyFailed(
                message,
                message.error or "",
                ended.retry_after,
                not_saved=not_saved,
                status_code=status_code,
            )
    except BaseException as exc:
        ended_by = exc
        raise
    finally:
        FULL_COLLECTIONS.release()
        await close_unread(opening)
        if not settled:
            await _settle(store, message, progress, ended_by)


async def _settle(
    store: HistoryStore | None, message: Message, progress: Progress, cause: BaseException | None
) -> None:
    """Save a reply that did not reach its end: stopped by its consumer, or broken."""
    message.content = progress.text()
    message.reasoning = progress.reasoning()
    message.stats = progress.stats() if progress.deltas else None
    if cause is None or isinstance(cause, asyncio.CancelledError | GeneratorExit):
        message.status = MessageStatus.STOPPED
    else:
        message.status = MessageStatus.INTERRUPTED if progress.deltas else MessageStatus.FAILED
        message.error = describe_error(cause)
    if store is not None and message.id is not None:
        # If the history cannot be written, the row stays STREAMING until the next start
        # marks it interrupted; the reason the reply ended matters more than that.
        with contextlib.suppress(StoreError):
            await _finish_anyway(store.update_message(message))


async def _add_streaming(store: HistoryStore, draft: Message) -> Message:
    """Save the STREAMING row; cancelled meanwhile, wait for the row and save it STOPPED."""
    adding = asyncio.ensure_future(store.add_message(draft))
    try:
        return await asyncio.shield(adding)
    except asyncio.CancelledError:
        # The row is written on the store's thread whatever happens here: settle it.
        await asyncio.wait([adding])
        if not adding.cancelled() and adding.exception() is None:
            message = adding.result()
            message.status = MessageStatus.STOPPED
            await _finish_anyway(store.update_message(message))
        raise


async def _finish_anyway(work: Awaitable[T]) -> T:
    """Await ``work`` to its end even if the caller is cancelled meanwhile (then re-raise).

    Store calls run on the store's thread, which finishes them whatever happens here; this
    waits for them, so that the consumer's end comes after its reply's row is settled.
    """
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        raise
