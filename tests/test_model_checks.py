"""Models the server does not offer: said at start, never saved as the default."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from textual.pilot import Pilot

from groq_tui.__main__ import main
from groq_tui.app import GroqApp
from groq_tui.config import config_file, load_settings
from groq_tui.ui.screens.dialogs import ModelPicker
from tests.app_support import make_app, ready, send, wait_for, wait_reply_done
from tests.loopback import LoopbackServer


def notices(app: GroqApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_a_model_the_server_does_not_offer_is_said_at_start(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path, model="nosuchmodel")  # groq-tui -m nosuchmodel
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: any("nosuchmodel" in n for n in notices(app)))
        (said,) = [n for n in notices(app) if "nosuchmodel" in n]
        assert "does not offer the model nosuchmodel" in said
        assert "llama-3.1-8b-instant" in said  # which ones it does offer
        assert "whisper" not in said  # only chat models


async def test_an_offered_model_starts_without_a_word(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path, model="loopback-chunks-5")  # unlisted, but found by id
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await send(pilot, "hi")
        await wait_reply_done(pilot, screen)
        assert not any("does not offer" in n for n in notices(app)), notices(app)


async def pick(pilot: Pilot[None], app: GroqApp, typed: str) -> None:
    await pilot.press("ctrl+o")
    await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker))
    await pilot.press(*typed, "enter")


async def test_a_typed_model_the_server_refuses_is_not_saved(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    config = config_file()
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await pick(pilot, app, "nosuchmodel")
        await wait_for(pilot, lambda: screen.conversation.model == "nosuchmodel")
        await wait_for(pilot, lambda: any("not kept as the default" in n for n in notices(app)))
        await send(pilot, "hi")  # answered 404, as the user saw
        sent = lambda: [r for r in loopback.requests if r.path.endswith("/chat/completions")]  # noqa: E731
        await wait_for(pilot, lambda: sent() and not screen.streaming)
        assert sent()[-1].json["model"] == "nosuchmodel"
        # A typed id the server knows is kept.
        await pick(pilot, app, "loopback-chunks-5")
        await wait_for(pilot, lambda: config.exists() and "loopback-chunks-5" in config.read_text())
    assert "nosuchmodel" not in config.read_text()
    assert load_settings().model == "loopback-chunks-5"


def test_the_offline_engine_s_404_lists_the_models_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["chat", "--local", "-m", "nosuchmodel", "hi"]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "nosuchmodel" in err, err
    assert err.count("smollm2-135m-instruct") == 1, err
