"""The reply speaker's sentence cutting, and the offline voice's wire names."""

from __future__ import annotations

from groq_tui.local.voice_engine import BUNDLED_VOICE, BUNDLED_VOICE_MODEL_ID
from groq_tui.services.speech_session import SentenceStream
from groq_tui.services.speech_settings import OFFLINE_VOICE, OFFLINE_VOICE_MODEL


def fed(pieces: list[str]) -> list[list[str]]:
    stream = SentenceStream()
    return [stream.feed(piece) for piece in pieces] + [stream.finish()]


def test_a_sentence_comes_out_once_white_space_follows_its_end() -> None:
    assert fed(["The river ", "flows. ", "Boats ", "sail", "."]) == [
        [], ["The river flows."], [], [], [], ["Boats sail."]
    ]  # fmt: skip
    assert fed(["One.", " Two", "!", "\n", "Three"]) == [
        [], ["One."], [], ["Two!"], [], ["Three"]
    ]  # fmt: skip


def test_an_open_code_block_is_summarised_once_it_closes() -> None:
    pieces = ["Here:\n\n", "```python\n", "x = 1\n", "y = 2\n", "```\n", "\nDone. "]
    out = fed(pieces)
    said = [sentence for step in out for sentence in step]
    assert said == ["Here:", "Code block in Python, 2 lines.", "Done."]
    assert out[3] == []  # not while the fence is open


def test_markdown_is_read_as_words() -> None:
    steps = fed(["**Bold** and [a link](https://x.org). ", "`code` too."])
    said = [sentence for step in steps for sentence in step]
    assert said == ["Bold and a link.", "code too."]


def test_the_offline_voice_is_the_one_the_engine_serves() -> None:
    assert (OFFLINE_VOICE_MODEL, OFFLINE_VOICE) == (BUNDLED_VOICE_MODEL_ID, BUNDLED_VOICE)
