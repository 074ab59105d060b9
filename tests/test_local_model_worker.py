"""The local engine's model worker: one request at a time, in order, off the event loop; a
request whose caller left while it was queued never runs; unloading waits for the queue."""

from __future__ import annotations

import asyncio
import threading

import pytest

from groq_tui.local.model_worker import ModelWorker

DEADLINE = 10.0


async def test_requests_run_in_order_on_the_models_own_thread() -> None:
    worker = ModelWorker("model-x")
    ran: list[tuple[int, str]] = []

    def job(number: int) -> int:
        ran.append((number, threading.current_thread().name))
        return number * 10

    results = await asyncio.gather(*(worker.run(lambda n=n: job(n)) for n in range(3)))
    assert results == [0, 10, 20]
    assert [number for number, _ in ran] == [0, 1, 2]
    assert all(name.startswith("model-x") for _, name in ran)
    await worker.unload(lambda: None)


async def test_a_request_cancelled_while_queued_never_runs() -> None:
    worker = ModelWorker("model-y")
    busy, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def hold() -> str:
        busy.set()
        release.wait(DEADLINE)
        ran.append("first")
        return "first"

    first = asyncio.create_task(worker.run(hold))
    await asyncio.to_thread(busy.wait, DEADLINE)  # the worker is taken: the next one queues
    queued = asyncio.create_task(worker.run(lambda: ran.append("left") or "left"))
    await asyncio.sleep(0)  # one step: the task submits its job to the queue, then awaits it
    queued.cancel()
    # The caller has left once its cancellation is delivered; only then may the worker move
    # on (released earlier, the worker could reach the job before the loop delivers it).
    with pytest.raises(asyncio.CancelledError):
        await queued
    release.set()
    assert await first == "first"
    assert await worker.run(lambda: ran.append("next") or "next") == "next"
    assert ran == ["first", "next"]
    await worker.unload(lambda: None)


async def test_unloading_waits_for_the_requests_already_queued() -> None:
    worker = ModelWorker("model-z")
    release = threading.Event()
    events: list[str] = []

    def work() -> None:
        release.wait(DEADLINE)
        events.append("work")

    pending = asyncio.create_task(worker.run(work))
    unloading = asyncio.create_task(worker.unload(lambda: events.append("dropped")))
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(pending, unloading)
    assert events == ["work", "dropped"]
