"""The saved history at scale: one 2,000-message conversation in a fresh SQLite file.

Messages are realistic markdown of about 500 characters (headings, lists, code fences),
alternating user and assistant, added one by one through ``HistoryStore.add_message`` as
the app does. Reported: time to insert them, time to load the conversation (median of
several loads), time for searches, the cost of one streaming checkpoint (``save_partial``
on a reply growing to ~8 KB), and the file size.

Target: loading 2,000 messages well under 100 ms; a checkpoint well under a millisecond or two.

    .venv/bin/python benchmarks/bench_store.py [--messages 2000] [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from groq_tui.domain import Conversation, Message, MessageStatus, ReplyStats, Usage  # noqa: E402
from groq_tui.store import HistoryStore  # noqa: E402

_VOCABULARY = (
    "the model streams tokens quickly while the terminal renders markdown blocks and code "
    "python rust sqlite latency throughput async event loop widget cache index query "
    "function returns value error handling retry backoff request response header json "
    "parameter temperature sampling context window prompt reply conversation history search"
)
WORDS = _VOCABULARY.split()


def markdown(rng: random.Random, size: int = 500) -> str:
    """About ``size`` characters of markdown: a heading, prose, a list and maybe code."""
    parts = [f"## {' '.join(rng.choices(WORDS, k=3)).title()}\n"]
    while sum(map(len, parts)) < size:
        kind = rng.random()
        if kind < 0.5:
            parts.append(" ".join(rng.choices(WORDS, k=rng.randint(8, 20))).capitalize() + ".\n")
        elif kind < 0.8:
            parts.append("".join(f"- {' '.join(rng.choices(WORDS, k=4))}\n" for _ in range(3)))
        else:
            name = rng.choice(WORDS)
            parts.append(f"```python\ndef {name}(x):\n    return x * {rng.randint(2, 9)}\n```\n")
    return "\n".join(parts)[: size + 80]


async def run(messages: int, runs: int) -> None:
    rng = random.Random(42)
    contents = [markdown(rng) for _ in range(messages)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.db"
        store = await HistoryStore.open(path)
        conversation = await store.create_conversation(Conversation("benchmark", "llama"))
        assert conversation.id is not None

        started = time.perf_counter()
        for index, content in enumerate(contents):
            await store.add_message(
                Message(
                    role="user" if index % 2 == 0 else "assistant",
                    content=content,
                    conversation_id=conversation.id,
                    model=None if index % 2 == 0 else "llama-3.3-70b-versatile",
                    usage=None if index % 2 == 0 else Usage(completion_tokens=120, total_time=0.2),
                    stats=None if index % 2 == 0 else ReplyStats(0.1, 0.4, 120),
                )
            )
        insert = time.perf_counter() - started

        loads = []
        for _ in range(runs):
            started = time.perf_counter()
            loaded = await store.messages(conversation.id)
            loads.append(time.perf_counter() - started)
        assert len(loaded) == messages

        # Every hit is in the one conversation: per_conversation=None lists 50 of them.
        searches: dict[str, float] = {}
        for order in ("recent", "relevance"):
            for query in ("python", "retry backoff", "lat", "zzz-no-match"):
                times = []
                for _ in range(runs):
                    started = time.perf_counter()
                    hits = await store.search(query, per_conversation=None, order=order)
                    times.append(time.perf_counter() - started)
                searches[f"{query!r} by {order} ({len(hits)} hits)"] = statistics.median(times)

        reply = await store.add_message(
            Message(
                "assistant", "", conversation_id=conversation.id, status=MessageStatus.STREAMING
            )
        )
        assert reply.id is not None
        text = markdown(rng, 8000)
        checkpoints = []
        for end in range(40, len(text), 40):
            started = time.perf_counter()
            await store.save_partial(reply.id, text[:end])
            checkpoints.append(time.perf_counter() - started)

        await store.close()
        size = path.stat().st_size

    print(f"messages:            {messages} (~{sum(map(len, contents)) // messages} chars each)")
    print(f"insert (one by one): {insert * 1000:8.1f} ms  ({insert / messages * 1e6:.0f} µs each)")
    print(f"load messages():     {statistics.median(loads) * 1000:8.1f} ms  (median of {runs})")
    for label, seconds in searches.items():
        print(f"search {label:<42}{seconds * 1000:6.2f} ms")
    print(
        f"save_partial:        {statistics.median(checkpoints) * 1000:8.2f} ms median, "
        f"{max(checkpoints) * 1000:.2f} ms max ({len(checkpoints)} checkpoints up to 8 KB)"
    )
    print(f"file size:           {size / 1024:8.0f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(run(args.messages, args.runs))


if __name__ == "__main__":
    main()
