"""The transcription workbench: one audio file or saved recording, transcribed or translated.

The screen owns the worker that calls :func:`~groq_tui.services.transcription.transcribe_file`
(which splits long files and reports pieces done); the table widget only renders. Every
failure is shown naming the file and the reason, and leaves the form as it was.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import (
    Button,
    Input,
    ProgressBar,
    Static,
    TextArea,
)

from groq_tui.domain.wording import counted
from groq_tui.services.transcription import (
    DEFAULT_MAX_UPLOAD_BYTES,
    TranscriptionFailed,
    TranscriptionOptions,
    transcribe_file,
)
from groq_tui.services.typed_path import typed_path
from groq_tui.subtitles import to_srt, to_vtt
from groq_tui.ui.app_context import host_of
from groq_tui.ui.fields import parse_language, parse_temperature
from groq_tui.ui.routing import InsertIntoComposer
from groq_tui.ui.screens.file_picker import FilePicker, RecordingChoice, RecordingPicker
from groq_tui.ui.screens.settling import SettlingScreen
from groq_tui.ui.screens.transcription_form import TranscriptionForm
from groq_tui.ui.screens.width_classes import StyledOnShow, set_width_classes
from groq_tui.ui.while_running import while_running
from groq_tui.ui.widgets.key_footer import KeyFooter
from groq_tui.ui.widgets.transcript_table import TranscriptTable, clock

if TYPE_CHECKING:
    from groq_tui.services.context import AppContext
    from groq_tui.services.types import Transcription

ExportFormat = Literal["txt", "srt", "vtt", "json"]


def export_content(result: Transcription, fmt: ExportFormat) -> str:
    """``result`` as a TXT, SRT, VTT or JSON file's content; raises ValueError if it has no
    segments for subtitles."""
    if fmt == "txt":
        return result.text.strip() + "\n"
    if fmt == "json":
        data = result.model_dump(mode="json", exclude_none=True)
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if not result.segments:
        raise ValueError(
            f"{fmt.upper()} needs segment timestamps: choose verbose_json and run again"
        )
    return to_srt(result.segments) if fmt == "srt" else to_vtt(result.segments)


def _start_folder(text: str) -> Path:
    """Where the file picker opens: the typed path's folder, else the working directory."""
    try:
        path = typed_path(text)
    except ValueError:
        path = Path.cwd()
    if path.is_dir():
        return path
    if path.parent.is_dir():
        return path.parent
    return Path.cwd()


