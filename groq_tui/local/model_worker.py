"""One model's worker thread: its requests run there one at a time, off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class ModelWorker:
    """The thread that owns a loaded model: inference blocks, so it runs here, in order.

    Args:
        name: The thread's name prefix (it shows in tracebacks and profilers).
    """

    def __init__(self, name: str) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def run(self, job: Callable[[], T]) -> T:
        """Run ``job`` after the requests queued before it; returns what it returns.

        A caller cancelled while its job waits in the queue leaves nothing behind: asyncio
        cancels the queued job when the cancellation is delivered, and the executor skips it
        (one already running finishes, its result dropped).
        """
        return await asyncio.get_running_loop().run_in_executor(self._executor, job)

    def submit(self, job: Callable[[], None]) -> Future[None]:
        """Queue ``job`` without waiting for it (it reports its outcome its own way)."""
        return self._executor.submit(job)

    async def unload(self, drop: Callable[[], None]) -> None:
        """Run ``drop`` after the requests already queued, then let the thread end."""
        await asyncio.get_running_loop().run_in_executor(self._executor, drop)
        self._executor.shutdown(wait=False)
