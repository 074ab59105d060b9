"""Closing a screen: its workers end first, while its widgets are all still there.

Textual removes a screen's widgets first and cancels the screen's workers last, at the
screen's own Unmount. A worker's clean-up - a stopped reply finalising its view and saving
what arrived, a comparison marking its columns stopped and redrawing its summary - then ran
against widgets that were gone, and quitting mid-stream printed a ``NoMatches`` traceback.
:class:`SettlingScreen` turns the order round: asked to close (popped, or the app quitting),
it cancels the workers of its nodes and waits for them to end, and only then lets Textual
take its widgets down.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from textual import on
from textual.messages import Prune
from textual.screen import Screen, ScreenResultType
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

if TYPE_CHECKING:
    from textual.dom import DOMNode

SETTLE_SECONDS = 5.0
"""At most this long for a closing screen's workers to end (a thread blocked in a device
call cannot be cancelled; the screen closes anyway)."""


async def end_workers(node: DOMNode, timeout: float = SETTLE_SECONDS) -> bool:
    """Cancel the workers of ``node`` and of every node under it; wait until each has ended.

    A worker's clean-up may start another (a stopped reply refreshes the sidebar): those are
    cancelled in turn, so none is left to run once the widgets are gone.

    Returns:
        Whether every worker ended within ``timeout``.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        owners = {node, *node.walk_children()}
        running = [
            worker
            for worker in node.app.workers
            if worker.node in owners and worker.state is not WorkerState.PENDING
            and not worker.is_finished
        ]  # fmt: skip
        if not running:
            return True
        for worker in running:
            worker.cancel()
        waits = [asyncio.ensure_future(_ended(worker)) for worker in running]
        _, pending = await asyncio.wait(waits, timeout=max(0.0, deadline - loop.time()))
        if pending:
            for wait in pending:
                wait.cancel()
            return False


async def _ended(worker: Worker[object]) -> None:
    """Wait for ``worker`` to end, however it ends (a failure is reported by Textual)."""
    with contextlib.suppress(WorkerCancelled, WorkerFailed, asyncio.CancelledError):
        await worker.wait()


class SettlingScreen(Screen[ScreenResultType]):
    """A screen whose workers end before its widgets are taken down (see the module)."""

    @on(Prune)
    async def _end_workers_first(self) -> None:
        # Prune is what every way of closing a screen sends it first (pop, dismiss, the app
        # quitting); Textual's own handler, which removes the children, runs after this one.
        await end_workers(self)
