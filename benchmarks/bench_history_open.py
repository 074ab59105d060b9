"""Opening a 2,000-message conversation: time to show it, scrolling, and memory.

A history database is filled with 2,000 realistic messages (Markdown replies with lists,
tables and code), then the app opens it with ``--continue`` (headless, 120x40). Reported:
the time from launching the app to the conversation being on screen, the time of page-up
scrolling through it and of loading earlier messages, and the process's peak memory.
Targets (issue 3): open within 1 s, scrolling without lag, memory under 300 MB.

    .venv/bin/python benchmarks/bench_history_open.py [--messages 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from groq_tui.app import GroqApp  # noqa: E402
from groq_tui.config import load_settings  # noqa: E402
from groq_tui.domain import Conversation, Message, ReplyStats  # noqa: E402
from groq_tui.services.context import AppContext  # noqa: E402
from groq_tui.store import HistoryStore  # noqa: E402
from tests.loopback import LoopbackServer, markdown_reply  # noqa: E402


async def seed(path: Path, count: int) -> None:
    text = "".join(markdown_reply(120))
    store = await HistoryStore.open(path / "history.db")
    conversation = await store.create_conversation(
        Conversation(title="A long conversation", model="llama-3.1-8b-instant")
    )
    for i in range(count):
        role = "user" if i % 2 == 0 else "assistant"
        content = f"Question {i}: how does this work?" if role == "user" else text
        await store.add_message(
            Message(role=role, content=content, conversation_id=conversation.id,
                    model="llama-3.1-8b-instant" if role == "assistant" else None,
                    stats=ReplyStats(time_to_first_token=0.1, duration=0.25,
                                     completion_tokens=120))
        )  # fmt: skip
    await store.close()


async def measure(path: Path, base_url: str, count: int) -> dict[str, float]:
    settings = load_settings(api_key="bench", base_url=base_url, max_retries=0)
    app = GroqApp(AppContext(settings, continue_last=True, data_path=path))
    started = time.perf_counter()
    figures: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        while app.chat_screen is None or len(app.chat_screen.messages) < count:
            await pilot.pause(0.005)
        await pilot.pause()  # let the mounted messages lay out and paint
        figures["open"] = time.perf_counter() - started
        screen = app.chat_screen
        pane = screen.query_one("#conversation")
        started = time.perf_counter()
        steps = 0
        while pane.scroll_y > 0:  # a page at a time, without animation, to the top
            pane.scroll_page_up(animate=False)
            await pilot.pause()
            steps += 1
        figures["page-up (mean)"] = (time.perf_counter() - started) / max(1, steps)
        started = time.perf_counter()
        await pilot.click("#load-earlier")
        await pilot.pause()
        figures["load earlier page"] = time.perf_counter() - started
    figures["peak RSS MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, LoopbackServer(api_key=None) as server:
        path = Path(tmp)
        started = time.perf_counter()
        asyncio.run(seed(path, args.messages))
        print(f"seeded {args.messages} messages in {time.perf_counter() - started:.2f}s")
        figures = asyncio.run(measure(path, server.base_url, args.messages))
    for name, value in figures.items():
        unit = "" if "MB" in name else "s"
        print(f"{name:<18} {value:8.3f}{unit}")
    print("targets: open < 1 s, memory < 300 MB")


if __name__ == "__main__":
    main()
