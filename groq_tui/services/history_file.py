"""Opening the history whatever state its file is in, and keeping it free of dead replies.

A damaged file is set aside (renamed with the date) and a new history started; a folder that
cannot be written (read-only, or the file cannot be opened for another reason) leaves the
session a history in memory. Either way the app chats on, and says once what happened.

The store is imported inside the functions: the app imports this module before its first
frame, and SQLite is imported later, on a thread (see :meth:`AppContext.start`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from groq_tui.store import HistoryStore

RECOVERY_SECONDS = 60.0
"""How often replies left STREAMING by instances that died meanwhile are marked interrupted."""

Notify = Callable[..., None]
"""``AppContext.notify``: text, then keyword ``severity``, ``timeout``, ``title``."""


async def open_history(path: Path, notify: Notify) -> HistoryStore:
    """The history at ``path``; a new one if it was damaged; one in memory if it cannot be.

    Args:
        path: The history file.
        notify: Tells the user (once) when the history is not the file as it was.
    """
    from groq_tui.store import HistoryStore, StoreDamagedError, StoreError

    try:
        return await HistoryStore.open(path)
    except StoreDamagedError as damaged:
        problem: StoreError = damaged
        try:
            aside = await asyncio.to_thread(_set_aside, path)
            store = await HistoryStore.open(path)
        except (OSError, StoreError) as exc:
            problem = exc if isinstance(exc, StoreError) else damaged
        else:
            notify(
                f"The history was damaged ({damaged.reason}): it is kept aside as {aside}, "
                "and a new history was started.",
                severity="warning",
                title="New history",
                timeout=20,
            )
            return store
    except StoreError as exc:
        problem = exc
    notify(
        f"{problem} - this session's history will not be kept.",
        severity="warning",
        title="History not kept",
        timeout=20,
    )
    return await HistoryStore.open_in_memory()


def _set_aside(path: Path) -> Path:
    """Rename a damaged history (and its -wal and -shm files) with the date; the new name."""
    stamp = datetime.now().strftime("%Y-%m-%dT%H-%M")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 1
    while aside.exists():
        number += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
    path.rename(aside)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(aside.with_name(aside.name + suffix))
    return aside


async def recover_periodically(store: HistoryStore, every: float = RECOVERY_SECONDS) -> None:
    """Mark interrupted, every ``every`` seconds, the replies of instances that died since.

    Opening the store did it once; this runs until cancelled. A store error (a full disk)
    skips one round.
    """
    from groq_tui.store import StoreError

    while True:
        await asyncio.sleep(every)  # a period, not synchronisation
        with contextlib.suppress(StoreError):
            await store.recover_interrupted()
