"""A reply's request: what to ask, and sending it ahead of the caller's other work.

A streamed reply runs as long as the server streams it, from the moment the request reaches
the server. Everything the app does before the request leaves (saving the prompt, showing
it, laying out the screen) adds to the time until the reply's last line is on screen. So a
screen sends first (:func:`send_request`), waits the moment it takes for the request to be
on its way (:attr:`SentRequest.on_its_way`), and only then does its own work; the reply
pipeline (:func:`groq_tui.services.reply.saved_reply`) takes the sent request over.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from groq_tui.api import ChatCompletion, GroqClient
from groq_tui.api.streaming import ChatStream
from groq_tui.domain import ReplyParameters

STREAM_OPTIONS = {"include_usage": True}
"""Asked of every stream: its last chunk then carries the usage and the tier that served it."""

HEAD_START_SECONDS = 0.05
"""The most a caller waits for its request to be on its way before going on regardless (a
request queued for a free connection of the pool waits for one)."""


@dataclass(frozen=True, slots=True)
class ReplyRequest:
    """What to ask the model."""

    model: str
    messages: list[dict[str, Any]]
    parameters: ReplyParameters = field(default_factory=ReplyParameters)
    stream: bool = True


async def open_reply(
    client: GroqClient,
    request: ReplyRequest,
    *,
    on_its_way: Callable[[], None] | None = None,
) -> ChatStream | ChatCompletion:
    """Send ``request``: the open stream, or the whole completion if not streamed.

    ``on_its_way`` is called once the request has left (see :meth:`GroqClient.send`)."""
    params = request.parameters.to_request()
    if request.stream:
        # The usage chunk is the only one of a stream that names the tier used (051-055);
        # stream_options the parameters carry themselves are sent as they are.
        params = {"stream_options": STREAM_OPTIONS, **params}
        return await client.chat.completions.create(
            model=request.model,
            messages=request.messages,
            stream=True,
            on_its_way=on_its_way,
            **params,
        )
    completion: ChatCompletion = await client.chat.completions.create(
        model=request.model, messages=request.messages, on_its_way=on_its_way, **params
    )
    return completion


@dataclass(eq=False)
class SentRequest:
    """A reply's request on its way, before anything reads its response.

    Hand it to :func:`groq_tui.services.reply.saved_reply` (``sent=``), which reads and
    closes it; or :meth:`close` it if the reply is given up before that.
    """

    request: ReplyRequest
    opening: asyncio.Future[ChatStream | ChatCompletion]
    """The response: the open stream, or the whole completion."""
    started: float
    """``time.perf_counter()`` when it was sent (the reply's figures count from here)."""
    left: asyncio.Event
    """Set once the request is on its way, or has already failed."""

    async def on_its_way(self, at_most: float = HEAD_START_SECONDS) -> None:
        """Wait until the request has left (its body written, or its connection being
        made), or has failed; at most ``at_most`` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.left.wait(), at_most)

    async def close(self) -> None:
        """Stop the request if its response was not read to the end (idempotent)."""
        await close_unread(self.opening)


def send_request(client: GroqClient, request: ReplyRequest) -> SentRequest:
    """Send ``request`` now, in a task of its own; see :class:`SentRequest`."""
    left = asyncio.Event()
    opening = asyncio.ensure_future(open_reply(client, request, on_its_way=left.set))
    opening.add_done_callback(lambda _: left.set())
    return SentRequest(request, opening, time.perf_counter(), left)


async def close_unread(opening: asyncio.Future[ChatStream | ChatCompletion]) -> None:
    """Stop a request whose reply was not read to its end (the consumer stopped first)."""
    if not opening.done():
        opening.cancel()
        await asyncio.wait([opening])
    if opening.cancelled() or opening.exception() is not None:
        return  # (an error that nothing read is dropped here, not logged as unretrieved)
    opened = opening.result()
    if isinstance(opened, ChatStream):
        await opened.aclose()  # idempotent: read_reply may have closed it
