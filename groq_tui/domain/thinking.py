"""Reasoning that arrives inside the content, between ``<think>`` and ``</think>``.

qwen3 without ``reasoning_format`` (recordings 060, 054, 012), any reasoning model with
``reasoning_format="raw"`` (016) and local models put their thinking at the start of the
content. :class:`ThinkSplitter` separates it from the answer as the deltas arrive (a tag may
be cut across deltas); the stream's own ``text`` keeps the content exactly as sent, for
callers that asked for ``raw`` and want it untouched.
"""

from __future__ import annotations

from typing import Literal

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"


class ThinkSplitter:
    """Splits a stream of content deltas into (reasoning, answer) pieces.

    Only a block that opens the content (after blank space) is reasoning; a ``<think>``
    later in an answer is answer text. The newlines just inside the tags and between the
    block and the answer are dropped.
    """

    def __init__(self) -> None:
        self._state: Literal["start", "thinking", "after", "answer"] = "start"
        self._held = ""
        self._thought = False  # any reasoning handed out yet (its leading newlines go)

    def feed(self, text: str) -> tuple[str, str]:
        """The reasoning and the answer text that ``text`` adds (either may be "")."""
        if self._state == "answer":
            return "", text
        buffer = self._held + text
        self._held = ""
        if self._state == "start":
            stripped = buffer.lstrip()
            if len(stripped) < len(OPEN_TAG) and OPEN_TAG.startswith(stripped):
                self._held = buffer  # too early to tell
                return "", ""
            if not stripped.startswith(OPEN_TAG):
                self._state = "answer"
                return "", buffer
            self._state = "thinking"
            buffer = stripped[len(OPEN_TAG) :]
        if self._state == "thinking":
            if not self._thought:
                buffer = buffer.lstrip("\n")
            end = buffer.find(CLOSE_TAG)
            if end < 0:
                hold = _partial_close_tag(buffer)
                hold += len(buffer) - hold - len(buffer[: len(buffer) - hold].rstrip("\n"))
                self._held = buffer[len(buffer) - hold :]
                reasoning = buffer[: len(buffer) - hold]
                self._thought = self._thought or bool(reasoning)
                return reasoning, ""
            reasoning = buffer[:end].rstrip("\n")
            self._state = "after"
            answer = self._after(buffer[end + len(CLOSE_TAG) :])
            return reasoning, answer
        return "", self._after(buffer)

    def flush(self) -> tuple[str, str]:
        """What is still held at the end of the stream (an unclosed block is reasoning)."""
        held, self._held = self._held, ""
        if self._state == "thinking":
            return held, ""
        if self._state == "start":
            return "", held
        return "", ""

    @property
    def in_reasoning(self) -> bool:
        """Whether the content so far is inside an opening ``<think>`` block."""
        return self._state == "thinking"

    def _after(self, text: str) -> str:
        answer = text.lstrip("\n")
        if answer:
            self._state = "answer"
        return answer


def _partial_close_tag(text: str) -> int:
    """Length of the longest end of ``text`` that could begin ``</think>``."""
    for size in range(min(len(CLOSE_TAG) - 1, len(text)), 0, -1):
        if CLOSE_TAG.startswith(text[-size:]):
            return size
    return 0


def split_think(content: str) -> tuple[str, str]:
    """The reasoning and the answer of a whole content string (non-streamed replies)."""
    splitter = ThinkSplitter()
    reasoning, answer = splitter.feed(content)
    rest_reasoning, rest_answer = splitter.flush()
    return reasoning + rest_reasoning, answer + rest_answer
