"""What the screen looks like, pinned at fixed terminal sizes (pytest-textual-snapshot).

Run ``pytest tests/test_snapshots.py --snapshot-update`` after an intended visual change, and
look at the report before committing the new SVGs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from groq_tui.domain import (
    ChatParameters,
    Conversation,
    Message,
    MessageStatus,
    ReplyStats,
    Usage,
)
from groq_tui.store import HistoryStore
from groq_tui.ui.screens.dialogs import ModelPicker
from groq_tui.ui.widgets.status_bar import StatusBar
from groq_tui.ui.widgets.streaming_markdown import StreamingMarkdown
from tests.app_support import make_app, ready, send, wait_for, wait_reply_done
from tests.loopback import LoopbackServer, Reply

REPLY = """Here is a **fast** answer.

## Steps

1. Parse the stream
2. Render finished blocks once

| model | tok/s |
|---|---|
| llama-3.1-8b-instant | 750 |

```python
def hello() -> str:
    return "world"
```
"""


async def _seed(data_path: Path) -> None:
    store = await HistoryStore.open(data_path / "history.db")
    try:
        conversation = await store.create_conversation(
            Conversation(
                title="Streaming renderers",
                model="llama-3.1-8b-instant",
                parameters=ChatParameters(temperature=0.7, seed=42),
                created_at=1_700_000_000,
                updated_at=1_700_000_000,
            )
        )
        await store.add_message(
            Message(
                role="user",
                content="How do I render a fast stream?",
                conversation_id=conversation.id,
                created_at=1_700_000_001,
            )
        )
        await store.add_message(
            Message(
                role="assistant",
                content=REPLY,
                conversation_id=conversation.id,
                model="llama-3.1-8b-instant",
                status=MessageStatus.COMPLETE,
                created_at=1_700_000_002,
                usage=Usage(
                    prompt_tokens=20,
                    completion_tokens=64,
                    total_tokens=84,
                    prompt_time=0.004,
                    completion_time=0.085,
                    total_time=0.089,
                ),
                stats=ReplyStats(time_to_first_token=0.12, duration=0.21, completion_tokens=64),
            )
        )
    finally:
        await store.close()


async def _steady(pilot: Pilot[Any]) -> None:
    """Wait for start-up, then hide what differs between runs (the port, cursor blinks)."""
    await ready(pilot)
    app = pilot.app
    screen = app.screen
    if screen.size.width >= 130:  # the parameter panel is mounted when first shown
        await wait_for(pilot, lambda: bool(screen.query("#parameters")))
    status = pilot.app.screen.query_one(StatusBar)
    status.host = "api.groq.test"
    _no_blink(pilot)
    await pilot.pause(0.3)


def _no_blink(pilot: Pilot[Any]) -> None:
    for widget in pilot.app.screen.query("TextArea, Input"):
        widget.cursor_blink = False  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", [(160, 50), (80, 24), (40, 12)], ids=["160x50", "80x24", "40x12"])
def test_main_screen(
    snap_compare: Any, loopback: LoopbackServer, tmp_path: Path, size: tuple[int, int]
) -> None:
    asyncio.run(_seed(tmp_path))
    app = make_app(loopback, tmp_path, continue_last=True)

    async def run_before(pilot: Pilot[Any]) -> None:
        await _steady(pilot)
        screen = app.chat_screen
        assert screen is not None
        await wait_for(pilot, lambda: len(screen.messages) == 2)
        await wait_for(pilot, lambda: all(m.settled for m in screen.query(StreamingMarkdown)))
        await pilot.pause(0.3)
        screen.query_one("#conversation").scroll_end(animate=False, immediate=True)
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_model_picker(snap_compare: Any, loopback: LoopbackServer, tmp_path: Path) -> None:
    app = make_app(loopback, tmp_path)

    async def run_before(pilot: Pilot[Any]) -> None:
        await _steady(pilot)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker))
        _no_blink(pilot)
        await pilot.press(*"llama")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_parameter_panel(snap_compare: Any, loopback: LoopbackServer, tmp_path: Path) -> None:
    app = make_app(loopback, tmp_path)

    async def run_before(pilot: Pilot[Any]) -> None:
        await _steady(pilot)
        screen = app.chat_screen
        assert screen is not None
        screen.query_one("#temperature").focus()
        await pilot.press("left", "left")
        screen.query_one("#seed").value = "7"  # type: ignore[attr-defined]
        screen.query_one("#stop-0").value = "END"  # type: ignore[attr-defined]
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(140, 50), run_before=run_before)


def test_error_state(snap_compare: Any, loopback: LoopbackServer, tmp_path: Path) -> None:
    app = make_app(loopback, tmp_path)

    async def run_before(pilot: Pilot[Any]) -> None:
        await _steady(pilot)
        screen = app.chat_screen
        assert screen is not None
        loopback.enqueue(Reply.error(401, "Invalid API Key", code="invalid_api_key", path="/chat/"))
        await send(pilot, "hello")
        view = await wait_reply_done(pilot, screen)
        view.message.created_at = 0
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


async def _seed_comparison(data_path: Path) -> int:
    store = await HistoryStore.open(data_path / "history.db")
    try:
        conversation = await store.create_conversation(
            Conversation(
                title="Compare: haiku about speed",
                model="llama-3.1-8b-instant",
                models=["llama-3.1-8b-instant", "llama-3.3-70b-versatile", "qwen/qwen3-32b"],
                kind="compare",
                created_at=1_700_000_000,
                updated_at=1_700_000_000,
            )
        )
        await store.add_message(
            Message(role="user", content="Write a haiku about speed.",
                    conversation_id=conversation.id, created_at=1_700_000_001,
                    reply_group="turn1")
        )  # fmt: skip
        replies = [
            ("llama-3.1-8b-instant", "Tokens rush like wind,\n**silicon** rivers race on,\n"
             "answers before thought.", 0.08, 1250.0, 0.021),
            ("llama-3.3-70b-versatile", "Lightning in a chip,\nwords arrive before the "
             "blink,\n`latency` fades.", 0.14, 420.0, 0.052),
            ("qwen/qwen3-32b", "", None, None, None),
        ]  # fmt: skip
        for column, (model, text, ttft, tps, total) in enumerate(replies):
            failed = not text
            await store.add_message(
                Message(
                    role="assistant",
                    content=text,
                    conversation_id=conversation.id,
                    model=model,
                    status=MessageStatus.FAILED if failed else MessageStatus.COMPLETE,
                    created_at=1_700_000_002 + column,
                    reply_group="turn1",
                    error="429 Rate limit reached for model `qwen/qwen3-32b` (retry in 7s)"
                    if failed
                    else None,
                    usage=None
                    if failed
                    else Usage(
                        completion_tokens=18,
                        prompt_time=0.002,
                        completion_time=total,
                        total_time=total,
                    ),
                    # Saved figures: 18 tokens streamed at ``tps`` after ``ttft``.
                    stats=None
                    if ttft is None or tps is None
                    else ReplyStats(ttft, ttft + 18 / tps, 18),
                    column=column,
                )
            )
        assert conversation.id is not None
        return conversation.id
    finally:
        await store.close()


@pytest.mark.parametrize("size", [(160, 50), (80, 24)], ids=["160x50", "80x24"])
def test_compare_screen(
    snap_compare: Any, loopback: LoopbackServer, tmp_path: Path, size: tuple[int, int]
) -> None:
    conversation_id = asyncio.run(_seed_comparison(tmp_path))
    app = make_app(loopback, tmp_path)

    async def run_before(pilot: Pilot[Any]) -> None:
        await _steady(pilot)
        screen = app.chat_screen
        assert screen is not None
        await screen.open_conversation(conversation_id)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CompareScreen")
        await pilot.pause(0.2)
        _no_blink(pilot)
        shown = [m for m in app.screen.query(StreamingMarkdown) if m.region.width > 0]
        await wait_for(pilot, lambda: all(m.settled for m in shown))
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
