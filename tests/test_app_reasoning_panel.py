"""The parameter panel's reasoning and tier controls, and the refusals before sending, with
Pilot against the loopback server."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select, Static

from groq_tui.ui.screens.chat import ChatScreen
from groq_tui.ui.widgets.composer import Composer
from groq_tui.ui.widgets.parameters import ParameterPanel
from groq_tui.ui.widgets.slider import Slider
from tests.app_support import make_app, ready, send, wait_for, wait_reply_done
from tests.loopback import LoopbackServer

WIDE = (160, 60)


def panel_of(screen: ChatScreen) -> ParameterPanel:
    panel = screen.parameter_panel
    assert panel is not None
    return panel


def efforts_offered(panel: ParameterPanel) -> list[str]:
    select = panel.query_one("#reasoning_effort", Select)
    return [str(value) for _, value in select._options if value is not Select.NULL]


def refusal_shown(panel: ParameterPanel) -> str:
    return str(panel.query_one("#refusal", Static).render())


async def test_reasoning_fields_follow_the_model_family_and_max_tokens_its_limit(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path, model="openai/gpt-oss-20b")
    async with app.run_test(size=WIDE) as pilot:
        screen = await ready(pilot)
        await wait_for(pilot, lambda: screen.parameter_panel is not None)
        panel = panel_of(screen)
        reasoning = panel.query_one("#reasoning")
        await wait_for(pilot, lambda: panel.takes_reasoning)
        assert reasoning.display and efforts_offered(panel) == ["low", "medium", "high"]
        assert panel.query_one("#max_tokens", Slider).maximum == 65536  # max_completion_tokens
        await screen.set_model("qwen/qwen3-32b")
        assert efforts_offered(panel) == ["none", "default"]
        assert panel.query_one("#max_tokens", Slider).maximum == 40960
        await screen.set_model("llama-3.1-8b-instant")
        await pilot.pause()
        assert not panel.takes_reasoning and not reasoning.display


async def test_chosen_effort_format_and_tier_are_sent(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path, model="openai/gpt-oss-20b")
    async with app.run_test(size=WIDE) as pilot:
        screen = await ready(pilot)
        await wait_for(pilot, lambda: screen.parameter_panel is not None)
        panel = panel_of(screen)
        await wait_for(pilot, lambda: panel.takes_reasoning)
        panel.query_one("#reasoning_effort", Select).value = "high"
        panel.query_one("#reasoning_format", Select).value = "parsed"
        panel.query_one("#service_tier", Select).value = "on_demand"
        await wait_for(pilot, lambda: screen.conversation.parameters.service_tier == "on_demand")
        await send(pilot, "effort")
        await wait_reply_done(pilot, screen)
        sent = loopback.requests[-1].json
        assert sent["reasoning_effort"] == "high"
        assert sent["reasoning_format"] == "parsed"
        assert sent["service_tier"] == "on_demand"
        assert refusal_shown(panel) == ""


async def test_raw_with_json_mode_is_refused_before_sending(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path, model="qwen/qwen3-32b")
    async with app.run_test(size=WIDE) as pilot:
        screen = await ready(pilot)
        await wait_for(pilot, lambda: screen.parameter_panel is not None)
        panel = panel_of(screen)
        await wait_for(pilot, lambda: panel.takes_reasoning)
        panel.query_one("#reasoning_format", Select).value = "raw"
        await pilot.click("#json_mode")
        await wait_for(pilot, lambda: screen.conversation.parameters.json_mode)
        assert "reasoning_format: raw cannot be combined with JSON mode" in refusal_shown(panel)
        before = len(loopback.requests)
        await send(pilot, "refuse me")
        await pilot.pause()
        assert len(loopback.requests) == before  # nothing sent
        assert screen.query_one(Composer).text == "refuse me"  # kept to send once fixed
        assert not screen.messages
        await pilot.click("#json_mode")
        await wait_for(pilot, lambda: refusal_shown(panel) == "")


async def test_include_reasoning_with_a_format_is_refused(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path, model="openai/gpt-oss-20b")
    async with app.run_test(size=WIDE) as pilot:
        screen = await ready(pilot)
        await wait_for(pilot, lambda: screen.parameter_panel is not None)
        panel = panel_of(screen)
        await wait_for(pilot, lambda: panel.takes_reasoning)
        panel.query_one("#include_reasoning", Select).value = "false"
        await wait_for(pilot, lambda: screen.conversation.parameters.include_reasoning is False)
        assert refusal_shown(panel) == ""
        panel.query_one("#reasoning_format", Select).value = "hidden"
        await wait_for(pilot, lambda: "include_reasoning" in refusal_shown(panel))
        before = len(loopback.requests)
        await send(pilot, "both")
        await pilot.pause()
        assert len(loopback.requests) == before


async def test_max_tokens_not_sent_shows_the_models_own_limit(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)  # llama-3.1-8b-instant: 131072 completion tokens
    async with app.run_test(size=WIDE) as pilot:
        screen = await ready(pilot)
        await wait_for(pilot, lambda: screen.parameter_panel is not None)
        slider = panel_of(screen).query_one("#max_tokens", Slider)
        await wait_for(pilot, lambda: slider.maximum == 131072)
        assert slider.value == 131072  # not 8192 beside "model default"
        await screen.set_model("openai/gpt-oss-20b")
        assert slider.value == slider.maximum == 65536
        await pilot.pause()
        assert screen.conversation.parameters.max_tokens is None  # still not sent
        await send(pilot, "default")
        await wait_reply_done(pilot, screen)
        assert "max_tokens" not in loopback.requests[-1].json


async def test_reasoning_and_search_fields_are_made_when_a_model_first_takes_them(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    # A third of the panel's widgets: the first screen, for a model that takes neither, is
    # styled and drawn without them.
    app = make_app(loopback, tmp_path, model="llama-3.1-8b-instant")
    async with app.run_test(size=WIDE) as pilot:
        screen = await ready(pilot)
        panel = panel_of(screen)
        assert not panel.query("#reasoning Select") and not panel.query("#search Input")
        await screen.set_model("openai/gpt-oss-20b")
        await wait_for(pilot, lambda: bool(panel.query("#reasoning_effort")))
        assert efforts_offered(panel) == ["low", "medium", "high"]
        assert panel.query_one("#reasoning").display
        await screen.set_model("groq/compound")
        await wait_for(pilot, lambda: bool(panel.query("#search_country")))
        assert panel.query_one("#search").display
