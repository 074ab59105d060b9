"""Every reasoning and compound recording of the corpus, replayed through the app: the
reasoning lands in the reply's thinking block (never in the answer), built-in tool runs are
listed with their sources, tool calls are shown. (The client and CLI replays are in
tests/test_corpus_replay.py.)"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from groq_tui.api.thinking import OPEN_TAG, split_think
from groq_tui.domain import MessageStatus
from groq_tui.ui.widgets.executed_tools import ExecutedToolsList
from groq_tui.ui.widgets.messages import ToolCallBlock
from tests.app_support import make_app, ready, send, wait_reply_done
from tests.loopback import LoopbackServer, Reply
from tests.test_corpus_replay import body_of, entries, reference_stream


def _shown(content: str, reasoning: str, tools: list[Any], calls: list[Any]) -> dict[str, Any]:
    thought, answer = (
        split_think(content) if content.lstrip().startswith(OPEN_TAG) else ("", content)
    )
    return {
        "reasoning": "\n\n".join(piece for piece in (reasoning, thought) if piece),
        "answer": answer,
        "tools": len(tools),
        "calls": len(calls),
    }


def expected_chat(name: str) -> dict[str, Any] | None:
    message = json.loads(body_of(name))["choices"][0]["message"]
    shown = _shown(
        message.get("content") or "",
        message.get("reasoning") or "",
        message.get("executed_tools") or [],
        message.get("tool_calls") or [],
    )
    return shown if shown["reasoning"] or shown["tools"] else None


def expected_stream(name: str) -> dict[str, Any] | None:
    stream = reference_stream(body_of(name))
    shown = _shown(
        stream["content"], stream["reasoning"], stream["executed_tools"], stream["tools"]
    )
    return shown if shown["reasoning"] or shown["tools"] else None


CHATS = {name: e for name in entries("chat") if (e := expected_chat(name)) is not None}
STREAMS = {name: e for name in entries("chat_stream") if (e := expected_stream(name)) is not None}


def test_the_reasoning_and_compound_recordings_are_all_replayed() -> None:
    # 14 non-streamed and 6 streamed recordings reason, think in the content or run tools.
    assert (len(CHATS), len(STREAMS)) == (14, 6)


@pytest.mark.parametrize(
    ("recordings", "stream"), [(CHATS, False), (STREAMS, True)], ids=["chat", "chat_stream"]
)
async def test_the_app_shows_reasoning_and_tools_of_every_recording(
    loopback: LoopbackServer, tmp_path: Path, recordings: dict[str, dict[str, Any]], stream: bool
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        for count, (name, expected) in enumerate(recordings.items(), start=1):
            await screen.action_new_conversation()
            screen.apply_parameters(
                dataclasses.replace(screen.conversation.parameters, stream=stream)
            )
            loopback.enqueue(Reply.recorded(name))
            await send(pilot, f"replay {count}")
            view = await wait_reply_done(pilot, screen)
            assert view.message.status is MessageStatus.COMPLETE, name
            block = view.thinking
            assert block is not None, name
            assert block.body.markdown == expected["reasoning"], name
            assert view.body is not None and view.body.markdown == expected["answer"], name
            assert OPEN_TAG not in view.body.markdown[:20], name
            listed = list(view.query(ExecutedToolsList))
            assert len(listed[0].tools if listed else ()) == expected["tools"], name
            assert len(view.query(ToolCallBlock)) == expected["calls"], name
