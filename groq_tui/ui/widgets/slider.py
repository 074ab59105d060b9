"""A slider: a value in a range, set with the mouse (click or drag) or the arrow keys.

Textual has no slider widget. This one is small and reusable: it knows nothing of chat
parameters, renders on one line as ``━━━━━●────  0.70`` and posts :class:`Slider.Changed`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


def _default_format(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}"


class Slider(Widget, can_focus=True):
    """A horizontal slider over ``[minimum, maximum]`` in steps of ``step``."""

    DEFAULT_CSS = """
    Slider {
        height: 1;
        width: 1fr;
        min-width: 12;
    }
    Slider > .slider--filled { color: $accent; }
    Slider > .slider--empty { color: $foreground 30%; }
    Slider > .slider--knob { color: $accent; text-style: bold; }
    Slider:focus > .slider--knob { color: $text; background: $accent; }
    Slider:disabled { opacity: 50%; }
    """

    COMPONENT_CLASSES = {"slider--filled", "slider--empty", "slider--knob"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "nudge(-1)", "Less", show=False),
        Binding("right,l", "nudge(1)", "More", show=False),
        Binding("shift+left,pageup", "nudge(-10)", "Much less", show=False),
        Binding("shift+right,pagedown", "nudge(10)", "Much more", show=False),
        Binding("home", "to_minimum", "Minimum", show=False),
        Binding("end", "to_maximum", "Maximum", show=False),
    ]

    value: reactive[float] = reactive(0.0, init=False)
    """The current value, always within the range and on a step."""

    @dataclass
    class Changed(Message):
        """The value changed (by the user or by code)."""

        slider: Slider
        value: float

        @property
        def control(self) -> Slider:
            """The slider that changed (for ``@on(Slider.Changed, "#id")``)."""
            return self.slider

    def __init__(
        self,
        value: float,
        *,
        minimum: float,
        maximum: float,
        step: float = 1.0,
        formatter: Callable[[float], str] = _default_format,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        if maximum <= minimum:
            raise ValueError("a slider needs maximum > minimum")
        self.minimum = minimum
        self.maximum = maximum
        self.step = step
        self.formatter = formatter
        self._dragging = False
        self.set_reactive(Slider.value, self._clamp(value))

    def _clamp(self, value: float) -> float:
        value = min(self.maximum, max(self.minimum, value))
        steps = round((value - self.minimum) / self.step)
        snapped = self.minimum + steps * self.step
        snapped = min(self.maximum, max(self.minimum, snapped))
        return round(snapped, 10)

    def validate_value(self, value: float) -> float:
        return self._clamp(value)

    def watch_value(self, value: float) -> None:
        self.post_message(self.Changed(self, value))

    def set_range(self, minimum: float, maximum: float) -> None:
        """Change the range (e.g. max_tokens to a new model's context), keeping the value in it."""
        self.minimum, self.maximum = minimum, maximum
        self.value = self._clamp(self.value)
        self.refresh()

    # -- rendering -------------------------------------------------------------------------

    def _label(self) -> str:
        widest = max(len(self.formatter(self.minimum)), len(self.formatter(self.maximum)))
        return self.formatter(self.value).rjust(widest)

    def _track_width(self) -> int:
        return max(3, self.size.width - len(self._label()) - 2)

    def render(self) -> Text:
        track = self._track_width()
        fraction = (self.value - self.minimum) / (self.maximum - self.minimum)
        knob = round(fraction * (track - 1))
        text = Text(no_wrap=True, overflow="crop")
        text.append("━" * knob, self.get_component_rich_style("slider--filled"))
        text.append("●", self.get_component_rich_style("slider--knob"))
        text.append("─" * (track - knob - 1), self.get_component_rich_style("slider--empty"))
        text.append("  " + self._label())
        return text

    # -- keys ------------------------------------------------------------------------------

    def action_nudge(self, steps: int) -> None:
        """Move by ``steps`` steps (coarser steps for wide ranges, so keys stay useful)."""
        span_steps = (self.maximum - self.minimum) / self.step
        scale = (
            max(1, round(span_steps / 200)) if abs(steps) == 1 else max(1, round(span_steps / 20))
        )
        self.value = self._clamp(self.value + (1 if steps > 0 else -1) * scale * self.step)

    def action_to_minimum(self) -> None:
        self.value = self.minimum

    def action_to_maximum(self) -> None:
        self.value = self.maximum

    # -- mouse -----------------------------------------------------------------------------

    def _value_at(self, x: int) -> float:
        track = self._track_width()
        fraction = min(1.0, max(0.0, x / max(1, track - 1)))
        return self._clamp(self.minimum + fraction * (self.maximum - self.minimum))

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.focus()
        self._dragging = True
        self.capture_mouse()
        self.value = self._value_at(event.x)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._dragging:
            self.value = self._value_at(event.x)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()
