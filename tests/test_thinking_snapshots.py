"""What reasoning and compound replies look like (pytest-textual-snapshot): a thinking block
while it streams, folded once answered, and a compound reply with its sources.

Run ``pytest tests/test_thinking_snapshots.py --snapshot-update`` after an intended visual
change, and look at the report before committing the new SVGs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from groq_tui.domain import (
    Conversation,
    Message,
    MessageStatus,
    ReplyStats,
    ToolSource,
    Usage,
)
from groq_tui.store import HistoryStore
from groq_tui.store.codec import executed_tool_from_json
from groq_tui.ui.widgets.executed_tools import ExecutedToolsList
from groq_tui.ui.widgets.streaming_markdown import StreamingMarkdown
from tests.app_support import make_app, wait_for
from tests.test_snapshots import _steady

SIZE = (100, 34)
THOUGHT = """The user asks for 15*3. Fifteen times three: 10*3 is 30, 5*3 is 15.

30 + 15 = **45**. I should answer briefly."""
USAGE = Usage(
    prompt_tokens=80,
    completion_tokens=96,
    total_tokens=176,
    completion_time=0.2,
    total_time=0.21,
    extra={
        "completion_tokens_details": {"reasoning_tokens": 512},
        "prompt_tokens_details": {"cached_tokens": 64},
    },
)
SOURCES = (
    ToolSource("Groq raises funding", "https://example.com/groq-funding"),
    ToolSource("LPU inference explained", "https://example.org/lpu"),
)


async def _seed(data_path: Path, *replies: Message) -> None:
    store = await HistoryStore.open(data_path / "history.db")
    try:
        conversation = await store.create_conversation(
            Conversation(
                title="Reasoning",
                model=replies[0].model or "openai/gpt-oss-20b",
                created_at=1_700_000_000,
                updated_at=1_700_000_000,
            )
        )
        await store.add_message(
            Message(
                role="user",
                content="What is 15*3?",
                conversation_id=conversation.id,
                created_at=1_700_000_001,
            )
        )
        for reply in replies:
            reply.conversation_id = conversation.id
            await store.add_message(reply)
    finally:
        await store.close()


def _reasoning_reply() -> Message:
    return Message(
        role="assistant",
        content="15 × 3 = **45**.",
        model="openai/gpt-oss-20b",
        status=MessageStatus.COMPLETE,
        created_at=1_700_000_002,
        reasoning=THOUGHT,
        usage=USAGE,
        service_tier="on_demand",
        stats=ReplyStats(
            time_to_first_token=0.1, duration=2.9, completion_tokens=96, thinking_time=2.4
        ),
    )


async def _settled(pilot: Pilot[Any]) -> None:
    screen = pilot.app.screen
    shown = [m for m in screen.query(StreamingMarkdown) if m.styles.display != "none"]
    await wait_for(pilot, lambda: all(m.settled for m in shown))
    await pilot.pause(0.3)


def test_reasoning_reply_folded(snap_compare: Any, loopback: Any, tmp_path: Path) -> None:
    asyncio.run(_seed(tmp_path, _reasoning_reply()))
    app = make_app(loopback, tmp_path, continue_last=True, model="openai/gpt-oss-20b")

    async def run_before(pilot: Pilot[Any]) -> None:
        await _steady(pilot)
        screen = app.chat_screen
        assert screen is not None
        await wait_for(pilot, lambda: len(screen.messages) == 2)
        await _settled(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_reasoning_reply_streaming(snap_compare: Any, loopback: Any, tmp_path: Path) -> None:
    app = make_app(loopback, tmp_path, model="openai/gpt-oss-20b")

    async def run_before(pilot: Pilot[Any]) -> None:
        await _steady(pilot)
        screen = app.chat_screen
        assert screen is not None
        draft = Message(
            role="assistant",
            content="",
            model="openai/gpt-oss-20b",
            status=MessageStatus.STREAMING,
            id=99,
        )
        view = await screen.conversation_view.append(draft)
        view.append_reasoning(THOUGHT[:70])
        block = view.thinking
        assert block is not None
        block.clock = lambda: 1000.0  # the live clock, pinned at 2.4 s
        block.started_at = 997.6
        view.append_reasoning(THOUGHT[70:])
        await _settled(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_compound_reply_with_sources(snap_compare: Any, loopback: Any, tmp_path: Path) -> None:
    reply = Message(
        role="assistant",
        content="Groq raised new funding [1] to build more LPU capacity [2].",
        model="groq/compound",
        status=MessageStatus.COMPLETE,
        created_at=1_700_000_002,
        reasoning="Search the web for recent news.",
        usage=USAGE,
        executed_tools=(
            executed_tool_from_json(
                {
                    "index": 0,
                    "type": "search",
                    "arguments": '{"query": "groq news"}',
                    "output": "Title: Groq raises funding",
                    "search_results": {
                        "results": [{"title": s.title, "url": s.url} for s in SOURCES]
                    },
                }
            ),
            executed_tool_from_json(
                {
                    "index": 1,
                    "type": "python",
                    "arguments": '{"code": "print(15 * 3)"}',
                    "output": "45\n",
                }
            ),
        ),
        stats=ReplyStats(
            time_to_first_token=0.3, duration=1.9, completion_tokens=96, thinking_time=1.1
        ),
    )
    asyncio.run(_seed(tmp_path, reply))
    app = make_app(loopback, tmp_path, continue_last=True, model="groq/compound")

    async def run_before(pilot: Pilot[Any]) -> None:
        await _steady(pilot)
        screen = app.chat_screen
        assert screen is not None
        await wait_for(pilot, lambda: len(screen.messages) == 2)
        await wait_for(pilot, lambda: bool(screen.query(ExecutedToolsList)))
        screen.query_one(ExecutedToolsList).collapsed = False
        await _settled(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
