"""The parameter panel: sliders and fields for a conversation's sampling parameters.

It shows a :class:`~groq_tui.domain.ChatParameters` and posts
:class:`ParameterPanel.Changed` with a new one whenever the user changes anything; what it
shows is exactly what is sent. The reasoning controls show for models that take them, with
the values the screen gives for the model's family, and the web search's settings for the
models that search (compound); a combination the service refuses is named under them
(:meth:`ParameterPanel.show_refusal`), and the screen does not send it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch, TextArea

from groq_tui.domain import ChatParameters
from groq_tui.ui.widgets.slider import Slider

MAX_STOPS = 4
SERVICE_TIERS = ("auto", "on_demand", "flex", "performance")
REASONING_FORMATS = ("hidden", "raw", "parsed")
_CHOICES = ("reasoning_effort", "reasoning_format", "include_reasoning", "service_tier")
"""The panel's Select fields, by the parameter they set (blank: not sent)."""
_SEARCH_DOMAINS = ("search_include_domains", "search_exclude_domains")
"""The panel's domain list fields (comma-separated), by the parameter they set."""


def _options(values: Sequence[str]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


def domains(text: str) -> list[str]:
    """The domains of a comma-separated list, each as typed (spaces around commas aside)."""
    return [domain for part in text.split(",") if (domain := part.strip())]


def _tokens(value: float) -> str:
    return f"{int(value)}"


class ParameterPanel(VerticalScroll):
    """Sliders for temperature, top_p, max_tokens and the penalties; seed, stops, switches."""

    DEFAULT_CSS = """
    ParameterPanel {
        width: 38;
        padding: 0 1;
        border-left: vkey $primary 40%;
        /* Its scroll bar from the first layout (Textual shows it at mount for "scroll"): with
           "auto" it came a layout later, every field two columns narrower, a frame later. */
        overflow-y: scroll;
    }
    ParameterPanel Label { margin: 1 0 0 0; color: $text-muted; }
    ParameterPanel Input { height: 3; }
    ParameterPanel .switch-row { height: 3; }
    ParameterPanel .switch-row Label { margin: 1 1 0 0; width: 1fr; }
    ParameterPanel #system-prompt { height: 6; }
    ParameterPanel #reasoning { height: auto; }
    ParameterPanel #reasoning.-none { display: none; }
    ParameterPanel #search { height: auto; }
    ParameterPanel #search.-none { display: none; }
    ParameterPanel #refusal { color: $error; height: auto; }
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
        self,
        parameters: ChatParameters,
        *,
        max_tokens_limit: int = 8192,
        efforts: Sequence[str] = (),
        takes_reasoning: bool = False,
        takes_search: bool = False,
        refusal: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.parameters = dataclasses.replace(parameters, stop=list(parameters.stop))
        self.max_tokens_limit = max(1, max_tokens_limit)
        self._loading = False
        self.efforts = tuple(efforts)
        """The reasoning_effort values the model's family takes."""
        self.takes_reasoning = takes_reasoning
        """Whether the model takes the reasoning parameters (their fields show)."""
        self.takes_search = takes_search
        """Whether the model searches the web itself (the search settings' fields show)."""
        self._refusal = refusal

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
        yield Label("service_tier")
        yield self._select("service_tier", SERVICE_TIERS)
        # The reasoning and web search fields (a third of the panel's widgets) are made when
        # a model first needs them: most models take neither, and the first screen is
        # styled and drawn without them.
        with Vertical(id="reasoning", classes="" if self.takes_reasoning else "-none"):
            if self.takes_reasoning:
                yield from self._reasoning_fields()
        with Vertical(id="search", classes="" if self.takes_search else "-none"):
            if self.takes_search:
                yield from self._search_fields()
        yield Static(self._refusal_text(self._refusal), id="refusal")
        yield Label("system prompt")
        yield TextArea(p.system_prompt, id="system-prompt", soft_wrap=True)

    def _reasoning_fields(self) -> list[Widget]:
        return [
            Label("reasoning_effort"),
            self._select("reasoning_effort", self.efforts),
            Label("reasoning_format"),
            self._select("reasoning_format", REASONING_FORMATS),
            Label("include_reasoning"),
            self._select("include_reasoning", ("true", "false")),
        ]

    def _search_fields(self) -> list[Widget]:
        return [
            Label("web search: only these domains"),
            self._search_input("search_include_domains", "arxiv.org, *.edu"),
            Label("web search: never these domains"),
            self._search_input("search_exclude_domains", "example.com"),
            Label("web search: country"),
            self._search_input("search_country", "any"),
        ]

    def _fill(self, box_id: str, make_fields: Callable[[], list[Widget]]) -> bool:
        """Mount the fields ``make_fields`` makes in the box ``box_id`` if it is empty;
        whether they were mounted (False: the box had them already, and nothing is made).
        Once they are, they show the parameters and choices of that moment (a model or a
        conversation may have come meanwhile)."""
        box = self.query_one(f"#{box_id}")
        if box.children:
            return False
        self._loading = True
        mounted = box.mount_all(make_fields())

        async def settle() -> None:
            await mounted
            self._loading = True
            self._show_reasoning_choices()
            self._show_choices_and_search()
            self.call_after_refresh(self._done_loading)

        self.call_later(settle)
        return True

    def _mounted(self, selector: str) -> list[Widget]:
        """The fields matching ``selector`` that are mounted (those still mounting are set
        once they are, by :meth:`_fill`)."""
        return [field for field in self.query(selector) if field.is_mounted]

    def _show_reasoning_choices(self) -> None:
        for effort in self._mounted("#reasoning_effort"):
            assert isinstance(effort, Select)
            effort.set_options(_options(self.efforts))
            if self.parameters.reasoning_effort in self.efforts:
                effort.value = self.parameters.reasoning_effort

    def _show_choices_and_search(self) -> None:
        for name in _CHOICES:
            for select in self._mounted(f"#{name}"):
                assert isinstance(select, Select)
                select.value = self._choice_value(name)
        for name in (*_SEARCH_DOMAINS, "search_country"):
            for field in self._mounted(f"#{name}"):
                assert isinstance(field, Input)
                field.value = self._search_text(name)

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
            self._show_choices_and_search()  # (reasoning and search: once a model took them)
            self.query_one("#max-tokens-label", Label).update(self._max_tokens_label())
        finally:
            self.call_after_refresh(self._done_loading)

    def _choice_value(self, name: str) -> Any:
        value = getattr(self.parameters, name)
        if isinstance(value, bool):
            return "true" if value else "false"
        return Select.NULL if value is None else value

    def _search_text(self, name: str) -> str:
        value = getattr(self.parameters, name)
        if isinstance(value, list):
            return ", ".join(value)
        return value or ""

    def _search_input(self, name: str, placeholder: str) -> Input:
        text = self._search_text(name)
        return Input(text, id=name, placeholder=placeholder, classes="search")

    def _select(self, name: str, values: Sequence[str]) -> Select[str]:
        options = _options(values)
        value = self._choice_value(name)
        if value is not Select.NULL and value not in values:
            options.append((value, value))  # a saved value this model's family does not list
        return Select(options, prompt="not sent", value=value, id=name)

    def set_reasoning_choices(self, efforts: Sequence[str], *, takes_reasoning: bool) -> None:
        """The model changed: show its family's reasoning values, or no reasoning fields."""
        self.efforts = tuple(efforts)
        self.takes_reasoning = takes_reasoning
        self.query_one("#reasoning").set_class(not takes_reasoning, "-none")
        if not takes_reasoning or self._fill("reasoning", self._reasoning_fields):
            return  # hidden; or being made, with this family's values
        self._loading = True
        try:
            self._show_reasoning_choices()
        finally:
            self.call_after_refresh(self._done_loading)

    def show_search_settings(self, shown: bool) -> None:
        """The model changed: show the web search's fields for a model that searches."""
        self.takes_search = shown
        self.query_one("#search").set_class(not shown, "-none")
        if shown:
            self._fill("search", self._search_fields)

    def show_refusal(self, refusal: str | None) -> None:
        """Name the combination the service refuses (None: nothing refused)."""
        self._refusal = refusal
        self.query_one("#refusal", Static).update(self._refusal_text(refusal))

    @staticmethod
    def _refusal_text(refusal: str | None) -> str:
        return f"Not sent as is: {refusal}" if refusal else ""

    def _max_tokens_label(self) -> str:
        if self.parameters.max_tokens is None:
            return "max_tokens: model default"
        return "max_tokens"

    def _done_loading(self) -> None:
        self._loading = False

    def set_max_tokens_limit(self, limit: int) -> None:
        """The model (or its limits) changed: max_tokens ranges up to the model's own limit,
        and while it is not sent the slider shows that limit (the model's default)."""
        self.max_tokens_limit = max(1, limit)
        slider = self.query_one("#max_tokens", Slider)
        if self.parameters.max_tokens is not None:
            slider.set_range(1, self.max_tokens_limit)
            return
        # (The slider's Changed at the model's limit is not a change: see _slider.)
        slider.set_range(1, self.max_tokens_limit)
        slider.value = self.max_tokens_limit

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
            if self.parameters.max_tokens is None and int(event.value) == self.max_tokens_limit:
                return  # the model's default shown at a new model's limit: still not sent
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

    @on(Input.Changed, ".search")
    def _search(self, event: Input.Changed) -> None:
        event.stop()
        name = event.input.id or ""
        if name in _SEARCH_DOMAINS:
            self._changed(**{name: domains(event.value)})
        elif name == "search_country":
            self._changed(search_country=event.value.strip() or None)

    @on(Switch.Changed)
    def _switch(self, event: Switch.Changed) -> None:
        event.stop()
        if event.switch.id in ("json_mode", "stream"):
            self._changed(**{event.switch.id: event.value})

    @on(Select.Changed)
    def _choice(self, event: Select.Changed) -> None:
        event.stop()
        name = event.select.id or ""
        if name not in _CHOICES:
            return
        value: Any = None if event.value is Select.NULL else str(event.value)
        if name == "include_reasoning" and value is not None:
            value = value == "true"
        self._changed(**{name: value})

    @on(TextArea.Changed, "#system-prompt")
    def _system(self, event: TextArea.Changed) -> None:
        event.stop()
        self._changed(system_prompt=event.text_area.text)
