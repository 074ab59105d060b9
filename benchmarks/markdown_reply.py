"""A deterministic Markdown reply cut into deltas the size of LLM tokens.

The text mixes what chat replies contain: headings, paragraphs with inline code, bold,
italic and links, bullet and numbered lists, tables and fenced Python code. The last delta
is a paragraph of its own holding a unique end marker, so a benchmark can tell when the end
of the reply is on screen.
"""

from __future__ import annotations

import random
import re

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


def _blocks(rng: random.Random) -> str:
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
