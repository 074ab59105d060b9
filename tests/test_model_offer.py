"""Which of a server's models the app offers for chat, and which a comparison starts with.

The model list is the one recorded from the live service (GET /models, 2026): it lists
text-to-speech voices (Orpheus) and moderation classifiers (Llama Guard, Prompt Guard,
gpt-oss-safeguard) beside the chat models, in no particular order.
"""

from __future__ import annotations

import json
from pathlib import Path

from groq_tui.api import Model
from groq_tui.app import GroqApp
from groq_tui.services.model_offer import chat_models, compare_suggestion
from groq_tui.ui.screens.dialogs import ModelPicker, TextPrompt
from tests.app_support import make_app, ready, wait_for
from tests.loopback import LoopbackServer

RECORDED = Path(__file__).parent / "fixtures" / "groq-recorded"


def live_models() -> list[Model]:
    body = json.loads((RECORDED / "073_models_list__models-list-2026.body").read_text())
    return [Model.model_validate(entry) for entry in body["data"]]


def test_speech_models_are_not_offered_for_chat() -> None:
    models = [*live_models(), Model(id="playai-tts"), Model(id="piper-en_US-joe-medium")]
    offered = {m.id for m in chat_models(models)}
    # These do not chat: Groq documents them for /audio/speech (Orpheus, PlayAI; the offline
    # engine's Piper voice) and /audio/transcriptions (Whisper) only. The loopback server
    # refuses a chat request to one with a 400; no recording shows the live one's answer.
    for speech in ("canopylabs/orpheus-v1-english", "canopylabs/orpheus-arabic-saudi",
                   "playai-tts", "piper-en_US-joe-medium", "whisper-large-v3"):  # fmt: skip
        assert speech not in offered
    assert {"llama-3.3-70b-versatile", "openai/gpt-oss-120b", "qwen/qwen3-32b"} <= offered
    # A moderation model answers chat requests (its verdict): it stays on offer.
    assert "meta-llama/llama-guard-4-12b" in offered


def test_a_comparison_starts_with_chat_models_of_other_makers() -> None:
    suggested = compare_suggestion("llama-3.3-70b-versatile", live_models(), 3)
    # Not the first models the server happens to list (a 512-token Prompt Guard classifier
    # and a 4k-context model): chat models from other makers than the current one, in the
    # server's order.
    assert suggested == [
        "llama-3.3-70b-versatile",
        "openai/gpt-oss-20b",
        "moonshotai/kimi-k2-instruct",
    ]


def test_a_comparison_takes_a_second_model_of_one_maker_when_no_other_is_left() -> None:
    models = [
        Model(id="a-small", owned_by="A"),
        Model(id="a-large", owned_by="A"),
        Model(id="b-guard-1", owned_by="B"),  # a moderation model
        Model(id="c-retired", owned_by="C", active=False),
    ]
    assert compare_suggestion("a-small", models, 3) == ["a-small", "a-large", "a-small"]
    assert compare_suggestion("a-small", [], 2) == ["a-small", "a-small"]


async def test_the_picker_and_f4_offer_chat_models_only(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app: GroqApp = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker))
        picker = app.screen
        assert isinstance(picker, ModelPicker)
        listed = {choice.id for choice in picker.models}
        assert "llama-3.1-8b-instant" in listed
        assert not [m for m in listed if "orpheus" in m or "whisper" in m], listed
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ModelPicker))
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        prompt = app.screen
        assert isinstance(prompt, TextPrompt)
        suggested = [m.strip() for m in prompt.initial.split(",")]
        assert suggested[0] == "llama-3.1-8b-instant"
        assert len(suggested) == 3
        assert not [m for m in suggested if "guard" in m or "orpheus" in m], suggested
