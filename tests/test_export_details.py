"""Exports of a conversation: timestamps that agree with the messages, and reply headings
kept under the turn headings in Markdown."""

from __future__ import annotations

import json
from pathlib import Path

from groq_tui.domain import ChatParameters, Conversation, Message
from groq_tui.services.export import to_markdown
from tests.app_support import make_app, ready, send, wait_for, wait_reply_done
from tests.loopback import LoopbackServer


async def test_json_export_updated_at_is_not_before_the_last_message(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await send(pilot, "first")
        await wait_reply_done(pilot, screen)
        await send(pilot, "second")
        await wait_reply_done(pilot, screen, count=2)
        screen.action_export("json")
        await wait_for(pilot, lambda: list((tmp_path / "exports").glob("*.json")))
    document = json.loads(next((tmp_path / "exports").glob("*.json")).read_text())
    last = max(m["created_at"] for m in document["messages"])
    assert document["updated_at"] >= last
    assert document["updated_at"] >= document["created_at"]


REPLY_WITH_HEADINGS = """# Plan

Intro.

## Steps

```python
# not a heading
x = 1
```

Setext title
============

> # quoted stays

###### deepest
"""


def test_markdown_export_puts_reply_headings_under_the_turn_headings() -> None:
    conversation = Conversation(title="Plans", model="m", parameters=ChatParameters())
    messages = [
        Message(role="user", content="# my notes\nplan it"),
        Message(role="assistant", content=REPLY_WITH_HEADINGS, model="m"),
    ]
    markdown = to_markdown(conversation, messages)
    lines = markdown.splitlines()
    assert lines[0] == "# Plans"
    assert "## You" in lines and "## Assistant (m)" in lines
    assert "### my notes" in lines
    assert "### Plan" in lines and "#### Steps" in lines and "### Setext title" in lines
    assert "# not a heading" in lines  # inside a code block: untouched
    assert "> # quoted stays" in lines
    assert "###### deepest" in lines  # there is no deeper level
    assert "============" not in lines
    assert not [line for line in lines if line.startswith(("# ", "## ")) and line not in
                ("# Plans", "## You", "## Assistant (m)", "# not a heading")]  # fmt: skip
