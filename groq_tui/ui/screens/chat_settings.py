"""The chat screen's model and parameters: the model picker, the parameter panel (shown by
width, mounted when first shown), JSON mode, and saving them with the conversation.

:class:`ModelSettingsScreen` is that part of :class:`~groq_tui.ui.screens.chat.ChatScreen`.
A parameter change applies at once; it is saved when the changes pause.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from textual.containers import Horizontal

from groq_tui.ui.screens.chat_history import HistoryScreen
from groq_tui.ui.screens.dialogs import RETRY, ModelChoice, ModelPicker
from groq_tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from textual.timer import Timer

    from groq_tui.domain import ChatParameters
    from groq_tui.ui.widgets.parameters import ParameterPanel

SAVE_SETTINGS_DELAY = 0.5
"""Seconds after the last parameter change before the conversation's settings are saved."""


class ModelSettingsScreen(HistoryScreen):
    """A screen whose conversation's model and parameters the user can change."""

    _save_timer: Timer | None = None

    def on_resize(self) -> None:
        # (The width classes are set by then: HORIZONTAL_BREAKPOINTS.)
        if self.has_class("-wide"):
            self._show_parameters()

    @property
    def parameter_panel(self) -> ParameterPanel | None:
        """The parameter panel, if it has been shown yet."""
        panels = self.query("#parameters")
        return panels.first() if panels else None  # type: ignore[return-value]

    def _show_parameters(self) -> None:
        if self.parameter_panel is None:
            self.query_one("#main", Horizontal).mount(self._new_parameter_panel())

    def _parameters_at_start(self) -> list[ParameterPanel]:
        """The parameter panel if the screen starts wide, to compose with the screen.

        Mounted after the first frame instead, it cost a second layout of the whole screen,
        and the screen was complete only after it. On a narrower screen it is mounted when
        first shown, and most start-ups never need its twenty widgets.
        """
        width = self.app.size.width
        widths = [name for least, name in self.HORIZONTAL_BREAKPOINTS or () if width >= least]
        return [self._new_parameter_panel()] if widths[-1:] == ["-wide"] else []

    def _new_parameter_panel(self) -> ParameterPanel:
        # Imported when first shown: narrow start-ups never import it.
        from groq_tui.ui.widgets.parameters import ParameterPanel

        return ParameterPanel(
            self.conversation.parameters,
            max_tokens_limit=self.context.max_tokens_limit(self.conversation.model),
            id="parameters",
        )

    def action_pick_model(self) -> None:
        """Choose the conversation's model."""
        context = self.context
        choices = [
            ModelChoice(m.id, m.owned_by, m.context_window, m.active is not False)
            for m in context.chat_models
        ]

        async def picked(model: str | None) -> None:
            if model == RETRY:
                await context.load_models()
                self.action_pick_model()
            elif model:
                await self.set_model(model)

        self.app.push_screen(
            ModelPicker(choices, self.conversation.model, context.models_error), picked
        )

    async def set_model(self, model: str) -> None:
        """Use ``model`` for this conversation and as the default."""
        self.conversation.model = model
        self.query_one(StatusBar).model = model
        limit = self.context.max_tokens_limit(model)
        panel = self.parameter_panel
        if panel is not None:
            panel.set_max_tokens_limit(limit)
        self.context.files.remember_setting("model", model)
        if self.service is not None:
            await self.service.save_settings(self.conversation)

    def on_parameter_panel_changed(self, event: ParameterPanel.Changed) -> None:
        """The user changed a parameter: it belongs to the conversation (saved shortly)."""
        self.conversation.parameters = event.parameters
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(SAVE_SETTINGS_DELAY, self._save_parameters)

    async def _save_parameters(self) -> None:
        if self.service is not None:
            await self.service.save_settings(self.conversation)

    def toggle_json_mode(self) -> None:
        """Flip JSON mode (response_format json_object) for this conversation."""
        parameters = dataclasses.replace(
            self.conversation.parameters, json_mode=not self.conversation.parameters.json_mode
        )
        self.apply_parameters(parameters)
        state = "on" if parameters.json_mode else "off"
        self.notify(f"JSON mode {state}.", timeout=2)

    def apply_parameters(self, parameters: ChatParameters) -> None:
        """Set the parameters from outside the panel (palette, tests)."""
        self.conversation.parameters = parameters
        panel = self.parameter_panel
        if panel is not None:
            panel.load(parameters)
        self.call_later(self._save_parameters)

    def action_toggle_parameters(self) -> None:
        """Show or hide the parameters (by default they show on wide terminals)."""
        panel = self.parameter_panel
        shown = panel is None or not panel.display
        self._show_parameters()
        self.set_class(shown, "-parameters-shown")
        self.set_class(not shown, "-parameters-hidden")
