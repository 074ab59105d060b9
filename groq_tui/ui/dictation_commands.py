"""Dictation's palette commands: start it, translate mode, language, vocabulary, microphone.

These are settings of the dictation (:class:`~groq_tui.ui.dictation.DictationController`),
not of the chat screen: :class:`DictationSettings` asks for them and
:class:`DictationCommands` offers them in the command palette of the screen that dictates
(``ChatScreen.COMMANDS``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from groq_tui.ui.palette import Command, ListedCommands
from groq_tui.ui.screens.dialogs import TextPrompt

if TYPE_CHECKING:
    from groq_tui.services.context import AppContext
    from groq_tui.ui.screens.chat import ChatScreen


class DictationSettings:
    """Asks for (or flips) the settings that dictation uses from its next recording on.

    Args:
        screen: The screen that dictates (it shows the recorder bar and the prompts).
    """

    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen

    @property
    def context(self) -> AppContext:
        """The app context, with the settings."""
        return self.screen.context

    def commands(self) -> list[Command]:
        """The palette entries, in the order they are offered."""
        return [
            ("Dictate into the composer", self.screen.action_dictate,
             "Record the microphone; text appears as you speak (ctrl+r)"),
            ("Toggle dictation translate mode", self.toggle_translate,
             "Any language in, English text out"),
            ("Choose microphone…", partial(self.screen.app.run_action, "pick_microphone"),
             "The input device for dictation"),
            ("Dictation language…", self.ask_language,
             "ISO-639-1 code of the speech, or detect"),
            ("Dictation vocabulary…", self.ask_vocabulary,
             "Names and spellings sent as the prompt"),
        ]  # fmt: skip

    def toggle_translate(self) -> None:
        """Switch dictation between transcription and translation into English."""
        from groq_tui.ui.widgets.recorder_bar import RecorderBar

        translate = not self.context.settings.dictation_translate
        self.context.files.change_setting("dictation_translate", translate)
        self.screen.query_one(RecorderBar).translate = translate
        mode = "translate (English out)" if translate else "transcribe"
        self.screen.notify(f"Dictation mode: {mode}.", timeout=3)

    def _ask_line(self, title: str, current: str, answered: Callable[[str], None]) -> None:
        """Ask for one line of text, starting from ``current``; ``answered`` gets it unless
        the dialog was cancelled."""

        def chosen(text: str | None) -> None:
            if text is not None:
                answered(text)

        self.screen.app.push_screen(TextPrompt(title, current, multiline=False), chosen)

    def ask_language(self) -> None:
        """Ask for the dictated speech's language (ISO-639-1; empty: the service detects it)."""

        def answered(text: str) -> None:
            from groq_tui.ui.fields import parse_language

            try:
                code = parse_language(text)
            except ValueError as exc:
                self.screen.notify(
                    f"{exc} (or nothing, to let the service detect it).", severity="error"
                )
                return
            self.context.files.change_setting("dictation_language", code)
            self.screen.notify(
                f"Dictation language: {code or 'detected by the service'}.", timeout=3
            )

        self._ask_line(
            "Language of the dictated speech (ISO-639-1, e.g. en; empty: detect)",
            self.context.settings.dictation_language or "",
            answered,
        )

    def ask_vocabulary(self) -> None:
        """Ask for the vocabulary (names, spellings) sent with every dictated segment."""

        def answered(text: str) -> None:
            value = " ".join(text.split())
            self.context.files.change_setting("dictation_prompt", value or None)
            self.screen.notify(
                "Dictation vocabulary saved." if value else "No vocabulary.", timeout=3
            )

        self._ask_line(
            "Vocabulary for dictation: names and spellings to expect (sent as the prompt)",
            self.context.settings.dictation_prompt or "",
            answered,
        )


class DictationCommands(ListedCommands):
    """The dictation entries of the command palette, on the screen that dictates."""

    discovered = 1

    def _commands(self) -> list[Command]:
        from groq_tui.ui.screens.chat import ChatScreen

        screen = self.screen
        return screen.dictation_settings.commands() if isinstance(screen, ChatScreen) else []
