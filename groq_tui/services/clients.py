"""The app's API client, replaceable while it is in use.

Switching server or key makes a new client; work already running on the old one (a reply
streaming, a file being transcribed, a dictation) keeps it. Users hold a :class:`ClientLease`
while they work; a replaced client is closed once no lease is held, so nothing ever sends on
a closed client. Leases are counted together, not per client: work that picked up the newer
client during its lease is covered too.
"""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType

from groq_tui.api import GroqClient

log = logging.getLogger(__name__)


class ClientLease:
    """A hold on the shared client: it stays open until :meth:`release` (or the ``with``
    block's end).

    Args:
        owner: The shared client it holds open.
        client: The client that was current when the lease was taken.
    """

    def __init__(self, owner: SharedClient, client: GroqClient) -> None:
        self._owner = owner
        self.client = client
        """The client to use."""
        self._held = True

    def release(self) -> None:
        """Let go (again is a no-op)."""
        if self._held:
            self._held = False
            self._owner._released()

    def __enter__(self) -> GroqClient:
        return self.client

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class SharedClient:
    """One current client; replaced ones are closed when their users are done.

    Args:
        client: The first client.
    """

    def __init__(self, client: GroqClient) -> None:
        self._current = client
        self._retired: list[GroqClient] = []
        self._leases = 0
        self._closing: set[asyncio.Task[None]] = set()
        self._drained = asyncio.Event()
        self._drained.set()

    @property
    def current(self) -> GroqClient:
        """The client new work should use (for a single request that is awaited at once;
        longer work takes a :meth:`lease`)."""
        return self._current

    @property
    def retired(self) -> int:
        """Replaced clients still open because a lease is held."""
        return len(self._retired)

    def lease(self) -> ClientLease:
        """Hold the clients open until the lease is released."""
        self._leases += 1
        return ClientLease(self, self._current)

    async def replace(self, client: GroqClient) -> GroqClient:
        """Make ``client`` the current one; the old one closes now if unused, else when the
        last lease is released. Returns the old one."""
        old, self._current = self._current, client
        self._retired.append(old)
        self._drained.clear()
        if self._leases == 0:
            await self._close_retired()
        return old

    def _released(self) -> None:
        self._leases -= 1
        if self._leases == 0 and self._retired:
            task = asyncio.get_running_loop().create_task(self._close_retired())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def _close_retired(self) -> None:
        retired, self._retired = self._retired, []
        for client in retired:
            try:
                await client.aclose()
            except Exception:  # a broken pool must not take the app down
                log.warning("closing a replaced client failed", exc_info=True)
        if not self._retired:
            self._drained.set()

    async def drained(self) -> None:
        """Return once every replaced client is closed (its users are done)."""
        await self._drained.wait()

    async def aclose(self) -> None:
        """Close every client (the app is ending: leases no longer matter)."""
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)
        self._retired.append(self._current)
        await self._close_retired()
