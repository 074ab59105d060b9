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
from groq_tui.ui.screens.dialogs import RETRY, ChoicePicker, ModelChoice, ModelPicker
from groq_tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from textual.timer import Timer

    from groq_tui.domain import ChatParameters
    from groq_tui.ui.widgets.parameters import ParameterPanel
    from groq_tui.ui.widgets.thinking_block import ThinkingDisplay

FLEX_AT_CAPACITY = 498
"""The status of the flex tier's fast failure (``capacity_exceeded``)."""
ON_DEMAND = "on_demand"

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

    def _show_parameters(self) -> ParameterPanel:
        panel = self.parameter_panel
        if panel is None:
            panel = self._new_parameter_panel()
            self.query_one("#main", Horizontal).mount(panel)
        return panel

    def _parameters_at_start(self) -> list[ParameterPanel]:
        """The parameter panel if the screen starts wide, to compose with the screen.

        Mounted after the first frame instead, it cost a second layout of the whole screen,
        and the screen was complete only after it. On a narrower screen it is mounted when
        first shown, and most start-ups never need its twenty widgets.
        """
        # (The screen has its width class from the start: set_width_classes.)
        return [self._new_parameter_panel()] if self.has_class("-wide") else []

    def _new_parameter_panel(self) -> ParameterPanel:
        # Imported when first shown: narrow start-ups never import it.
        from groq_tui.services.model_options import reasoning_controls, takes_search_settings
        from groq_tui.ui.widgets.parameters import ParameterPanel

        controls = reasoning_controls(self.conversation.model)
        return ParameterPanel(
            self.conversation.parameters,
            max_tokens_limit=self.context.max_tokens_limit(self.conversation.model),
            efforts=controls.efforts if controls is not None else (),
            takes_reasoning=controls is not None,
            takes_search=takes_search_settings(self.conversation.model),
            refusal=self.refusal(),
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
        self._drop_search_settings_unless_searching(model)
        self._model_options_changed()
        await self.context.remember_model(model)  # unless the server refuses it
        await self._save_parameters()

    def _drop_search_settings_unless_searching(self, model: str) -> None:
        """A model that does not search hides the search fields: their values go too, so
        that nothing hidden is sent."""
        from groq_tui.services.model_options import takes_search_settings

        parameters = self.conversation.parameters
        if takes_search_settings(model) or parameters.search_settings() is None:
            return
        self.apply_parameters(
            dataclasses.replace(
                parameters,
                stop=list(parameters.stop),
                search_include_domains=[],
                search_exclude_domains=[],
                search_country=None,
            )
        )

    def on_parameter_panel_changed(self, event: ParameterPanel.Changed) -> None:
        """The user changed a parameter: it belongs to the conversation (saved shortly)."""
        self.conversation.parameters = event.parameters
        self._show_refusal()
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(SAVE_SETTINGS_DELAY, self._save_parameters)

    async def _save_parameters(self) -> None:
        if self.service is not None:
            saving = self.service.save_settings(self.conversation)
            await self.changed_history("Used, but not saved with the conversation", saving)

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
        self._show_refusal()
        self.call_later(self._save_parameters)

    def action_toggle_parameters(self) -> None:
        """Show or hide the parameters (by default they show on wide terminals)."""
        panel = self.parameter_panel
        shown = panel is None or not panel.display
        # The panel's class, not the screen's: a class of the screen restyled every widget
        # on it (about 0.1 s with a reply streaming), where this restyles the panel.
        self._show_parameters().update_classes({"-shown": shown, "-hidden": not shown})

    # -- reasoning display and service tiers --------------------------------------------------

    def set_thinking_display(self, display: ThinkingDisplay) -> None:
        """Show replies' reasoning always, folded once answered, or not at all (saved)."""
        self.conversation_view.set_thinking_display(display)
        self.context.files.change_setting("thinking_display", display)
        names = {"show": "always shown", "collapse": "folded once answered", "hide": "hidden"}
        self.notify(f"Thinking: {names[display]}.", timeout=2)

    def offer_on_demand(self, error: str) -> None:
        """The flex tier was at capacity (498): offer to resend on the on_demand tier."""

        async def chosen(choice: str | None) -> None:
            if choice != ON_DEMAND:
                return
            parameters = dataclasses.replace(
                self.conversation.parameters,
                stop=list(self.conversation.parameters.stop),
                service_tier=ON_DEMAND,
            )
            self.apply_parameters(parameters)
            await self.run_action("regenerate")

        choices = [
            (ON_DEMAND, "Resend on the on_demand tier (this conversation stays on it)"),
            ("flex", "Keep flex and try again later"),
        ]
        title = f"The flex tier has no capacity right now (HTTP 498).\n{error}"
        self.app.push_screen(ChoicePicker(title, choices, ON_DEMAND), chosen)

    def _model_options_changed(self) -> None:
        """Show the reasoning and search fields the conversation's model takes, and what is
        refused."""
        panel = self.parameter_panel
        if panel is not None and panel.is_mounted:
            from groq_tui.services.model_options import reasoning_controls, takes_search_settings

            controls = reasoning_controls(self.conversation.model)
            efforts = controls.efforts if controls is not None else ()
            panel.set_reasoning_choices(efforts, takes_reasoning=controls is not None)
            panel.show_search_settings(takes_search_settings(self.conversation.model))
        self._show_refusal()

    def refusal(self) -> str | None:
        """Why the service would refuse the conversation's settings, or None."""
        tools = self.service.tools if self.service is not None else None
        # Imported when used: the model rules are the client's (its package loads httpx).
        from groq_tui.services.model_options import refusal

        return refusal(self.conversation.model, self.conversation.parameters, tools)

    def _show_refusal(self) -> None:
        panel = self.parameter_panel
        if panel is not None and panel.is_mounted:
            panel.show_refusal(self.refusal())

    def refused_now(self) -> bool:
        """Say so and return True when the settings would be refused (nothing is sent)."""
        reason = self.refusal()
        if reason is not None:
            self.notify(
                f"Not sent: {reason}. Change it in the parameters (ctrl+t).",
                title="Refused before sending",
                severity="error",
                timeout=10,
            )
        return reason is not None
