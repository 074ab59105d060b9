"""The composer: a multi-line prompt box where Enter sends and ctrl+j starts a new line.

Enter sends because that is what a chat box does; ctrl+j inserts a newline because every
terminal sends it (shift+enter is indistinguishable from enter in most). Up-arrow on an empty
composer recalls earlier prompts, like a shell. Keys typed in a burst keep their order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import TextArea


class Composer(TextArea):
    """Multi-line input that posts :class:`Composer.Submitted` on Enter."""

    DEFAULT_CSS = """
    Composer {
        height: auto;
        min-height: 3;
        min-width: 8;  /* Textual's text area cannot wrap at width 0 */
        max-height: 12;
        border: round $primary 50%;
    }
    Composer:focus {
        border: round $accent;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+j", "newline", "Newline", show=False, id="composer.newline"),
    ]

    @dataclass
    class Submitted(Message):
        """The user asked to send the text."""

        composer: Composer
        text: str

        @property
        def control(self) -> Composer:
            """The composer that was submitted."""
            return self.composer

    def __init__(self, *, id: str | None = None, placeholder: str = "") -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            placeholder=placeholder,
        )
        self.prompt_history: list[str] = []
        """Earlier prompts, oldest first, for up-arrow recall."""
        self._recall_index: int | None = None

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.prevent_default()
            event.stop()
            self.action_submit()
            return
        if event.key in ("up", "down") and self._recalling(event.key):
            event.prevent_default()
            event.stop()
            return
        if event.is_printable or event.key in ("backspace", "delete"):
            self._recall_index = None
        if not event.is_printable and await self._run_own_binding(event):
            return
        await super()._on_key(event)

    async def _run_own_binding(self, event: events.Key) -> bool:
        """Run the composer's own binding for this key now, if it has one.

        Textual runs a binding only once its key has bubbled up to the App, while the
        printable keys behind it in the same burst (a paste, a macro, a busy app) are typed
        into the composer at once: ``one``, ctrl+j, ``two`` came out ``onetwo`` and a new
        line. Run here, the binding (ctrl+j, backspace, the arrows, as remapped by the
        keymap) keeps its place among the keys.
        """
        active = self.screen.active_bindings.get(event.key)
        if active is None or active.node is not self or not active.enabled:
            return False  # someone else's key: it goes on its way as usual
        if not await self.app.run_action(active.binding.action, self):
            return False  # the action declined (SkipAction): the App offers it further up
        event.prevent_default()
        event.stop()
        return True

    def _recalling(self, key: str) -> bool:
        """Handle up/down as history recall when the box is empty or showing a recalled prompt."""
        if not self.prompt_history:
            return False
        showing_recalled = (
            self._recall_index is not None and self.text == self.prompt_history[self._recall_index]
        )
        if not (self.text == "" or showing_recalled):
            return False
        if key == "up":
            index = (
                len(self.prompt_history) - 1
                if self._recall_index is None
                else self._recall_index - 1
            )
            if index < 0:
                return True
        else:
            if self._recall_index is None:
                return False
            index = self._recall_index + 1
            if index >= len(self.prompt_history):
                self._recall_index = None
                self.load_text("")
                return True
        self._recall_index = index
        self.load_text(self.prompt_history[index])
        self.move_cursor(self.document.end)
        return True

    def action_newline(self) -> None:
        """Insert a line break at the cursor."""
        self.insert("\n")

    def action_submit(self) -> None:
        """Post the text for sending (the screen decides whether it can be sent)."""
        self.post_message(self.Submitted(self, self.text))

    def remember(self, prompt: str) -> None:
        """Add a sent prompt to the recall history."""
        if prompt.strip() and (not self.prompt_history or self.prompt_history[-1] != prompt):
            self.prompt_history.append(prompt)
        self._recall_index = None

    def give_back(self, prompt: str, reason: str) -> None:
        """A prompt could not be sent: put it back (unless something new was typed since;
        it stays in the recall history) and say why."""
        if not self.text.strip():
            self.load_text(prompt)
        note = f"The prompt could not be saved, so it was not sent: {reason}"
        self.notify(note, title="Prompt not saved", severity="error", timeout=20)
