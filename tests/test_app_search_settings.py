"""Compound models' web search settings in the parameter panel (``search_settings``), sent
exactly as typed and refused before sending where the client would refuse them, with Pilot
against the loopback server."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from groq_tui.domain import ChatParameters
from groq_tui.ui.screens.chat import ChatScreen
from groq_tui.ui.widgets.composer import Composer
from groq_tui.ui.widgets.parameters import ParameterPanel
from tests.app_support import make_app, ready, send, wait_for, wait_reply_done
from tests.loopback import LoopbackServer

WIDE = (160, 60)


async def shown_panel(pilot: object, screen: ChatScreen) -> ParameterPanel:
    await wait_for(pilot, lambda: screen.parameter_panel is not None)  # type: ignore[arg-type]
    panel = screen.parameter_panel
    assert panel is not None
    return panel


async def type_into(pilot: object, panel: ParameterPanel, field: str, text: str) -> None:
    """Focus the field and type ``text`` key by key, as a user would."""
    panel.query_one(f"#{field}", Input).focus()
    await pilot.press(*text)  # type: ignore[attr-defined]


def refusal_shown(panel: ParameterPanel) -> str:
    return str(panel.query_one("#refusal", Static).render())


async def test_a_compound_models_search_settings_are_sent_as_typed_and_saved(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=WIDE) as pilot:
        screen = await ready(pilot)
        panel = await shown_panel(pilot, screen)
        search = panel.query_one("#search")
        assert not panel.takes_search and not search.display  # llama does not search
        await screen.set_model("groq/compound")
        await pilot.pause()
        assert panel.takes_search and search.display
        await type_into(pilot, panel, "search_include_domains", "arxiv.org, *.edu")
        await type_into(pilot, panel, "search_exclude_domains", "example.com")
        await type_into(pilot, panel, "search_country", "germany")
        await wait_for(pilot, lambda: screen.conversation.parameters.search_country == "germany")
        assert refusal_shown(panel) == ""
        await send(pilot, "search for me")
        await wait_reply_done(pilot, screen)
        assert loopback.requests[-1].json["search_settings"] == {
            "include_domains": ["arxiv.org", "*.edu"],
            "exclude_domains": ["example.com"],
            "country": "germany",
        }
        conversation_id = screen.conversation.id
        assert conversation_id is not None
        await screen.action_new_conversation()  # (keeps the settings)
        screen.apply_parameters(ChatParameters())
        assert panel.query_one("#search_include_domains", Input).value == ""
        await screen.open_conversation(conversation_id)
        await wait_for(
            pilot,
            lambda: panel.query_one("#search_include_domains", Input).value == "arxiv.org, *.edu",
        )
        assert panel.query_one("#search_country", Input).value == "germany"
        assert screen.conversation.parameters.search_exclude_domains == ["example.com"]


async def test_a_model_that_does_not_search_shows_and_sends_no_search_settings(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path, model="groq/compound-mini")
    async with app.run_test(size=WIDE) as pilot:
        screen = await ready(pilot)
        panel = await shown_panel(pilot, screen)
        search = panel.query_one("#search")
        assert panel.takes_search and search.display
        await type_into(pilot, panel, "search_include_domains", "arxiv.org")
        await wait_for(pilot, lambda: screen.conversation.parameters.search_settings() is not None)
        await screen.set_model("openai/gpt-oss-20b")
        await pilot.pause()
        assert not panel.takes_search and not search.display
        # What the hidden fields held goes with them: nothing hidden is sent.
        assert screen.conversation.parameters.search_settings() is None
        assert panel.query_one("#search_include_domains", Input).value == ""
        await send(pilot, "no search")
        await wait_reply_done(pilot, screen)
        assert "search_settings" not in loopback.requests[-1].json


async def test_a_domain_the_client_would_refuse_is_refused_before_sending(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path, model="groq/compound")
    async with app.run_test(size=WIDE) as pilot:
        screen = await ready(pilot)
        panel = await shown_panel(pilot, screen)
        await type_into(pilot, panel, "search_include_domains", "arxiv.org, not a domain")
        await wait_for(pilot, lambda: "search_settings.include_domains" in refusal_shown(panel))
        before = len(loopback.requests)
        await send(pilot, "refuse me")
        await pilot.pause()
        assert len(loopback.requests) == before  # nothing sent
        assert screen.query_one(Composer).text == "refuse me"
        assert not screen.messages
