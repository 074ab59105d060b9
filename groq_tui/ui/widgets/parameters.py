"""The parameter panel: sliders and fields for a conversation's sampling parameters.

It shows a :class:`~groq_tui.domain.ChatParameters` and posts
:class:`ParameterPanel.Changed` with a new one whenever the user changes anything; what it
shows is exactly what is sent.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Switch, TextArea

from groq_tui.domain import ChatParameters
from groq_tui.ui.widgets.slider import Slider

MAX_STOPS = 4


def _tokens(value: float) -> str:
    return f"{int(value)}"


class ParameterPanel(VerticalScroll):
    """Sliders for temperature, top_p, max_tokens and the penalties; seed, stops, switches."""

    DEFAULT_CSS = """
    ParameterPanel {
        width: 38;
        padding: 0 1;
        border-left: vkey $primary 40%;
    }
    ParameterPanel Label { margin: 1 0 0 0; color: $text-muted; }
    ParameterPanel Input { height: 3; }
    ParameterPanel .switch-row { height: 3; }
    ParameterPanel .switch-row Label { margin: 1 1 0 0; width: 1fr; }
    ParameterPanel #system-prompt { height: 6; }
    """

    @dataclass
    class Changed(Message):
        """The user changed a parameter; ``parameters`` is the whole new set."""

        panel: ParameterPanel
        parameters: ChatParameters

        @property
        def control(self) -> ParameterPanel:
            """The panel that changed."""
            return self.panel

    def __init__(
        self, parameters: ChatParameters, *, max_tokens_limit: int = 8192, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.parameters = dataclasses.replace(parameters, stop=list(parameters.stop))
        self.max_tokens_limit = max(1, max_tokens_limit)
        self._loading = False

    def compose(self) -> ComposeResult:
        p = self.parameters
        yield Label("temperature")
        yield Slider(p.temperature, minimum=0, maximum=2, step=0.05, id="temperature")
        yield Label("top_p")
        yield Slider(p.top_p, minimum=0, maximum=1, step=0.01, id="top_p")
        yield Label(self._max_tokens_label(), id="max-tokens-label")
        yield Slider(
            p.max_tokens or self.max_tokens_limit,
            minimum=1,
            maximum=self.max_tokens_limit,
            step=1,
            formatter=_tokens,
            id="max_tokens",
        )
        yield Label("frequency_penalty")
        yield Slider(p.frequency_penalty, minimum=-2, maximum=2, step=0.05, id="frequency_penalty")
        yield Label("presence_penalty")
        yield Slider(p.presence_penalty, minimum=-2, maximum=2, step=0.05, id="presence_penalty")
        yield Label("seed (empty: random)")
        yield Input(
            "" if p.seed is None else str(p.seed), id="seed", type="integer", placeholder="none"
        )
        yield Label(f"stop sequences (up to {MAX_STOPS})")
        for i in range(MAX_STOPS):
            value = p.stop[i] if i < len(p.stop) else ""
            yield Input(value, id=f"stop-{i}", placeholder=f"stop {i + 1}", classes="stop")
        with Horizontal(classes="switch-row"):
            yield Label("JSON mode")
            yield Switch(p.json_mode, id="json_mode")
        with Horizontal(classes="switch-row"):
            yield Label("stream")
            yield Switch(p.stream, id="stream")
        yield Label("system prompt")
        yield TextArea(p.system_prompt, id="system-prompt", soft_wrap=True)

    def load(self, parameters: ChatParameters, max_tokens_limit: int | None = None) -> None:
        """Show another conversation's parameters (does not post Changed)."""
        self._loading = True
        try:
            self.parameters = dataclasses.replace(parameters, stop=list(parameters.stop))
            if max_tokens_limit:
                self.max_tokens_limit = max(1, max_tokens_limit)
                self.query_one("#max_tokens", Slider).set_range(1, self.max_tokens_limit)
            p = self.parameters
            for name in ("temperature", "top_p", "frequency_penalty", "presence_penalty"):
                self.query_one(f"#{name}", Slider).value = getattr(p, name)
            self.query_one("#max_tokens", Slider).value = p.max_tokens or self.max_tokens_limit
            self.query_one("#seed", Input).value = "" if p.seed is None else str(p.seed)
            for i in range(MAX_STOPS):
                self.query_one(f"#stop-{i}", Input).value = p.stop[i] if i < len(p.stop) else ""
            self.query_one("#json_mode", Switch).value = p.json_mode
            self.query_one("#stream", Switch).value = p.stream
            self.query_one("#system-prompt", TextArea).load_text(p.system_prompt)
            self.query_one("#max-tokens-label", Label).update(self._max_tokens_label())
        finally:
            self.call_after_refresh(self._done_loading)

    def _max_tokens_label(self) -> str:
        if self.parameters.max_tokens is None:
            return "max_tokens: model default"
        return "max_tokens"

    def _done_loading(self) -> None:
        self._loading = False

    def set_max_tokens_limit(self, limit: int) -> None:
        """The model changed: max_tokens ranges up to its context window."""
        self.max_tokens_limit = max(1, limit)
        self.query_one("#max_tokens", Slider).set_range(1, self.max_tokens_limit)

    def _changed(self, **changes: object) -> None:
        if self._loading:
            return
        self.parameters = dataclasses.replace(self.parameters, **changes)  # type: ignore[arg-type]
        self.post_message(self.Changed(self, self.parameters))

    @on(Slider.Changed)
    def _slider(self, event: Slider.Changed) -> None:
        event.stop()
        name = event.slider.id or ""
        if name == "max_tokens":
            self._changed(max_tokens=int(event.value))
            self.query_one("#max-tokens-label", Label).update(self._max_tokens_label())
        elif name:
            self._changed(**{name: float(event.value)})

    @on(Input.Changed, "#seed")
    def _seed(self, event: Input.Changed) -> None:
        event.stop()
        text = event.value.strip()
        if text in ("", "-"):
            self._changed(seed=None)
        elif text.lstrip("-").isdigit():
            self._changed(seed=int(text))

    @on(Input.Changed, ".stop")
    def _stop(self, event: Input.Changed) -> None:
        event.stop()
        stops = [
            self.query_one(f"#stop-{i}", Input).value
            for i in range(MAX_STOPS)
            if self.query_one(f"#stop-{i}", Input).value
        ]
        self._changed(stop=stops)

    @on(Switch.Changed)
    def _switch(self, event: Switch.Changed) -> None:
        event.stop()
        if event.switch.id in ("json_mode", "stream"):
            self._changed(**{event.switch.id: event.value})

    @on(TextArea.Changed, "#system-prompt")
    def _system(self, event: TextArea.Changed) -> None:
        event.stop()
        self._changed(system_prompt=event.text_area.text)
