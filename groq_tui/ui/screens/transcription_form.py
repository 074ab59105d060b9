"""The workbench's form: which file, task, model, format, language, temperature, timings, prompt.

It lays the fields out, keeps the ones that do not apply disabled, follows the service's
model list, and reads itself as :class:`~groq_tui.services.transcription.TranscriptionOptions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select

from groq_tui.services.transcription import TranscriptionOptions
from groq_tui.ui.app_context import host_of
from groq_tui.ui.fields import parse_language, parse_temperature

if TYPE_CHECKING:
    from groq_tui.services.context import AppContext

ResponseFormat = Literal["json", "text", "verbose_json"]
RESPONSE_FORMATS: tuple[ResponseFormat, ...] = ("verbose_json", "json", "text")


class TranscriptionForm(Vertical):
    """The fields that say what to transcribe and how.

    Args:
        path: The audio file to fill in.
    """

    def __init__(self, path: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.initial_path = path

    @property
    def context(self) -> AppContext:
        """The app context: the models on offer."""
        return host_of(self).context

    def _audio_models(self) -> list[str]:
        """The default audio model first, then the others the service lists."""
        context = self.context
        model = context.audio_model
        return [model, *(m.id for m in context.models if m.is_audio and m.id != model)]

    def _models_loaded(self, _: None) -> None:
        """Offer the models the service lists now (the list can arrive after the screen
        opened); the chosen one stays chosen if it is still offered."""
        select = self.query_one("#model", Select)
        chosen, models = select.value, self._audio_models()
        select.set_options([(m, m) for m in models])
        select.value = chosen if chosen in models else models[0]

    def compose(self) -> ComposeResult:
        model = self.context.audio_model
        models = self._audio_models()
        with Horizontal(classes="row"):
            yield Label("File")
            yield Input(
                self.initial_path,
                placeholder="path to an audio file (flac mp3 mp4 mpeg mpga m4a ogg wav webm)",
                id="path",
                compact=True,
            )
            yield Button("Browse", id="browse", compact=True)
            yield Button("Recordings", id="recordings", compact=True)
        with Horizontal(classes="row"):
            yield Label("Task")
            yield Select(
                [("Transcribe", "transcribe"), ("Translate to English", "translate")],
                value="transcribe",
                allow_blank=False,
                id="task",
                compact=True,
            )
            yield Label("Model", classes="gap")
            yield Select(
                [(m, m) for m in models], value=model, allow_blank=False, id="model", compact=True
            )
        with Horizontal(classes="row"):
            yield Label("Format")
            yield Select(
                [(f, f) for f in RESPONSE_FORMATS],
                value="verbose_json",
                allow_blank=False,
                id="format",
                compact=True,
            )
            yield Label("Lang", classes="gap")
            yield Input(placeholder="auto", id="language", compact=True, max_length=2)
            yield Label("Temp", classes="gap")
            yield Input(placeholder="0-1", id="temperature", compact=True)
            yield Label("Times", classes="gap")
            yield Checkbox("word", id="word", compact=True)
            yield Checkbox("segment", True, id="segment", compact=True)
        with Horizontal(classes="row"):
            yield Label("Prompt")
            yield Input(placeholder="context or spellings (optional)", id="prompt", compact=True)
            yield Button("Run", id="run", variant="primary", compact=True)

    def on_mount(self) -> None:
        host_of(self).signals.models_loaded.subscribe(self, self._models_loaded)

    @on(Select.Changed, "#task")
    @on(Select.Changed, "#format")
    def _options_changed(self) -> None:
        translate = self.query_one("#task", Select).value == "translate"
        verbose = self.query_one("#format", Select).value == "verbose_json"
        # Kept, not cleared: switching back brings what was typed back into use.
        self.query_one("#language", Input).disabled = translate
        self.query_one("#word", Checkbox).disabled = translate or not verbose
        self.query_one("#segment", Checkbox).disabled = not verbose

    def options(
        self, *, max_upload_bytes: int, max_piece_seconds: float | None
    ) -> TranscriptionOptions:
        """The form as options; raises ValueError naming a bad field."""
        task = self.query_one("#task", Select).value
        model = self.query_one("#model", Select).value
        response_format = self.query_one("#format", Select).value
        assert isinstance(model, str)
        assert response_format in RESPONSE_FORMATS
        translate = task == "translate"
        granularities: list[Literal["word", "segment"]] = []
        if self.query_one("#segment", Checkbox).value:
            granularities.append("segment")
        if self.query_one("#word", Checkbox).value and not translate:
            granularities.append("word")
        prompt = self.query_one("#prompt", Input).value.strip()
        return TranscriptionOptions(
            model=model,
            language=None
            if translate
            else parse_language(self.query_one("#language", Input).value),
            prompt=prompt or None,
            translate=translate,
            temperature=parse_temperature(self.query_one("#temperature", Input).value),
            timestamp_granularities=tuple(granularities),
            response_format=response_format,
            max_upload_bytes=max_upload_bytes,
            max_piece_seconds=max_piece_seconds,
        )


__all__ = ["RESPONSE_FORMATS", "ResponseFormat", "TranscriptionForm"]
