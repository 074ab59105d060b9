"""The saved history: an async facade over one SQLite connection on one worker thread.

Every call is queued to a single thread that owns the connection, so the event loop never
waits on disk and calls from several tasks are serialised in the order they were made.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Self, TypeVar

from groq_tui.domain import Conversation, Message
from groq_tui.domain.closing import ClosedOnExit
from groq_tui.store import queries
from groq_tui.store.connection import connect, connect_in_memory, describe
from groq_tui.store.errors import StoreClosedError, StoreError, StoreOpenError
from groq_tui.store.migrations import MIGRATIONS, Migration
from groq_tui.store.records import ConversationSummary, SearchHit
from groq_tui.store.search import SearchOrder, SnippetStyle, search
from groq_tui.store.writers import WriterLock, recover_orphaned_replies

T = TypeVar("T")


class HistoryStore(ClosedOnExit):
    """Conversations and their messages, saved in one SQLite file.

    Open it with :meth:`open` (or ``async with await HistoryStore.open(path)``) and close it
    with :meth:`close`. Every method is a coroutine that runs its SQL on the store's own
    thread. Failures raise :class:`StoreError` subclasses, never raw ``sqlite3`` errors.

    Attributes:
        path: The database file.
        schema_version: The schema version of the open database.
        recovered_count: How many replies were found still "streaming" on opening, with
            their writer gone (the app was killed mid-reply), and were marked interrupted.
        writer_id: This open history's writer id, recorded on the replies it streams; other
            instances on the same file leave those alone while this one is open.
    """

    def __init__(
        self,
        path: Path,
        executor: ThreadPoolExecutor,
        connection: sqlite3.Connection,
        schema_version: int,
        writer_lock: WriterLock,
        recovered_count: int,
    ) -> None:
        """Use :meth:`open`; this only assembles an already opened store."""
        self.path = path
        self.schema_version = schema_version
        self.recovered_count = recovered_count
        self.writer_id = writer_lock.writer_id
        self._writer_lock = writer_lock
        self._executor = executor
        self._connection: sqlite3.Connection | None = connection

    @classmethod
    async def open(cls, path: Path, *, migrations: Sequence[Migration] = MIGRATIONS) -> Self:
        """Open the history at ``path``, creating and upgrading it as needed.

        Replies left in status STREAMING by an app that is no longer running are marked
        INTERRUPTED (their text so far is kept); :attr:`recovered_count` says how many.
        Replies that another running instance is still streaming are left alone.

        Args:
            path: The database file (parent folders are created).
            migrations: The schema migrations; only tests pass anything but the default.

        Returns:
            The open store.

        Raises:
            StoreOpenError: The file is not a usable history (with the path and the reason).
            SchemaTooNewError: The file was written by a newer groq-tui.
        """
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="groq-tui-history")

        def open_and_recover() -> tuple[sqlite3.Connection, int, WriterLock, int]:
            connection, version = connect(path, migrations)
            try:
                lock = WriterLock.acquire(path)
            except OSError as exc:
                connection.close()
                raise StoreOpenError(
                    path, f"cannot create its writer lock ({exc.strerror or exc})"
                ) from exc
            try:
                lock.sweep()
                recovered = recover_orphaned_replies(connection, lock)
            except sqlite3.Error as exc:
                connection.close()
                lock.release()
                raise StoreOpenError(path, describe(exc)) from exc
            return connection, version, lock, recovered

        future = executor.submit(open_and_recover)
        try:
            connection, version, lock, recovered = await asyncio.wrap_future(future)
        except BaseException:
            # Cancelled while the thread was opening: close what it opens, on that thread.
            future.add_done_callback(_close_if_opened)
            executor.shutdown(wait=False)
            raise
        return cls(path, executor, connection, version, lock, recovered)

    @classmethod
    async def open_in_memory(cls, *, migrations: Sequence[Migration] = MIGRATIONS) -> Self:
        """A new, empty history kept in memory only: what a session can still use when the
        history file cannot be opened (a read-only or full data folder). Nothing in it
        outlives :meth:`close`.
        """
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="groq-tui-history")
        future = executor.submit(connect_in_memory, migrations)
        try:
            connection, version = await asyncio.wrap_future(future)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(Path(":memory:"), executor, connection, version, WriterLock.unshared(), 0)

    async def close(self) -> None:
        """Finish the queued work, close the file and stop the thread (safe to call twice)."""
        connection, self._connection = self._connection, None
        if connection is None:
            return

        def close_connection() -> None:
            with contextlib.suppress(sqlite3.Error):
                # Refreshes the planner's statistics when SQLite finds them stale; cheap.
                connection.execute("PRAGMA optimize")
            connection.close()
            self._writer_lock.release()

        # Shielded: a close cancelled (the app quitting) must still run once the queue drains.
        closing = asyncio.wrap_future(self._executor.submit(close_connection))
        try:
            await asyncio.shield(closing)
        except sqlite3.Error as exc:
            raise StoreError(f"history {self.path}: {describe(exc)}") from exc
        finally:
            # The queue is empty by now, so this only joins an idle thread.
            await asyncio.to_thread(self._executor.shutdown)

    async def aclose(self) -> None:
        """The same as :meth:`close`, for ``async with``."""
        await self.close()

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` on the store's thread with its connection; SQLite errors become ours."""
        connection = self._connection
        if connection is None:
            raise StoreClosedError(f"the history at {self.path} is closed")
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._executor, work, connection
            )
        except sqlite3.Error as exc:
            raise StoreError(f"history {self.path}: {describe(exc)}") from exc

    # -- conversations -------------------------------------------------------------------

    async def create_conversation(self, conversation: Conversation) -> Conversation:
        """Save a new conversation.

        Args:
            conversation: The conversation; its ``id`` must be None.

        Returns:
            A copy with ``id`` set (the argument is not changed).
        """
        if conversation.id is not None:
            raise ValueError(f"conversation {conversation.id} is already saved")
        saved = dataclasses.replace(conversation)
        new_id = await self._run(lambda db: queries.insert_conversation(db, saved))
        saved.id = new_id
        return saved

    async def update_conversation(self, conversation: Conversation) -> None:
        """Save a conversation's title, model, parameters and kind; bumps ``updated_at``.

        The argument's ``updated_at`` is set to the new time too. A conversation that no
        longer exists is ignored.
        """
        _saved_id(conversation.id, "conversation")
        snapshot = dataclasses.replace(conversation)
        now = time.time()
        await self._run(lambda db: queries.update_conversation(db, snapshot, now))
        conversation.updated_at = now

    async def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Retitle a conversation (its place in the newest-first list does not change)."""
        await self._run(lambda db: queries.rename_conversation(db, conversation_id, title))

    async def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation and all its messages (nothing happens if it is gone)."""
        await self._run(lambda db: queries.delete_conversation(db, conversation_id))

    async def get_conversation(self, conversation_id: int) -> Conversation | None:
        """A saved conversation, or None if there is no such id."""
        return await self._run(lambda db: queries.get_conversation(db, conversation_id))

    async def list_conversations(
        self, limit: int = queries.LISTED, offset: int = 0, kind: str | None = None
    ) -> list[ConversationSummary]:
        """Conversations, most recently updated first.

        Args:
            limit: The most to return.
            offset: How many to skip (for paging).
            kind: Only ``"chat"`` or only ``"compare"`` conversations; None for both.
        """
        return await self._run(lambda db: queries.list_conversations(db, limit, offset, kind))

    async def last_conversation(self) -> Conversation | None:
        """The most recently updated conversation (for ``--continue``), or None."""
        return await self._run(queries.last_conversation)

    # -- messages ------------------------------------------------------------------------

    async def messages(self, conversation_id: int) -> list[Message]:
        """A conversation's messages in order (by ``created_at``, then id).

        Replies whose writer has gone since the history was opened (another instance was
        killed meanwhile) are marked INTERRUPTED first, so they never show as streaming.
        """

        def recover_then_read(db: sqlite3.Connection) -> list[Message]:
            recover_orphaned_replies(db, self._writer_lock)
            return queries.messages(db, conversation_id)

        return await self._run(recover_then_read)

    async def recover_interrupted(self) -> int:
        """Mark INTERRUPTED the STREAMING replies whose writer is gone; returns how many.

        Opening does this; an app that stays open may call it now and then to catch
        another instance that was killed while it ran.
        """
        return await self._run(lambda db: recover_orphaned_replies(db, self._writer_lock))

    async def add_message(self, message: Message) -> Message:
        """Save a new message and bump its conversation's ``updated_at``.

        Args:
            message: The message; ``conversation_id`` must be set and ``id`` must be None.

        Returns:
            A copy with ``id`` set (the argument is not changed).

        Raises:
            StoreError: The conversation does not exist.
        """
        if message.id is not None:
            raise ValueError(f"message {message.id} is already saved")
        _saved_id(message.conversation_id, "the message's conversation")
        saved = dataclasses.replace(message)
        now = time.time()
        writer = self.writer_id
        saved.id = await self._run(lambda db: queries.insert_message(db, saved, now, writer))
        return saved

    async def update_message(self, message: Message) -> None:
        """Save a message's content, reasoning, status, model, tool calls, built-in tool runs,
        service tier, parameters, usage, stats and error (a message that no longer exists is
        ignored)."""
        _saved_id(message.id, "message")
        snapshot = dataclasses.replace(message)
        writer = self.writer_id
        await self._run(lambda db: queries.update_message(db, snapshot, writer))

    async def save_partial(self, message_id: int, content: str, reasoning: str = "") -> None:
        """Checkpoint a streaming reply's text and reasoning so far (one cheap UPDATE)."""
        await self._run(lambda db: queries.save_partial(db, message_id, content, reasoning))

    async def delete_message(self, message_id: int) -> None:
        """Delete one message (nothing happens if it is gone)."""
        await self._run(lambda db: queries.delete_message(db, message_id))

    async def delete_messages_from(self, conversation_id: int, message_id: int) -> int:
        """Delete a message and every later message of its conversation (edit-and-resend).

        Returns:
            How many messages were deleted (0 if the message is not in that conversation).
        """
        return await self._run(
            lambda db: queries.delete_messages_from(db, conversation_id, message_id)
        )

    async def integrity_problems(self) -> list[str]:
        """What SQLite's integrity check finds wrong with the file ([] when it is sound)."""

        def check(db: sqlite3.Connection) -> list[str]:
            rows = [str(row[0]) for row in db.execute("PRAGMA integrity_check")]
            return [] if rows == ["ok"] else rows

        return await self._run(check)

    # -- search --------------------------------------------------------------------------

    async def search(
        self,
        query: str,
        limit: int = 50,
        *,
        per_conversation: int | None = 1,
        order: SearchOrder = "recent",
        style: SnippetStyle | None = None,
    ) -> list[SearchHit]:
        """Find conversations by title and messages by text.

        Every word of ``query`` must match the start of a word (``pyth`` finds "Python");
        the query language of FTS5 is not exposed, so any input is safe.

        Args:
            query: What the user typed; blank gives no hits.
            limit: The most hits to return.
            per_conversation: The most hits from one conversation; None for all of them.
                The default, 1, lists each conversation once, at its best hit (its title
                when that matches, else its best matching message), as the sidebar wants.
            order: ``"recent"`` (the default, like the history list): newest conversations
                and messages first; ``"relevance"``: best matches first (bm25; slower on a
                large history, as every match is scored).
            style: How snippets mark matches; ``[`` and ``]`` by default.

        Returns:
            Title hits first, then message hits, each in ``order``.
        """
        snippet_style = style or SnippetStyle()
        return await self._run(
            lambda db: search(db, query, limit, snippet_style, per_conversation, order)
        )


def _saved_id(value: int | None, what: str) -> int:
    if value is None:
        raise ValueError(f"{what} has no id: it was never saved")
    return value


def _close_if_opened(future: Future[tuple[sqlite3.Connection, int, WriterLock, int]]) -> None:
    if not future.cancelled() and future.exception() is None:
        connection, _, lock, _ = future.result()
        with contextlib.suppress(sqlite3.Error):
            connection.close()
        lock.release()
