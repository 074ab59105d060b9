"""Who writes which streaming reply: one lock file per open history, held while it is open.

Every open :class:`~groq_tui.store.HistoryStore` takes a writer id and holds an exclusive
lock on ``<history>-writers/<id>.lock``; the STREAMING rows it writes carry that id. The
operating system drops the lock when the process dies, however it dies (kill -9 included),
so "the writer is gone" is exactly "its lock can be taken". Only such replies are recovered:
a second instance on the same history leaves the first one's live replies alone.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import uuid
from pathlib import Path

from groq_tui.domain import MessageStatus

INTERRUPTED_BY_EXIT = "The app stopped before this reply finished; the text that arrived is kept."
"""The error recorded on replies whose writer is gone."""

_SUFFIX = ".lock"

if sys.platform == "win32":  # pragma: no cover - the suite runs on POSIX
    import msvcrt

    def _try_lock(descriptor: int) -> bool:
        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(descriptor: int) -> bool:
        # flock belongs to the open file, not the process: two stores of one process
        # exclude each other just as two processes do.
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def writers_folder(database: Path) -> Path:
    """The folder of the lock files of the history at ``database``."""
    return database.with_name(database.name + "-writers")


class WriterLock:
    """The lock an open history holds for as long as it is open.

    Attributes:
        writer_id: The id recorded on the STREAMING rows this history writes.
        folder: The folder of every writer's lock file.
    """

    def __init__(self, folder: Path, writer_id: str, descriptor: int | None) -> None:
        """Use :meth:`acquire`."""
        self.folder = folder
        self.writer_id = writer_id
        self._descriptor: int | None = descriptor

    @classmethod
    def acquire(cls, database: Path) -> WriterLock:
        """Create and lock a new writer's lock file next to ``database``.

        Raises:
            OSError: The folder or the file cannot be created (a read-only data dir).
        """
        folder = writers_folder(database)
        folder.mkdir(exist_ok=True)
        writer_id = uuid.uuid4().hex
        # Locked under another name first, then renamed: a sweep by another instance never
        # sees the file unlocked and takes it for a dead writer's.
        unlocked = folder / f"{writer_id}.new"
        descriptor = os.open(unlocked, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            if not _try_lock(descriptor):  # a fresh random name: nobody else can hold it
                raise OSError(f"cannot lock the new writer file {unlocked}")
            os.replace(unlocked, folder / f"{writer_id}{_SUFFIX}")
        except BaseException:
            os.close(descriptor)
            with contextlib.suppress(OSError):
                unlocked.unlink()
            raise
        return cls(folder, writer_id, descriptor)

    @classmethod
    def unshared(cls) -> WriterLock:
        """A writer id without a lock file, for a history no other process can open."""
        return cls(Path(), uuid.uuid4().hex, None)

    def release(self) -> None:
        """Remove the lock file and drop the lock (safe to call twice)."""
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is None:
            return
        # Removed while still held, so nobody finds it unlocked and wonders.
        with contextlib.suppress(OSError):
            (self.folder / f"{self.writer_id}{_SUFFIX}").unlink()
        os.close(descriptor)

    def is_gone(self, writer_id: str) -> bool:
        """Whether the writer ``writer_id`` no longer runs (its lock file is free or gone).

        A gone writer's leftover lock file is removed on the way.
        """
        if writer_id == self.writer_id:
            return False
        path = self.folder / f"{writer_id}{_SUFFIX}"
        try:
            descriptor = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return True
        except OSError:  # unreadable (another user's?): not ours to declare dead
            return False
        try:
            if not _try_lock(descriptor):
                return False
            with contextlib.suppress(OSError):
                path.unlink()
            return True
        finally:
            os.close(descriptor)

    def sweep(self) -> None:
        """Remove the lock files of writers that are gone (killed ones leave theirs)."""
        with contextlib.suppress(OSError):
            for path in self.folder.glob(f"*{_SUFFIX}"):
                self.is_gone(path.name.removesuffix(_SUFFIX))


def recover_orphaned_replies(connection: sqlite3.Connection, lock: WriterLock) -> int:
    """Mark INTERRUPTED the STREAMING replies whose writer is gone; returns how many.

    Rows without a writer (saved before schema 4) count as gone: no running version of the
    app writes them. Replies of live writers, this one included, are left as they are.
    """
    streaming = str(MessageStatus.STREAMING)
    writers = [
        row[0]
        for row in connection.execute(
            "SELECT DISTINCT writer FROM messages WHERE status = ?", (streaming,)
        )
    ]
    recovered = 0
    for writer in writers:
        if writer is not None and not lock.is_gone(writer):
            continue
        cursor = connection.execute(
            "UPDATE messages SET status = ?, error = coalesce(error, ?), writer = NULL"
            " WHERE status = ? AND writer IS ?",
            (str(MessageStatus.INTERRUPTED), INTERRUPTED_BY_EXIT, streaming, writer),
        )
        recovered += cursor.rowcount
    return recovered
