"""Compare mode with reasoning models: each column's thinking block, and reasoning tokens and
thinking time in the summary table (Pilot against the loopback server)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from groq_tui.ui.screens.compare import CompareScreen
from tests.app_support import make_app, wait_for
from tests.loopback import LoopbackServer
from tests.test_compare import open_compare, prompt, states

SLOW_THINKER = "loopback-reasoning-40-rate-20"
FAST = "llama-3.1-8b-instant"


def table_text(screen: CompareScreen) -> str:
    assert screen.summary_table is not None
    console = Console(width=200, record=True)
    console.print(screen.summary_table)
    return console.export_text()


async def test_each_column_shows_its_thinking_and_the_table_its_figures(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    loopback.reasoning_text = "Qwen thinks briefly."
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await open_compare(pilot, [SLOW_THINKER, "qwen/qwen3-32b", FAST])
        await prompt(pilot, screen, "think in columns", wait=False)
        slow = screen.columns[0]
        await wait_for(
            pilot,
            lambda: (
                slow.thinking is not None
                and slow.thinking.thinking
                and slow.current is not None
                and slow.current.markdown == ""
            ),
        )
        assert slow.thinking is not None and slow.thinking.expanded
        await wait_for(pilot, lambda: states(screen) == ["done", "done", "done"])
        slow_block, qwen_block = screen.columns[0].thinking, screen.columns[1].thinking
        assert slow_block is not None and not slow_block.expanded
        assert slow_block.tokens == 40
        assert qwen_block is not None and qwen_block.body.markdown == "Qwen thinks briefly."
        qwen_answer = screen.columns[1].current
        assert qwen_answer is not None and "<think>" not in qwen_answer.markdown
        assert screen.columns[2].thinking is None
        assert screen.columns[0].figures.reasoning_tokens == 40
        assert screen.columns[0].figures.thinking_time is not None
        text = table_text(screen)
        assert "reasoning" in text and "thinking" in text
        slow_row = next(line for line in text.splitlines() if SLOW_THINKER in line)
        assert " 40 " in slow_row
        fast_row = next(line for line in text.splitlines() if line.strip().startswith(FAST))
        assert fast_row.count(" - ") >= 2  # no reasoning tokens, no thinking time


async def test_a_reopened_comparison_shows_the_reasoning_folded(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await open_compare(pilot, ["openai/gpt-oss-20b", FAST])
        await prompt(pilot, screen, "reopen me")
        await wait_for(pilot, lambda: states(screen) == ["done", "done"])
        reasoning = screen.run.columns[0].replies[0].reasoning
        assert reasoning
        conversation_id = screen.run.conversation.id
        assert conversation_id is not None
        await pilot.press("f4")
        chat = app.chat_screen
        assert chat is not None
        await wait_for(pilot, lambda: app.screen is chat)
        await chat.open_conversation(conversation_id)
        await wait_for(
            pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen is not screen
        )
        reopened = app.screen
        assert isinstance(reopened, CompareScreen)
        await pilot.pause()
        block = reopened.columns[0].thinking
        assert block is not None and block.body.markdown == reasoning and not block.expanded
        assert reopened.columns[0].figures.reasoning_tokens is not None
