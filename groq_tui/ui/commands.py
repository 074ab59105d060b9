"""Command palette (ctrl+p) providers: models, conversations, toggles, exports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from groq_tui.app import GroqApp

Action = Callable[[], Any] | Callable[[], Awaitable[Any]]


class ChatCommands(Provider):
    """Everything the chat screen can do, plus one entry per model and saved conversation."""

    def _commands(self) -> list[tuple[str, Action, str]]:
        app: GroqApp = self.app  # type: ignore[assignment]
        screen = app.chat_screen
        if screen is None:
            return []
        commands: list[tuple[str, Action, str]] = [
            ("New conversation", screen.action_new_conversation, "Start over (ctrl+n)"),
            ("Choose model…", screen.action_pick_model, "Open the model picker (ctrl+o)"),
            ("Compare models…", app.action_compare, "One prompt, 2-4 models side by side (F4)"),
            ("Transcribe or translate a file…", app.action_workbench,
             "The transcription workbench: files and saved recordings (F3)"),
            ("Toggle JSON mode", screen.toggle_json_mode, "response_format json_object"),
            ("Export conversation to Markdown", partial(screen.action_export, "markdown"),
             "Write a .md file to the data folder"),
            ("Export conversation to JSON", partial(screen.action_export, "json"),
             "Write a .json file to the data folder"),
            ("Load tools from a JSON file…", app.action_load_tools, "Offer tools to the model"),
            ("API key…", app.action_set_key, "Enter (and optionally save) an API key"),
            ("Toggle history sidebar", screen.action_toggle_sidebar, "ctrl+b"),
            ("Toggle parameter panel", screen.action_toggle_parameters, "ctrl+t"),
        ]  # fmt: skip
        for model in app.chat_models:
            commands.append(
                (f"Switch model: {model.id}", partial(screen.set_model, model.id),
                 f"{model.owned_by} · {model.context_window or '?'} tokens context")
            )  # fmt: skip
        for conversation_id, title in self._recent:
            commands.append(
                (f"Open conversation: {title}", partial(screen.open_conversation, conversation_id),
                 "From the saved history")
            )  # fmt: skip
        return commands

    async def startup(self) -> None:
        """Fetch the recent conversations once per palette opening."""
        app: GroqApp = self.app  # type: ignore[assignment]
        self._recent: list[tuple[int, str]] = []
        service = app.chat_service
        if service is not None:
            summaries = await service.store.list_conversations(limit=50)
            self._recent = [(s.id, s.title) for s in summaries]

    async def discover(self) -> Hits:
        for name, action, help_text in self._commands()[:9]:
            yield DiscoveryHit(name, action, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), action, help=help_text)
