"""A minimal Textual app that streams a Markdown reply, for ``bench_render.py`` to time in tmux.

An in-process feeder appends the deltas of :func:`markdown_deltas` (a deterministic reply with
headings, paragraphs, inline code, lists, tables and Python fences) at a fixed rate, or as
fast as the loop allows, to groq-tui's ``StreamingMarkdown``, to a reasoning model's thinking
block (``ThinkingBlock``: the same renderer, dimmed, with its live clock), or to Textual's
``Markdown`` driven through ``Markdown.get_stream()``, inside an anchored ``VerticalScroll``
like the conversation pane. Timestamps are ``time.time()`` so that the driver, in another process,
can compare them with its own:

- ``OUT.start`` is written the moment the feeder starts;
- ``OUT`` (JSON) is written on exit: start, end of feeding, every key press handled.

Press ``q`` to quit; any other key is only recorded.

    .venv/bin/python -m benchmarks.render_harness --widget streaming --chunks 2000 --rate 3000 \\
        --out /tmp/run.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path

from textual import events, work
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from groq_tui.ui.widgets.streaming_markdown import StreamingMarkdown
from groq_tui.ui.widgets.thinking_block import ThinkingBlock

# -- the reply ---------------------------------------------------------------------------------

_WORDS = [
    "the",
    "model",
    "streams",
    "tokens",
    "quickly",
    "while",
    "the",
    "terminal",
    "keeps",
    "up",
    "with",
    "every",
    "delta",
    "and",
    "renders",
    "blocks",
    "once",
    "caching",
    "lines",
    "so",
    "each",
    "frame",
    "only",
    "touches",
    "the",
    "open",
    "tail",
    "of",
    "reply",
    "latency",
    "throughput",
    "buffer",
    "widget",
    "layout",
    "parser",
    "fence",
    "table",
    "list",
    "heading",
    "paragraph",
]
_TOKEN = re.compile(r"\s*\S{1,6}|\s+")


def end_marker(n: int) -> str:
    """The unique text of the last line of an ``n``-delta reply."""
    return f"END-OF-REPLY-{n}-OK"


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 16))]
    style = rng.random()
    i = rng.randrange(len(words))
    if style < 0.25:
        words[i] = f"`{words[i]}()`"
    elif style < 0.4:
        words[i] = f"**{words[i]}**"
    elif style < 0.5:
        words[i] = f"*{words[i]}*"
    elif style < 0.6:
        words[i] = f"[{words[i]}](https://example.com/{words[i]})"
    return " ".join(words).capitalize() + "."


def _blocks(rng: random.Random) -> Iterator[str]:
    """An endless series of Markdown blocks, each ending with a blank line."""
    section = 0
    while True:
        section += 1
        yield f"## Section {section}: {rng.choice(_WORDS)} {rng.choice(_WORDS)}\n\n"
        kind = section % 5
        yield " ".join(_sentence(rng) for _ in range(rng.randint(2, 5))) + "\n\n"
        if kind == 0:
            yield "".join(f"- {_sentence(rng)}\n" for _ in range(rng.randint(3, 6))) + "\n"
        elif kind == 1:
            yield "".join(f"{i}. {_sentence(rng)}\n" for i in range(1, rng.randint(4, 7))) + "\n"
        elif kind == 2:
            rows = "".join(
                f"| `{rng.choice(_WORDS)}` | {rng.randint(1, 999)} | {rng.choice(_WORDS)} |\n"
                for _ in range(rng.randint(3, 6))
            )
            yield "| name | value | note |\n|------|------:|------|\n" + rows + "\n"
        elif kind == 3:
            body = "".join(
                f"    total += {rng.choice(_WORDS)}_{i}(x)  # {rng.choice(_WORDS)}\n"
                for i in range(rng.randint(3, 8))
            )
            yield (
                f"```python\ndef {rng.choice(_WORDS)}_{section}(x: int) -> int:\n"
                f"    total = 0\n{body}\n    return total\n```\n\n"
            )
        else:
            yield f"> {_sentence(rng)}\n> {_sentence(rng)}\n\n"


def markdown_deltas(n: int, seed: int = 0) -> list[str]:
    """``n`` deltas of a Markdown reply; the last is a paragraph holding :func:`end_marker`.

    Args:
        n: The number of deltas (at least 1).
        seed: Seed for the text.

    Returns:
        The deltas, in order.
    """
    rng = random.Random(seed)
    deltas: list[str] = []
    for block in _blocks(rng):
        deltas.extend(_TOKEN.findall(block))
        if len(deltas) >= n - 1:
            break
    deltas = deltas[: n - 1]
    text = "".join(deltas)
    closing = "\n```" if text.count("```") % 2 else ""
    deltas.append(f"{closing}\n\n{end_marker(n)}\n")
    return deltas


# -- the app -----------------------------------------------------------------------------------


class RenderHarness(App[None]):
    """Streams one reply into one Markdown widget and records timings."""

    CSS = """
    VerticalScroll { height: 1fr; }
    #prompt { background: $boost; padding: 0 1; margin-bottom: 1; }
    """

    def __init__(self, widget: str, chunks: int, rate: float, out: Path) -> None:
        super().__init__()
        self.widget_kind = widget
        self.deltas = markdown_deltas(chunks)
        self.rate = rate
        self.out = out
        self.record: dict[str, object] = {"widget": widget, "chunks": chunks, "rate": rate}
        self.keys: list[tuple[str, float]] = []
        self.frames = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="pane"):
            yield Static("you: write me a long answer", id="prompt")
            if self.widget_kind == "textual":
                yield Markdown(id="reply")
            elif self.widget_kind == "thinking":
                yield ThinkingBlock(display="show", thinking=True, id="reply")
            else:
                yield StreamingMarkdown(id="reply")

    def on_mount(self) -> None:
        self.query_one("#pane", VerticalScroll).anchor()
        # Let the first frame settle so the stream does not race the app's startup.
        self.set_timer(0.3, self.feed)

    @work(exclusive=True)
    async def feed(self) -> None:
        """Append every delta on schedule, yielding to the loop after each one."""
        rate = self.rate
        deltas = self.deltas
        start = time.time()
        _write_atomically(self.out.with_suffix(".start"), repr(start))
        clock = time.perf_counter()
        if self.widget_kind == "textual":
            markdown = self.query_one("#reply", Markdown)
            stream = Markdown.get_stream(markdown)
            for index, delta in enumerate(deltas):
                await _pace(clock, index, rate)
                await stream.write(delta)
            self.record["feed_end"] = time.time()
            await stream.stop()
        elif self.widget_kind == "thinking":
            block = self.query_one("#reply", ThinkingBlock)
            for index, delta in enumerate(deltas):
                await _pace(clock, index, rate)
                block.append(delta)
            self.record["feed_end"] = time.time()
            block.body.finish()
        else:
            widget = self.query_one("#reply", StreamingMarkdown)
            for index, delta in enumerate(deltas):
                await _pace(clock, index, rate)
                widget.append(delta)
            self.record["feed_end"] = time.time()
            widget.finish()
        self.record["start"] = start
        self.record["feed_seconds"] = time.perf_counter() - clock
        self.record["widget_done"] = time.time()

    def on_streaming_markdown_rendered(self, message: StreamingMarkdown.Rendered) -> None:
        self.frames += 1

    def on_key(self, event: events.Key) -> None:
        self.keys.append((event.key, time.time()))
        if event.key == "q":
            self.exit()

    def on_unmount(self) -> None:
        self.record["keys"] = self.keys
        self.record["frames"] = self.frames
        _write_atomically(self.out, json.dumps(self.record))


def _write_atomically(path: Path, text: str) -> None:
    """Write so that a reader polling for ``path`` never sees it half-written."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    os.replace(partial, path)


async def _pace(clock: float, index: int, rate: float) -> None:
    """Wait until delta ``index`` is due at ``rate`` per second; always yield once."""
    delay = (clock + index / rate - time.perf_counter()) if rate else 0.0
    await asyncio.sleep(max(0.0, delay))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--widget", choices=("streaming", "thinking", "textual"), default="streaming"
    )
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=0.0, help="deltas per second; 0 = max")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--fps", type=float, default=0.0, help="StreamingMarkdown frame cap")
    args = parser.parse_args()
    if args.fps:
        StreamingMarkdown.FRAME_INTERVAL = 1 / args.fps
    RenderHarness(args.widget, args.chunks, args.rate, args.out).run()


if __name__ == "__main__":
    main()
