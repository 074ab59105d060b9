"""One request/response exchange: the response helpers every reply path shares.

Centralises the headers the live service puts on every response (``x-request-id`` always,
``x-ratelimit-*`` on success) and the mechanics of streaming - batched writes, pacing,
noticing a client that went away - so scripted and default replies behave alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.loopback import wire
from tests.loopback.records import RecordedRequest

# Events are joined into writes of about this size: big enough that a 10,000-chunk stream
# is a few dozen syscalls, small enough that a reader sees data arrive progressively.
WRITE_BATCH_BYTES = 64 * 1024


class ClientGone(Exception):
    """The client closed the connection while we were still sending."""


@dataclass
class Exchange:
    request: web.Request
    recorded: RecordedRequest
    request_id: str
    remaining_requests: int

    # -- headers -------------------------------------------------------------------------------

    def headers(
        self, status: int, tokens: int = 0, extra: dict[str, str] | None = None
    ) -> dict[str, str]:
        """``x-request-id`` on everything; rate-limit headers on success, as live (the live
        401 of corpus 045/063 has none)."""
        headers = {"x-request-id": self.request_id}
        if 200 <= status < 300:
            headers.update(wire.rate_limit_headers(self.remaining_requests, tokens))
        headers.update(extra or {})
        return headers

    # -- whole bodies --------------------------------------------------------------------------

    def body(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str],
    ) -> web.Response:
        response = web.Response(status=status, body=body, headers=headers)
        response.headers["Content-Type"] = content_type  # verbatim, charset and all
        return response

    def json(self, status: int, payload: Any, tokens: int = 0) -> web.Response:
        return self.body(
            status, wire.json_body(payload), wire.JSON_TYPE, self.headers(status, tokens)
        )

    def error(self, error: wire.ApiError) -> web.Response:
        """An error is JSON even for ``stream=true`` requests (corpus 046)."""
        return self.json(error.status, error.payload)

    # -- streams -------------------------------------------------------------------------------

    async def open_stream(
        self, headers: dict[str, str], status: int = 200, content_type: str = wire.SSE_TYPE
    ) -> web.StreamResponse:
        response = web.StreamResponse(status=status, headers=headers)
        response.headers["Content-Type"] = content_type
        response.headers.setdefault("Cache-Control", "no-cache")
        await response.prepare(self.request)
        return response

    async def write(self, response: web.StreamResponse, data: bytes) -> None:
        if self.client_gone():
            raise ClientGone
        try:
            await response.write(data)
        except ConnectionError as exc:
            raise ClientGone from exc

    async def write_events(
        self, response: web.StreamResponse, events: Sequence[bytes], rate: float | None = None
    ) -> None:
        """Send events in large batches; with ``rate``, release each event at its due time
        (everything already due goes out in one write, so high rates stay accurate)."""
        if rate is None:
            batch: list[bytes] = []
            size = 0
            for event in events:
                batch.append(event)
                size += len(event)
                if size >= WRITE_BATCH_BYTES:
                    await self.write(response, b"".join(batch))
                    batch, size = [], 0
            if batch:
                await self.write(response, b"".join(batch))
            return
        started = time.monotonic()
        sent = 0
        while sent < len(events):
            due = min(len(events), int((time.monotonic() - started) * rate) + 1)
            await self.write(response, b"".join(events[sent:due]))
            sent = due
            if sent < len(events):
                await asyncio.sleep(max(0.0, started + sent / rate - time.monotonic()))

    async def finish(self, response: web.StreamResponse) -> web.StreamResponse:
        """End the body cleanly (the terminating zero-length chunk)."""
        with contextlib.suppress(ConnectionError):
            await response.write_eof()
        return response

    def client_gone(self) -> bool:
        transport = self.request.transport
        return transport is None or transport.is_closing()

    async def pause(self, seconds: float) -> None:
        """Sleep, but give up as soon as the client hangs up (so stalls end with the test)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self.client_gone():
                raise ClientGone
            await asyncio.sleep(min(left, 0.05))

    def reset_connection(self) -> None:
        """Abort with a TCP RST (SO_LINGER 0), like a dropped connection mid-stream."""
        transport = self.request.transport
        if transport is None:
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()

    def close_connection(self) -> None:
        transport = self.request.transport
        if transport is not None:
            transport.close()
