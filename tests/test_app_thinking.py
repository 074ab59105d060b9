"""The chat's thinking block, reasoning stats, compound tool runs and flex's 498, with Pilot
against the loopback server (real sockets, a real SQLite file)."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

from textual.command import CommandList, CommandPalette
from textual.widgets import OptionList, Static

from groq_tui.config.paths import config_file
from groq_tui.domain import MessageStatus
from groq_tui.ui.screens.chat import ChatScreen
from groq_tui.ui.screens.dialogs import ChoicePicker
from groq_tui.ui.widgets.executed_tools import ExecutedToolsList
from groq_tui.ui.widgets.messages import MessageView, stats_line
from groq_tui.ui.widgets.thinking_block import ThinkingBlock
from tests.app_support import make_app, ready, send, wait_for, wait_reply_done
from tests.loopback import LoopbackServer

SLOW_THINKER = "loopback-reasoning-40-rate-20"
"""40 reasoning deltas then 40 answer deltas, 20 a second: two seconds of thinking."""


def title_of(block: ThinkingBlock) -> str:
    return str(block.query_one(".thinking--title", Static).render())


def block_of(view: MessageView) -> ThinkingBlock:
    assert view.thinking is not None, "the reply has a thinking block"
    return view.thinking


def live_view(screen: ChatScreen) -> MessageView | None:
    replies = [m for m in screen.messages if m.role == "assistant"]
    if not replies or replies[-1].id is None:
        return None
    return screen.views.get(replies[-1].id)


async def test_reasoning_streams_open_with_a_clock_then_folds_to_one_line(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path, model=SLOW_THINKER)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        # Sent without a key press: Pilot's press waits for the screen to settle, which a
        # streaming reply can delay past its thinking.
        await screen.send("think first")

        def thinking_shown() -> bool:
            view = live_view(screen)
            return (
                view is not None
                and view.thinking is not None
                and view.thinking.body.markdown != ""
                and view.body is not None
                and view.body.markdown == ""
            )

        await wait_for(pilot, thinking_shown)
        view = live_view(screen)
        assert view is not None
        block = block_of(view)
        assert block.thinking and block.expanded and block.display
        # The block's title is composed once the block is mounted (the body may fill first).
        await wait_for(pilot, lambda: bool(block.query(".thinking--title")))
        assert title_of(block).startswith("▼ Thinking…")
        view = await wait_reply_done(pilot, screen)
        block = block_of(view)
        assert not block.expanded and block.has_class("-collapsed")
        title = title_of(block)
        assert title.startswith("▶ Thought for ") and title.endswith(" · 40 tokens")
        assert view.message.reasoning == block.body.markdown
        assert view.body is not None and view.body.markdown == view.message.content


async def test_the_block_opens_and_folds_by_key_and_by_click(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path, model="openai/gpt-oss-20b")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await send(pilot, "what is 15*3?")
        view = await wait_reply_done(pilot, screen)
        block = block_of(view)
        assert not block.expanded
        view.focus()
        await pilot.press("z")
        assert block.expanded and not block.has_class("-collapsed")
        await pilot.press("z")
        assert not block.expanded
        await pilot.click(".thinking--title")
        assert block.expanded
        await pilot.click(".thinking--title")
        assert not block.expanded


async def test_raw_think_tags_land_in_the_block_not_the_answer(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    loopback.reasoning_text = "Fifteen times three is forty-five."
    app = make_app(loopback, tmp_path, model="qwen/qwen3-32b")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        parameters = dataclasses.replace(screen.conversation.parameters, reasoning_format="raw")
        screen.apply_parameters(parameters)
        await send(pilot, "what is 15*3?")
        view = await wait_reply_done(pilot, screen)
        assert loopback.requests[-1].json["reasoning_format"] == "raw"
        assert view.message.content.startswith("<think>")  # kept as sent
        assert block_of(view).body.markdown == "Fifteen times three is forty-five."
        assert view.body is not None and view.body.markdown == "Echo: what is 15*3?"


async def test_qwen3_default_think_tags_land_in_the_block(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    loopback.reasoning_text = "Short thought."
    app = make_app(loopback, tmp_path, model="qwen/qwen3-32b")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await send(pilot, "hello")
        view = await wait_reply_done(pilot, screen)
        assert block_of(view).body.markdown == "Short thought."
        assert view.body is not None and view.body.markdown == "Echo: hello"
        assert title_of(block_of(view)).startswith("▶ Thought")


async def test_a_reopened_conversation_shows_its_reasoning_folded(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path, model="openai/gpt-oss-20b")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await send(pilot, "remember this")
        view = await wait_reply_done(pilot, screen)
        reasoning = view.message.reasoning
        assert reasoning
        conversation_id = screen.conversation.id
        assert conversation_id is not None
        await screen.action_new_conversation()
        await screen.open_conversation(conversation_id)
        await wait_for(pilot, lambda: live_view(screen) is not None)
        reopened = live_view(screen)
        assert reopened is not None and reopened is not view
        block = block_of(reopened)
        assert block.body.markdown == reasoning
        assert not block.expanded and block.display
        assert title_of(block).startswith("▶ Thought for ")


async def test_the_display_setting_hides_shows_and_is_saved(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path, model="openai/gpt-oss-20b")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await send(pilot, "one")
        view = await wait_reply_done(pilot, screen)
        block = block_of(view)
        await pilot.press("ctrl+p")  # the palette's command
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"thinking: hide")
        results = app.screen.query_one(CommandList)

        def hide_is_highlighted() -> bool:
            index = results.highlighted
            return index is not None and "hide" in str(results.get_option_at_index(index).prompt)

        await wait_for(pilot, hide_is_highlighted)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not block.display)
        assert screen.conversation_view.thinking_display == "hide"
        screen.set_thinking_display("show")
        await pilot.pause()
        assert block.display and block.expanded
        await send(pilot, "two")
        second = await wait_reply_done(pilot, screen, count=2)
        assert block_of(second).expanded  # "always show" keeps it open after the answer
        await wait_for(pilot, config_file().exists)
        await wait_for(
            pilot,
            lambda: tomllib.loads(config_file().read_text()).get("thinking_display") == "show",
        )
    assert app.context.settings.thinking_display == "show"


async def test_stats_show_reasoning_tokens_thinking_time_and_tier(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path, model="openai/gpt-oss-20b")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await send(pilot, "figures please")
        view = await wait_reply_done(pilot, screen)
        line = stats_line(view.message)
        usage = view.message.usage
        assert usage is not None and usage.reasoning_tokens
        assert f"{usage.reasoning_tokens} reasoning" in line
        assert "thinking " in line and "answering " in line
        assert "tier on_demand" in line  # named by the stream's usage chunk
        shown = str(view.query_one(".message--stats", Static).render())
        assert shown == line
        screen.apply_parameters(
            dataclasses.replace(screen.conversation.parameters, stream=False, service_tier="auto")
        )
        await send(pilot, "not streamed")
        whole = await wait_reply_done(pilot, screen, count=2)
        assert whole.message.service_tier == "on_demand"
        assert "tier on_demand" in stats_line(whole.message)
        assert "thinking " not in stats_line(whole.message)  # no stream, no thinking time


async def test_a_streamed_reply_shows_the_tier_the_stream_names(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        screen.apply_parameters(
            dataclasses.replace(screen.conversation.parameters, service_tier="auto")
        )
        await send(pilot, "which tier")
        view = await wait_reply_done(pilot, screen)
        # The stream asks for the usage chunk, the one chunk that names the tier (051-055).
        assert loopback.requests[-1].json["stream_options"] == {"include_usage": True}
        assert view.message.service_tier == "on_demand"  # the tier used, not "auto" asked
        line = stats_line(view.message)
        assert "tier on_demand" in line and "(asked)" not in line
        assert str(view.query_one(".message--stats", Static).render()) == line


async def test_a_compound_reply_lists_its_tool_runs_with_links(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path, model="groq/compound")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await send(pilot, "news about groq")
        view = await wait_reply_done(pilot, screen)
        tools = view.message.executed_tools
        assert tools and tools[0].sources
        (listing,) = view.query(ExecutedToolsList)
        assert listing.collapsed
        assert listing.title.startswith("1 tool run · ")
        runs = [str(s.render()) for s in listing.query(".tool-run").results(Static)]
        first = tools[0].sources[0]
        assert first.title in runs[0] and first.url in runs[0]
        rendered = listing.query(".tool-run").results(Static)
        text = next(iter(rendered)).render()
        links = {span.style.link for span in text.spans if hasattr(span.style, "link")}  # type: ignore[union-attr]
        assert first.url in links
        listing.collapsed = False
        await pilot.pause()
        assert not listing.collapsed


async def test_flex_at_capacity_offers_a_resend_on_demand(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    loopback.flex_capacity = False
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        parameters = dataclasses.replace(screen.conversation.parameters, service_tier="flex")
        screen.apply_parameters(parameters)
        await send(pilot, "hello flex")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoicePicker))
        failed = [m for m in screen.messages if m.role == "assistant"][-1]
        assert failed.status is MessageStatus.FAILED
        assert loopback.requests[-1].json["service_tier"] == "flex"
        options = app.screen.query_one(OptionList)
        assert options.highlighted == 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: loopback.requests[-1].json.get("service_tier") == "on_demand")
        view = await wait_reply_done(pilot, screen)
        assert view.message.status is MessageStatus.COMPLETE
        assert screen.conversation.parameters.service_tier == "on_demand"
        assert "tier on_demand" in stats_line(view.message)
