"""Compare mode: one prompt to several models, streamed concurrently, each with its own history.

A :class:`CompareRun` holds 2-4 columns. Each column is a model (with optional overrides of
temperature, max_tokens and seed) and its own conversation: follow-up prompts go to every
column, each continuing its own thread. Replies stream concurrently; a slow or failing column
never holds the others back, because each runs in its own task and reports its own events.

Everything is saved in the history as one conversation of kind ``compare``: the prompts once,
each reply with its model, its column and the turn it answers (``reply_group``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from groq_tui.api import GroqClient
from groq_tui.domain import (
    ChatParameters,
    Conversation,
    Message,
    MessageStatus,
    ReplyDelta,
    ReplyDone,
    ReplyFailed,
    ReplyProgress,
    ReplyReasoning,
    ReplyStarted,
)
from groq_tui.services.chat import request_messages, title_from_prompt
from groq_tui.services.reply import (
    Progress,
    ReplyRequest,
    SentRequest,
    saved_reply,
    send_request,
)
from groq_tui.store import HistoryStore

MIN_COLUMNS = 2
MAX_COLUMNS = 4


@dataclass(slots=True)
class ColumnOverrides:
    """Per-column values that replace the shared parameters (None: use the shared one)."""

    temperature: float | None = None
    max_tokens: int | None = None
    seed: int | None = None

    def apply(self, parameters: ChatParameters) -> ChatParameters:
        """The shared parameters with this column's overrides applied."""
        changes: dict[str, Any] = {
            name: value
            for name, value in (
                ("temperature", self.temperature),
                ("max_tokens", self.max_tokens),
                ("seed", self.seed),
            )
            if value is not None
        }
        return dataclasses.replace(parameters, stop=list(parameters.stop), **changes)

    def describe(self) -> str:
        """``temperature=0.2 seed=7`` (empty when nothing is overridden)."""
        return " ".join(
            f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"
            for name, value in dataclasses.asdict(self).items()
            if value is not None
        )


@dataclass(slots=True)
class Column:
    """One model's side of the comparison."""

    model: str
    overrides: ColumnOverrides = field(default_factory=ColumnOverrides)
    replies: list[Message] = field(default_factory=list)
    """This column's replies, one per turn (index = turn)."""


# A column's events are the reply pipeline's, each told which column it belongs to.


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnDelta(ReplyDelta):
    """More text (or reasoning) for a column; its live figures are read from the reply's
    progress."""

    column: int
    progress: ReplyProgress
    reasoning: bool = False
    """The text is the model's reasoning, not its answer."""

    @property
    def elapsed(self) -> float:
        """Seconds since the request was sent."""
        return self.progress.elapsed()

    @property
    def first_token_at(self) -> float | None:
        """Seconds from the request to the first token."""
        return self.progress.first_token_at

    @property
    def deltas(self) -> int:
        """Content deltas received so far (tokens, roughly)."""
        return self.progress.deltas


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnDone(ReplyDone):
    """A column's reply ended normally."""

    column: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnFailed(ReplyFailed):
    """A column's reply failed, or was stopped; ``message`` keeps what arrived."""

    column: int
    stopped: bool = False


CompareEvent = ColumnDelta | ColumnDone | ColumnFailed
"""What :meth:`CompareRun.run_turn` yields (a column's saved reply is in its ``replies``
from its start)."""


