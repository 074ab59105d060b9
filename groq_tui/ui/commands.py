"""Command palette (ctrl+p) providers: models, conversations, toggles, exports."""

from __future__ import annotations

from functools import partial

from groq_tui.ui.app_context import host_of
from groq_tui.ui.palette import Action, ListedCommands
from groq_tui.ui.screens.chat import ChatScreen


class ChatCommands(ListedCommands):
    """Everything the chat screen can do, plus one entry per model and saved conversation."""

    @property
    def chat_screen(self) -> ChatScreen | None:
        """The chat screen, wherever it is in the stack."""
        return next((s for s in self.app.screen_stack if isinstance(s, ChatScreen)), None)

    def _app_action(self, action: str) -> Action:
        return partial(self.app.run_action, action)

    def _commands(self) -> list[tuple[str, Action, str]]:
        screen = self.chat_screen
        if screen is None:
            return []
        compare = self._app_action("compare")
        workbench = self._app_action("workbench")
        commands: list[tuple[str, Action, str]] = [
            ("New conversation", screen.action_new_conversation, "Start over (ctrl+n)"),
            ("Choose model…", screen.action_pick_model, "Open the model picker (ctrl+o)"),
            ("Compare models…", compare, "One prompt, 2-4 models side by side (F4)"),
            ("Transcribe or translate a file…", workbench,
             "The transcription workbench: files and saved recordings (F3)"),
            ("Toggle JSON mode", screen.toggle_json_mode, "response_format json_object"),
            ("Export conversation to Markdown", partial(screen.action_export, "markdown"),
             "Write a .md file to the data folder"),
            ("Export conversation to JSON", partial(screen.action_export, "json"),
             "Write a .json file to the data folder"),
            ("Load tools from a JSON file…", self._app_action("load_tools"),
             "Offer tools to the model"),
            ("API key…", self._app_action("set_key"), "Enter (and optionally save) an API key"),
            ("Toggle history sidebar", screen.action_toggle_sidebar, "ctrl+b"),
            ("Toggle parameter panel", screen.action_toggle_parameters, "ctrl+t"),
            ("Thinking: always show", partial(screen.set_thinking_display, "show"),
             "Replies' reasoning stays open"),
            ("Thinking: collapse when done", partial(screen.set_thinking_display, "collapse"),
             "Reasoning folds to one line when the answer starts (z on a reply opens it)"),
            ("Thinking: hide", partial(screen.set_thinking_display, "hide"),
             "No reasoning shown (z on a reply shows it)"),
        ]  # fmt: skip
        for model in host_of(self.app).context.chat_models:
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
        self._recent: list[tuple[int, str]] = []
        service = host_of(self.app).context.chat_service
        if service is not None:
            summaries = await service.store.list_conversations(limit=50)
            self._recent = [(s.id, s.title) for s in summaries]