class WorkbenchScreen(StyledOnShow, SettlingScreen[None]):
    """Transcribe or translate an audio file, look at its timing, export or reuse the text.

    Args:
        path: An audio file to fill in (it is not run until asked).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="workbench.close"),
        Binding("ctrl+g", "run", "Run", id="workbench.run"),
        Binding("ctrl+o", "open", "Open file", id="workbench.open"),
        Binding("ctrl+r", "recordings", "Recordings", id="workbench.recordings"),
        Binding("ctrl+s", "export('srt')", "SRT", id="workbench.export_srt"),
        Binding("ctrl+y", "copy", "Copy", id="workbench.copy"),
        Binding("ctrl+k", "send_to_chat", "To chat", id="workbench.send"),
        Binding("f2", "speak", "Speak", show=False, id="workbench.speak"),
    ]

    DEFAULT_CSS = """
    WorkbenchScreen #form { height: auto; padding: 0 1; }
    WorkbenchScreen .row { height: 1; margin-bottom: 1; }
    WorkbenchScreen .row > Label { width: auto; padding-right: 1; color: $text-muted; }
    WorkbenchScreen .row > .gap { margin-left: 1; }
    WorkbenchScreen #path { width: 1fr; }
    WorkbenchScreen #task { width: 24; }
    WorkbenchScreen #model { width: 1fr; }
    WorkbenchScreen #format { width: 16; }
    WorkbenchScreen #language { width: 6; }
    WorkbenchScreen #temperature { width: 6; }
    WorkbenchScreen #prompt { width: 1fr; }
    WorkbenchScreen .row Button { margin-left: 1; min-width: 6; }
    WorkbenchScreen .row Checkbox { margin-left: 1; }
    WorkbenchScreen #progress-row { height: 1; padding: 0 1; }
    WorkbenchScreen #status { width: 1fr; height: 1; }
    WorkbenchScreen #status.-error { color: $error; }
    WorkbenchScreen #progress-row ProgressBar { width: auto; display: none; }
    WorkbenchScreen.-running #progress-row ProgressBar { display: block; }
    WorkbenchScreen #transcript { height: 1fr; }
    WorkbenchScreen #text { height: 1fr; display: none; }
    WorkbenchScreen.-plain #transcript { display: none; }
    WorkbenchScreen.-plain #text { display: block; }
    WorkbenchScreen #actions { height: 1; padding: 0 1; }
    WorkbenchScreen #actions Button { margin-right: 1; min-width: 6; }
    WorkbenchScreen.-narrow .row {
        layout: grid; grid-size: 2; grid-columns: auto 1fr; grid-gutter: 0 1; height: auto;
    }
    WorkbenchScreen.-narrow .row > .gap { margin-left: 0; }
    WorkbenchScreen.-narrow .row > * { width: 1fr; }
    WorkbenchScreen.-narrow .row > Label { width: auto; }
    WorkbenchScreen.-narrow .row Button, WorkbenchScreen.-narrow .row Checkbox { margin-left: 0; }
    """

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-wide")]
    """Below 80 columns the form's fields go two to a line (label, field): no field is cut."""

    @dataclass
    class Progress(Message):
        """Pieces of the file transcribed so far, out of how many."""

        name: str
        """The file's name."""
        done: int
        total: int

    max_piece_seconds: float | None = 600.0
    """Longer audio is cut into pieces of at most this many seconds."""
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    """The largest upload the server takes."""

    def __init__(self, path: str | None = None, *, max_upload_mb: float | None = None) -> None:
        super().__init__()
        set_width_classes(self)
        self.initial_path = path or ""
        if max_upload_mb is not None:
            self.max_upload_bytes = int(max_upload_mb * 1024 * 1024)
        self.result: Transcription | None = None
        """The last transcription shown."""
        self.result_source: Path | None = None
        """The file the shown transcription came from."""
        self.running = False

    @property
    def context(self) -> AppContext:
        """The app context: the client, the models, exports."""
        return host_of(self).context

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TranscriptionForm(self.initial_path, id="form")
        with Horizontal(id="progress-row"):
            yield Static("Choose an audio file, then Run (ctrl+g).", id="status")
            yield ProgressBar(id="progress", show_eta=False)
        yield TranscriptTable(id="transcript")
        yield TextArea("", id="text", read_only=True, soft_wrap=True)
        with Horizontal(id="actions"):
            for fmt in ("txt", "srt", "vtt", "json"):
                yield Button(fmt.upper(), id=f"export-{fmt}", compact=True)
            yield Button("Copy", id="copy", compact=True)
            yield Button("To chat", id="send", compact=True)
            yield Button("Speak", id="speak", compact=True)
            yield Button("Speech WAV", id="export-speech", compact=True)
        yield KeyFooter()

    @while_running
    def on_mount(self) -> None:
        self.query_one("#run" if self.initial_path else "#path").focus()

    # -- running ---------------------------------------------------------------------------

    def options(self) -> TranscriptionOptions:
        """The form as options; raises ValueError naming a bad field."""
        return self.query_one(TranscriptionForm).options(
            max_upload_bytes=self.max_upload_bytes, max_piece_seconds=self.max_piece_seconds
        )

    @property
    def path_text(self) -> str:
        """The path as typed."""
        return self.query_one("#path", Input).value.strip()

    def action_run(self) -> None:
        """Transcribe (or translate) the chosen file with the form's options."""
        if self.running:
            self.notify("Still working on the last file.", timeout=3)
            return
        if not self.path_text:
            self._set_status("Choose an audio file first (ctrl+o to browse).", error=True)
            self.query_one("#path", Input).focus()
            return
        try:
            path = str(typed_path(self.path_text))  # ~, quotes, file:// URLs as pasted
        except ValueError as exc:
            self._set_status(f"Not run: {exc}", error=True)
            return
        if self.context.clients is None:
            self._set_status("Not connected yet: wait for the app to start, then Run.", error=True)
            return
        try:
            options = self.options()
        except ValueError as exc:
            self._set_status(f"Not run: {exc}", error=True)
            return
        self.running = True
        self.add_class("-running")
        verb = "Translating" if options.translate else "Transcribing"
        self._set_status(f"{verb} {Path(path).name}…")
        self.query_one(ProgressBar).update(total=None, progress=0)
        self._transcribe(path, options)

    @work(exclusive=True, group="transcribe")
    async def _transcribe(self, path: str, options: TranscriptionOptions) -> None:
        name = Path(path).name
        pieces = 0

        def progress(done: int, total: int) -> None:
            nonlocal pieces
            pieces = total
            self.post_message(self.Progress(name, done, total))

        # Held to the end: a server switch meanwhile leaves this file its client.
        lease = self.context.lease_client()
        try:
            result = await transcribe_file(lease.client, path, options, progress=progress)
        except TranscriptionFailed as exc:
            self._failed(str(exc))
            return
        except OSError as exc:
            self._failed(f"{path}: cannot read it ({exc.strerror or exc})")
            return
        finally:
            lease.release()
            self.running = False
            self.remove_class("-running")
        self._show(result, Path(path), options, pieces)

    @on(Progress)
    def _progress(self, event: Progress) -> None:
        event.stop()
        self.query_one(ProgressBar).update(total=event.total, progress=event.done)
        if self.running and event.total > 1:
            self._set_status(f"{event.name}: {event.done} / {event.total} pieces done")

    def _failed(self, message: str) -> None:
        self._set_status(message, error=True)
        self.notify(message, title="Transcription failed", severity="error", timeout=10)

    def _show(
        self, result: Transcription, source: Path, options: TranscriptionOptions, pieces: int
    ) -> None:
        self.result = result
        self.result_source = source
        segments = result.segments or []
        words = result.words or []
        plain = not segments
        self.set_class(plain, "-plain")
        self.query_one("#text", TextArea).load_text(result.text.strip())
        self.query_one(TranscriptTable).show(segments, words)
        parts = [counted(len(segments), "segment")] if segments else []
        if words:
            parts.append(counted(len(words), "word"))
        if result.duration:
            parts.append(clock(result.duration))
        if result.language:
            parts.append(result.language)
        if pieces > 1:
            parts.append(counted(pieces, "piece"))
        if not result.text.strip():
            self._set_status(f"{source.name}: no speech was heard in it", error=True)
            return
        done = "Translated" if options.translate else "Transcribed"
        summary = f" ({', '.join(parts)})" if parts else ""
        self._set_status(f"{done} {source.name}{summary}")
        if not plain:
            self.query_one(TranscriptTable).segment_table.focus()

    def _set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(text)
        status.set_class(error, "-error")

    # -- choosing a file -------------------------------------------------------------------

    def _set_path(self, path: str) -> None:
        self.query_one("#path", Input).value = path
        self._set_status(f"{Path(path).name}: press Run (ctrl+g).")
        self.query_one("#run").focus()

    @work(exclusive=True, group="pick")
    async def action_open(self) -> None:
        """Choose an audio file in a file browser."""
        start = await asyncio.to_thread(_start_folder, self.path_text)
        chosen = await self.app.push_screen_wait(FilePicker(start))
        if chosen:
            self._set_path(chosen)

    @work(exclusive=True, group="pick")
    async def action_recordings(self) -> None:
        """Choose one of the saved recordings."""
        directory = self.context.files.recordings_dir
        try:
            saved = await self.context.files.saved_recordings()
        except OSError as exc:
            self.notify(f"Cannot list {directory}: {exc.strerror or exc}", severity="error")
            return
        choices = [RecordingChoice(s.audio, s.created, s.duration, s.first_line) for s in saved]
        if not choices:
            self._set_status(f"No saved recordings yet (in {directory}).")
            return
        chosen = await self.app.push_screen_wait(RecordingPicker(choices))
        if chosen:
            self._set_path(chosen)

    @on(Button.Pressed, "#browse")
    def _browse_pressed(self) -> None:
        self.action_open()

    @on(Button.Pressed, "#recordings")
    def _recordings_pressed(self) -> None:
        self.action_recordings()

    @on(Button.Pressed, "#run")
    @on(Input.Submitted, "#form Input")
    def _run_pressed(self) -> None:
        self.action_run()

    # -- using the result --------------------------------------------------------------------

    def _text(self) -> str | None:
        if self.result is None or not self.result.text.strip():
            self.notify("Nothing transcribed yet: run a file first.", severity="warning")
            return None
        return self.result.text.strip()

    @on(Button.Pressed, "#actions Button")
    def _action_pressed(self, event: Button.Pressed) -> None:
        name = event.button.id or ""
        if name in ("speak", "export-speech"):
            self.speak(to_file=name == "export-speech")
        elif name.startswith("export-"):
            fmt = name.removeprefix("export-")
            assert fmt in ("txt", "srt", "vtt", "json")
            self.action_export(fmt)
        elif name == "copy":
            self.action_copy()
        elif name == "send":
            self.action_send_to_chat()

    @work(group="export")
    async def action_export(self, fmt: ExportFormat) -> None:
        """Write the transcription as TXT, SRT, VTT or JSON to the exports folder."""
        result, source = self.result, self.result_source
        if result is None or source is None:
            self.notify("Nothing to export yet: run a file first.", severity="warning")
            return
        try:
            content = export_content(result, fmt)
        except ValueError as exc:
            self.notify(f"Not exported: {exc}.", severity="warning", timeout=6)
            return
        path = await self.context.files.write_export_file(f"{source.stem}.{fmt}", content)
        if path is not None:
            self.notify(f"Exported to {path}", timeout=8)

    def action_copy(self) -> None:
        """Copy the text to the clipboard."""
        text = self._text()
        if text is not None:
            self.app.copy_to_clipboard(text)
            self.notify(f"Copied {len(text)} characters.", timeout=3)

    def action_send_to_chat(self) -> None:
        """Put the text into the chat composer (at its cursor) and go back to the chat."""
        text = self._text()
        if text is not None:
            self.post_message(InsertIntoComposer(text))

    def action_speak(self) -> None:
        """Read the transcript aloud (esc on the chat screen, or f2 again, stops it)."""
        self.speak(to_file=False)

    def speak(self, *, to_file: bool) -> None:
        """Read the transcript aloud, or write its speech to a WAV file in the exports."""
        from groq_tui.ui.speech_workbench import export_speech_of, speak_text

        text = self._text()
        if text is None:
            return
        if to_file:
            stem = self.result_source.stem if self.result_source else "transcript"
            self.run_worker(export_speech_of(self, text, f"{stem}.speech.wav"), group="export")
        else:
            speak_text(self, text)

    def action_close(self) -> None:
        """Back to where the workbench was opened from (a running transcription stops)."""
        self.app.pop_screen()


__all__ = [
    "WorkbenchScreen",
    "export_content",
    "parse_language",
    "parse_temperature",
]