class CompareRun:
    """A comparison in progress: columns, shared settings, the prompts sent so far."""

    def __init__(
        self,
        client: GroqClient,
        store: HistoryStore | None,
        models: Sequence[str],
        parameters: ChatParameters | None = None,
        base_url: str | None = None,
    ) -> None:
        if not MIN_COLUMNS <= len(models) <= MAX_COLUMNS:
            raise ValueError(f"compare {MIN_COLUMNS} to {MAX_COLUMNS} models, not {len(models)}")
        self.client = client
        self.store = store
        self.base_url = base_url
        self.columns = [Column(model) for model in models]
        self.conversation = Conversation(
            title="Comparison",
            model=models[0],
            parameters=parameters or ChatParameters(),
            kind="compare",
            models=list(models),
        )
        self.prompts: list[Message] = []
        self.turn_ids: list[str] = []
        self._tasks: dict[int, asyncio.Task[None]] = {}

    # -- persistence (none when run without a store, as the CLI does) ----------------------

    async def _add(self, message: Message) -> Message:
        return message if self.store is None else await self.store.add_message(message)

    # -- history ---------------------------------------------------------------------------

    def history(self, column: int, upto_turn: int | None = None) -> list[Message]:
        """Column ``column``'s own conversation: each prompt followed by its reply there."""
        turns = len(self.prompts) if upto_turn is None else upto_turn
        messages: list[Message] = []
        replies = self.columns[column].replies
        for turn in range(turns):
            messages.append(self.prompts[turn])
            if turn < len(replies):
                messages.append(replies[turn])
        return messages

    async def set_system_prompt(self, text: str) -> None:
        """Use ``text`` as the system prompt of every column from the next prompt on.

        Raises:
            StoreError: It could not be saved with the comparison (it is used all the same).
        """
        parameters = self.conversation.parameters
        self.conversation.parameters = dataclasses.replace(
            parameters, stop=list(parameters.stop), system_prompt=text
        )
        if self.conversation.id is not None and self.store is not None:
            await self.store.update_conversation(self.conversation)

    async def add_prompt(self, text: str) -> int:
        """Save a prompt that every column answers; returns its turn number.

        The comparison is saved with it: created on the first prompt, and its column models
        updated when they changed since.
        """
        models = [column.model for column in self.columns]
        if self.conversation.models != models:
            self.conversation.models = models
            self.conversation.model = models[0]
            if self.conversation.id is not None and self.store is not None:
                await self.store.update_conversation(self.conversation)
        if self.conversation.id is None and self.store is not None:
            self.conversation.title = "Compare: " + title_from_prompt(text)
            saved = await self.store.create_conversation(self.conversation)
            self.conversation.id = saved.id
        message = await self._add(
            Message(role="user", content=text, conversation_id=self.conversation.id)
        )
        self.prompts.append(message)
        self.turn_ids.append(uuid.uuid4().hex[:12])
        return len(self.prompts) - 1

    # -- streaming -------------------------------------------------------------------------

    def send_prompt(self, text: str) -> dict[int, SentRequest]:
        """Send every column's request for a new prompt now, before it is saved or shown
        (:meth:`add_prompt` saves it, :meth:`run_turn` reads the replies): see
        :mod:`groq_tui.services.reply_request`."""
        turn, prompt = len(self.prompts), Message(role="user", content=text)
        return {
            index: send_request(self.client, self._request(index, turn, prompt))
            for index in range(len(self.columns))
        }

    def _request(self, index: int, turn: int, prompt: Message) -> ReplyRequest:
        """Column ``index``'s request: its own history up to ``turn``, then ``prompt``."""
        column = self.columns[index]
        parameters = column.overrides.apply(self.conversation.parameters)
        context = [*self.history(index, turn), prompt]
        return ReplyRequest(
            column.model, request_messages(parameters, context), parameters.reply_parameters()
        )

    async def run_turn(
        self,
        turn: int,
        columns: Sequence[int] | None = None,
        *,
        sent: Mapping[int, SentRequest] | None = None,
    ) -> AsyncGenerator[CompareEvent, None]:
        """Stream every (or the given) column's reply to ``turn`` concurrently.

        Events of all columns arrive interleaved as they happen. Cancelling the consumer stops
        every column; :meth:`stop_column` stops one. ``sent`` holds requests already sent by
        :meth:`send_prompt` (read here; the caller closes any this did not reach).
        """
        queue: asyncio.Queue[CompareEvent | None] = asyncio.Queue()
        chosen = list(range(len(self.columns))) if columns is None else list(columns)
        ahead = sent or {}
        tasks = {
            index: asyncio.create_task(self._run_column(index, turn, queue, ahead.get(index)))
            for index in chosen
        }
        self._tasks.update(tasks)
        remaining = len(chosen)
        try:
            while remaining:
                event = await queue.get()
                if event is None:
                    remaining -= 1
                    continue
                yield event
        finally:
            for task in tasks.values():
                task.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)
            for index, task in tasks.items():
                if self._tasks.get(index) is task:
                    del self._tasks[index]

    def running(self, column: int) -> bool:
        """Whether a column's reply is streaming now."""
        return column in self._tasks

    def stop_column(self, column: int) -> None:
        """Stop one column's stream; the others go on."""
        task = self._tasks.get(column)
        if task is not None:
            task.cancel()

    async def _run_column(
        self,
        index: int,
        turn: int,
        queue: asyncio.Queue[CompareEvent | None],
        sent: SentRequest | None,
    ) -> None:
        column = self.columns[index]
        request = self._request(index, turn, self.prompts[turn]) if sent is None else sent.request
        replaced = column.replies[turn].id if turn < len(column.replies) else None
        message: Message | None = None
        progress = Progress()
        try:
            if replaced is not None and self.store is not None:
                await self.store.delete_message(replaced)  # a retry replaces the old reply
            draft = Message(
                role="assistant",
                content="",
                conversation_id=self.conversation.id,
                model=column.model,
                status=MessageStatus.STREAMING,
                parameters=request.parameters,
                reply_group=self.turn_ids[turn],
                column=index,
            )
            events = saved_reply(
                self.client,
                self.store,
                request,
                draft,
                base_url=self.base_url,
                list_models=False,
                progress=progress,
                sent=sent,
            )
            async with contextlib.aclosing(events):
                async for event in events:
                    if type(event) is ReplyDelta:
                        queue.put_nowait(ColumnDelta(event.text, column=index, progress=progress))
                    elif type(event) is ReplyReasoning:
                        queue.put_nowait(
                            ColumnDelta(event.text, column=index, progress=progress, reasoning=True)
                        )
                    elif isinstance(event, ReplyStarted):
                        message = event.message
                        if turn < len(column.replies):
                            column.replies[turn] = message
                        else:
                            column.replies.append(message)
                    elif isinstance(event, ReplyDone | ReplyFailed):
                        queue.put_nowait(_in_column(event, index))
        except asyncio.CancelledError:
            if message is not None:  # saved as STOPPED by the pipeline by now
                queue.put_nowait(ColumnFailed(message, "stopped", column=index, stopped=True))
            raise
        finally:
            if sent is not None:  # (cancelled before the pipeline took it over)
                await sent.close()
            queue.put_nowait(None)

    # -- after the fact ----------------------------------------------------------------------

    @classmethod
    def from_saved(
        cls,
        client: GroqClient,
        store: HistoryStore,
        conversation: Conversation,
        messages: Sequence[Message],
        base_url: str | None = None,
    ) -> CompareRun:
        """Rebuild a saved comparison: prompts, and each column's replies by turn."""
        models = list(conversation.models) or [conversation.model]
        while len(models) < MIN_COLUMNS:
            models.append(models[-1])
        run = cls(client, store, models[:MAX_COLUMNS], conversation.parameters, base_url)
        run.conversation = conversation
        for message in messages:
            if message.role == "user":
                run.prompts.append(message)
                run.turn_ids.append(message.reply_group or uuid.uuid4().hex[:12])
            elif message.role == "assistant" and run.prompts:
                index = message.column or 0
                if index < len(run.columns):
                    replies = run.columns[index].replies
                    while len(replies) < len(run.prompts) - 1:
                        replies.append(_missing_reply(message))
                    replies.append(message)
        if run.turn_ids:
            # Replies name their turn; prompts saved before carry none: align on the replies.
            for index, prompt_id in enumerate(run.turn_ids):
                for column in run.columns:
                    if index < len(column.replies) and column.replies[index].reply_group:
                        run.turn_ids[index] = column.replies[index].reply_group or prompt_id
        return run

    async def continue_with(self, column: int) -> Conversation:
        """Turn a column into an ordinary chat conversation with its history (saved)."""
        if self.store is None:
            raise RuntimeError("continuing a column needs the history store")
        source = self.columns[column]
        conversation = Conversation(
            title=self.conversation.title.removeprefix("Compare: "),
            model=source.model,
            parameters=source.overrides.apply(self.conversation.parameters),
        )
        saved = await self.store.create_conversation(conversation)
        conversation.id = saved.id
        for message in self.history(column):
            if message.role == "assistant" and message.status is MessageStatus.FAILED:
                continue
            copy = dataclasses.replace(message, id=None, conversation_id=conversation.id)
            await self.store.add_message(copy)
        return conversation


def _in_column(event: ReplyDone | ReplyFailed, column: int) -> ColumnDone | ColumnFailed:
    """How a column's reply ended, as the pipeline told it, with the column's index."""
    fields = {field.name: getattr(event, field.name) for field in dataclasses.fields(event)}
    if isinstance(event, ReplyDone):
        return ColumnDone(**fields, column=column)
    return ColumnFailed(**fields, column=column)


def _missing_reply(like: Message) -> Message:
    return Message(
        role="assistant",
        content="",
        conversation_id=like.conversation_id,
        model=like.model,
        status=MessageStatus.FAILED,
        error="no reply was saved for this turn",
    )


def fastest(values: Sequence[float | None], *, lower_is_better: bool) -> int | None:
    """The index of the best value (None when no column has one)."""
    known = [(value, index) for index, value in enumerate(values) if value is not None]
    if not known:
        return None
    return (min(known) if lower_is_better else max(known))[1]
