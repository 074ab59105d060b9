"""Markdown samples for the renderer and widget tests, and what Rich makes of them."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

from rich.console import Console
from rich.markdown import Markdown as RichMarkdown

# -- a deterministic Markdown reply ------------------------------------------------------------

_WORDS = ("tokens", "stream", "fast", "while", "the", "terminal", "renders", "each", "block")
_TOKEN = re.compile(r"\s*\S{1,5}|\s+")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(5, 12))]
    index = rng.randrange(len(words))
    words[index] = rng.choice(
        [f"`{words[index]}()`", f"**{words[index]}**", f"*{words[index]}*", words[index]]
    )
    if rng.random() < 0.2:
        words.append("[docs](https://example.com/docs)")
    return " ".join(words).capitalize() + "."


def _sections(rng: random.Random) -> Iterator[str]:
    section = 0
    while True:
        section += 1
        yield f"## Part {section}\n\n{_sentence(rng)} {_sentence(rng)}\n\n"
        kind = section % 4
        if kind == 0:
            yield "".join(f"- {_sentence(rng)}\n" for _ in range(3)) + "\n"
        elif kind == 1:
            yield "".join(f"{n}. {_sentence(rng)}\n" for n in range(1, 4)) + "\n"
        elif kind == 2:
            rows = "".join(f"| `{rng.choice(_WORDS)}` | {rng.randint(1, 99)} |\n" for _ in range(3))
            yield "| name | value |\n|------|------:|\n" + rows + "\n"
        else:
            yield (
                f"```python\ndef part_{section}(x: int) -> int:\n\n"
                f"    return x * {section}  # {rng.choice(_WORDS)}\n```\n\n"
            )


def markdown_reply(n: int, seed: int = 7) -> list[str]:
    """``n`` token-sized deltas of a Markdown reply; fences get split across deltas too."""
    rng = random.Random(seed)
    deltas: list[str] = []
    for section in _sections(rng):
        deltas.extend(_TOKEN.findall(section))
        if len(deltas) >= n:
            break
    deltas = deltas[:n]
    if "".join(deltas).count("```") % 2:
        deltas.append("\n```")
    return deltas


TRICKY = """# Title
Intro paragraph, line one
line two with `inline code`, **bold**, *italic* and a [link](https://example.com).

- a
- b

- c
  continued

Before a fence:
```python
def f():

    return 1
```
After the fence

| name | value |
|------|------:|
| one  | 1     |

---
> a quote
> more quote

1. one

2. two
## Heading right after a list
text
~~~
tilde fence

still code
~~~
"""


def rich_lines(markdown: str, width: int) -> list[str]:
    """What Rich renders for the whole document (without its leading blank lines)."""
    console = Console(width=width, force_terminal=True, color_system="truecolor")
    options = console.options.update(width=width, height=None, highlight=False)
    rendered = console.render_lines(RichMarkdown(markdown), options, pad=False, new_lines=False)
    text = ["".join(segment.text for segment in line).rstrip() for line in rendered]
    while text and not text[0]:
        text.pop(0)
    return text
