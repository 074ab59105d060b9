"""Token-sized pieces of text: the echo tokeniser and a long deterministic markdown reply.

Streams are only realistic if deltas are as small as an LLM's tokens (corpus 051: ``"A"``,
``" warm"``, ``","``, ``" shimmer"``, ``"ing"``). The markdown document exercises everything
a chat renderer must cope with - headings, lists, tables, fenced code, inline code, bold -
so TUI render benchmarks can stream thousands of such pieces.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Leading whitespace sticks to the following word (max 6 letters) or punctuation mark; a
# whitespace run at the very end is a piece of its own. Every character is covered, so the
# pieces always concatenate back to the input.
_PIECE = re.compile(r"\s*(?:\w{1,6}|[^\w\s])|\s+")


def tokenize(text: str) -> list[str]:
    """Split text into small, non-empty, word-ish pieces that join back to ``text``."""
    return _PIECE.findall(text)


def _section(i: int) -> str:
    return f"""## Part {i}: streaming notes

Groq serves **fast** inference, and part {i} checks that the renderer keeps up with \
`inline code`, *emphasis*, **bold text** and [links](https://console.groq.com/docs/{i}).
Each paragraph is long enough to wrap on a narrow terminal, which is where reflow bugs hide.

- First bullet with **bold** words
- Second bullet with `code` in it
  - A nested bullet, indented two spaces
- Third bullet that closes the list

1. Open the stream
2. Render each delta as it arrives
3. Close the stream after `[DONE]`

| Model | Tokens/s | Latency |
|:------|---------:|--------:|
| llama-3.1-8b-instant | {700 + i} | 0.{i % 10}2 s |
| llama-3.3-70b-versatile | {250 + i} | 0.31 s |

```python
def fibonacci(n: int) -> int:
    \"\"\"Return the n-th Fibonacci number (part {i}).\"\"\"
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


print(fibonacci({i % 30}))
```

> A block quote ends part {i}: *fast* is a feature.

"""


_FILLER = (
    "The reply continues with plain prose so that the stream ends in an ordinary paragraph, "
    "which keeps the document valid markdown however many pieces were asked for. "
)


@lru_cache(maxsize=32)
def _pieces(n: int) -> tuple[str, ...]:
    pieces = tokenize("# Streaming markdown reply\n\n")[:n]
    part = 1
    while True:
        section = tokenize(_section(part))
        if len(pieces) + len(section) > n:
            break
        pieces.extend(section)
        part += 1
    filler: list[str] = []
    while len(pieces) + len(filler) < n:
        filler.extend(tokenize(_FILLER))
    pieces.extend(filler[: n - len(pieces)])
    return tuple(pieces)


def markdown_reply(n_chunks: int) -> list[str]:
    """``n_chunks`` non-empty deltas (a few characters each) forming a markdown document.

    Deterministic: the same ``n_chunks`` always gives the same pieces. Whole sections are
    used while they fit; the remainder is a plain paragraph, so fences and tables are never
    cut open.
    """
    if n_chunks < 0:
        raise ValueError(f"n_chunks must be >= 0, got {n_chunks}")
    return list(_pieces(n_chunks))
