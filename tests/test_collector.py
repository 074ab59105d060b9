"""The cycle collector's full passes wait while replies stream, and resume after the last.

The collector is the real one (its thresholds are what the tests read); the reply streams
from the loopback server into a real history file.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from groq_tui.api import GroqClient
from groq_tui.domain import Conversation, ReplyDelta, ReplyDone, ReplyStarted
from groq_tui.services.chat import ChatService
from groq_tui.services.collector import (
    FULL_COLLECTIONS,
    HELD_THRESHOLD,
    FullCollections,
    full_collections_held,
)
from groq_tui.store import HistoryStore
from tests.loopback import LoopbackServer, Reply

FAST = "llama-3.1-8b-instant"


@pytest.fixture(autouse=True)
def thresholds() -> Iterator[tuple[int, int, int]]:
    """The collector's thresholds as the test found them, put back after it whatever
    happened; the process's switch resumes at once within these tests (an app test before
    may have ended its loop with a resume pending)."""
    FULL_COLLECTIONS.resume_now()
    before = gc.get_threshold()
    assert before[2] != HELD_THRESHOLD
    resume_after = FULL_COLLECTIONS.resume_after
    FULL_COLLECTIONS.resume_after = 0
    try:
        yield before
    finally:
        FULL_COLLECTIONS.resume_after = resume_after
        gc.set_threshold(*before)


async def turns_until(condition: Callable[[], bool], turns: int = 50) -> None:
    """Let the loop run its ready callbacks (a resume scheduled after 0 s) until ``condition``."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


async def test_nested_holds_release_the_full_passes_after_the_last(
    thresholds: tuple[int, int, int],
) -> None:
    switch = FullCollections(resume_after=0)
    first, second, _ = thresholds
    switch.hold()
    switch.hold()  # two columns of compare
    assert gc.get_threshold() == (first, second, HELD_THRESHOLD)
    switch.release()
    await asyncio.sleep(0)
    assert switch.held and gc.get_threshold()[2] == HELD_THRESHOLD
    switch.release()
    assert switch.held  # not in the same frame: a moment later
    await turns_until(lambda: not switch.held)
    assert gc.get_threshold() == thresholds


async def test_a_hold_before_the_resume_keeps_the_passes_waiting(
    thresholds: tuple[int, int, int],
) -> None:
    switch = FullCollections(resume_after=0)
    with full_collections_held(switch):
        pass
    with full_collections_held(switch):  # the next reply, sent at once
        for _ in range(5):
            await asyncio.sleep(0)
        assert gc.get_threshold()[2] == HELD_THRESHOLD
    await turns_until(lambda: not switch.held)
    assert gc.get_threshold() == thresholds


def test_without_a_loop_the_passes_resume_at_once(thresholds: tuple[int, int, int]) -> None:
    switch = FullCollections()
    with full_collections_held(switch):
        assert gc.get_threshold()[2] == HELD_THRESHOLD
    assert gc.get_threshold() == thresholds and not switch.held


@pytest.fixture
async def service(loopback: LoopbackServer, tmp_path: Path) -> AsyncIterator[ChatService]:
    store = await HistoryStore.open(tmp_path / "history.db")
    try:
        async with GroqClient(
            api_key="test-key", base_url=loopback.base_url, max_retries=0
        ) as client:
            yield ChatService(client, store)
    finally:
        await store.close()


@pytest.mark.parametrize("to_the_end", [True, False])
async def test_a_streaming_reply_holds_the_full_passes(
    loopback: LoopbackServer,
    service: ChatService,
    thresholds: tuple[int, int, int],
    to_the_end: bool,
) -> None:
    """From its start until it ends or its consumer stops it."""
    loopback.enqueue(Reply.stream_chunks(20, rate=200))
    conversation = Conversation(title="", model=FAST)
    history = [await service.add_user_message(conversation, "hello")]
    assert gc.get_threshold() == thresholds
    async with contextlib.aclosing(service.reply(conversation, history)) as events:
        async for event in events:
            if isinstance(event, ReplyStarted | ReplyDelta):
                assert gc.get_threshold()[2] == HELD_THRESHOLD
            if isinstance(event, ReplyDelta) and not to_the_end:
                break
            if isinstance(event, ReplyDone):
                assert gc.get_threshold()[2] == HELD_THRESHOLD  # shown while still held
    await turns_until(lambda: not FULL_COLLECTIONS.held)
    assert gc.get_threshold() == thresholds


async def test_replies_that_follow_closely_get_a_full_pass_now_and_then(
    thresholds: tuple[int, int, int],
) -> None:
    """Replies that keep following each other within the pause would hold the passes for good;
    after ``held_at_most`` seconds of that, the next reply starts with one."""

    def full_passes() -> int:
        return int(gc.get_stats()[2]["collections"])

    patient = FullCollections(resume_after=60, held_at_most=3600)
    with full_collections_held(patient):
        pass
    before = full_passes()
    with full_collections_held(patient):  # follows at once: still held, no pass
        assert full_passes() == before
    patient.resume_now()

    eager = FullCollections(resume_after=60, held_at_most=0)
    with full_collections_held(eager):
        pass
    before = full_passes()
    with full_collections_held(eager):  # held too long: one pass first, then held again
        assert full_passes() == before + 1
        assert gc.get_threshold()[2] == HELD_THRESHOLD
    eager.resume_now()
    assert gc.get_threshold() == thresholds
