"""The transcription workbench, driven with Pilot against the loopback server.

The loopback "hears" ``transcript_text`` and spreads two segments and one word per word over
the upload's real duration, so a 4 s file gives segments 0-1.8 s and 2-4 s.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Select, TextArea

from groq_tui.app import GroqApp
from groq_tui.audio.archive import RecordingArchive
from groq_tui.ui.screens.chat import ChatScreen
from groq_tui.ui.screens.file_picker import AudioDirectoryTree, FilePicker, RecordingPicker
from groq_tui.ui.screens.workbench import WorkbenchScreen, parse_language, parse_temperature
from groq_tui.ui.widgets.composer import Composer
from groq_tui.ui.widgets.transcript_table import TranscriptTable, clock, words_by_segment
from tests.app_support import make_app, ready, wait_for
from tests.loopback import LoopbackServer

RATE = 16_000
TRANSCRIPT = "The quick brown fox jumps over the lazy dog."
SRT = (
    "1\n00:00:00,000 --> 00:00:01,800\nThe quick brown fox\n\n"
    "2\n00:00:02,000 --> 00:00:04,000\njumps over the lazy dog.\n"
)
VTT = (
    "WEBVTT\n\n00:00:00.000 --> 00:00:01.800\nThe quick brown fox\n\n"
    "00:00:02.000 --> 00:00:04.000\njumps over the lazy dog.\n"
)


def talk(path: Path, pattern: list[float], seed: int = 0) -> Path:
    """A WAV of noisy 'speech' and silence of the given seconds (speech first)."""
    rng = np.random.default_rng(seed)
    parts = []
    for i, seconds in enumerate(pattern):
        n = round(seconds * RATE)
        parts.append(rng.standard_normal(n) * 0.1 if i % 2 == 0 else np.zeros(n))
    sf.write(path, np.concatenate(parts).astype(np.float32), RATE)
    return path


async def open_workbench(pilot: Pilot[Any], path: Path | str | None) -> WorkbenchScreen:
    app = pilot.app
    assert isinstance(app, GroqApp)
    await ready(pilot)
    # Pushed from the app's own task, so the screen runs in its context (message_hook).
    app.call_later(app.push_screen, WorkbenchScreen(None if path is None else str(path)))
    await wait_for(pilot, lambda: isinstance(app.screen, WorkbenchScreen))
    screen = app.screen
    assert isinstance(screen, WorkbenchScreen)
    await pilot.pause()
    return screen


async def run(pilot: Pilot[Any], screen: WorkbenchScreen, key: str = "ctrl+g") -> None:
    """Press ``key`` and wait for the result (or the failure)."""
    await pilot.press(key)  # starts the worker before it returns
    await wait_for(pilot, lambda: not screen.running, timeout=20)
    await pilot.pause()


def status(screen: WorkbenchScreen) -> str:
    return str(screen.query_one("#status").render())


def audio_requests(loopback: LoopbackServer) -> list[Any]:
    return [r for r in loopback.requests if "/audio/" in r.path]


def rows(table: DataTable[Any]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_verbose_json_with_words_on_demand(loopback: LoopbackServer, tmp_path: Path) -> None:
    audio = talk(tmp_path / "speech.wav", [1.5, 0.5, 2.0])
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_workbench(pilot, audio)
        screen.query_one("#language", Input).value = "en"
        screen.query_one("#temperature", Input).value = "0.2"
        screen.query_one("#prompt", Input).value = "Fox, dog"
        screen.query_one("#word", Checkbox).value = True
        await run(pilot, screen)

        (request,) = audio_requests(loopback)
        assert request.path.endswith("/audio/transcriptions")
        form = request.form
        assert form["model"] == ["whisper-large-v3"]
        assert form["language"] == ["en"]
        assert form["prompt"] == ["Fox, dog"]
        assert form["temperature"] == ["0.2"]
        assert form["response_format"] == ["verbose_json"]
        assert form["timestamp_granularities[]"] == ["segment", "word"]

        table = screen.query_one(TranscriptTable)
        assert rows(table.segment_table) == [
            ["0:00.00", "0:01.80", "The quick brown fox"],
            ["0:02.00", "0:04.00", "jumps over the lazy dog."],
        ]
        assert "speech.wav" in status(screen) and "2 segments, 9 words" in status(screen)
        # Words are on demand: hidden until a segment is selected.
        assert not table.word_table.display
        assert table.segment_table.has_focus
        await pilot.press("enter")
        assert table.word_table.display
        assert [r[2] for r in rows(table.word_table)] == ["The", "quick", "brown", "fox"]
        assert rows(table.word_table)[0][:2] == ["0:00.00", "0:00.44"]
        await pilot.press("down")  # the pane follows the highlighted segment
        assert [r[2] for r in rows(table.word_table)] == ["jumps", "over", "the", "lazy", "dog."]


async def test_exports_copy_and_send_to_chat(loopback: LoopbackServer, tmp_path: Path) -> None:
    audio = talk(tmp_path / "speech.wav", [1.5, 0.5, 2.0])
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        chat = await ready(pilot)
        composer = chat.query_one(Composer)
        composer.load_text("Summarise this: ")
        composer.move_cursor((0, len("Summarise this: ")))
        screen = await open_workbench(pilot, audio)
        screen.query_one("#word", Checkbox).value = True
        await run(pilot, screen)

        exports = tmp_path / "exports"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: (exports / "speech.srt").exists())
        assert (exports / "speech.srt").read_text(encoding="utf-8") == SRT
        for fmt in ("txt", "vtt", "json"):
            await pilot.click(f"#export-{fmt}")
            await wait_for(pilot, lambda fmt=fmt: (exports / f"speech.{fmt}").exists())
        assert (exports / "speech.vtt").read_text(encoding="utf-8") == VTT
        assert (exports / "speech.txt").read_text(encoding="utf-8") == TRANSCRIPT + "\n"
        data = json.loads((exports / "speech.json").read_text(encoding="utf-8"))
        assert data["text"].strip() == TRANSCRIPT
        assert [(s["start"], s["end"]) for s in data["segments"]] == [(0, 1.8), (2, 4)]
        assert [w["word"] for w in data["words"]] == TRANSCRIPT.split()

        await pilot.press("ctrl+y")
        assert app.clipboard == TRANSCRIPT

        await pilot.click("#send")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
        assert composer.text == "Summarise this: " + TRANSCRIPT  # what was typed is kept
        assert composer.has_focus


async def test_translate_as_json_shows_the_text(loopback: LoopbackServer, tmp_path: Path) -> None:
    audio = talk(tmp_path / "rede.wav", [1.0, 0.3, 1.0])
    loopback.transcript_text = "Good morning, how are you?"
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_workbench(pilot, audio)
        screen.query_one("#language", Input).value = "de"
        screen.query_one("#task", Select).value = "translate"
        screen.query_one("#format", Select).value = "json"
        await pilot.pause()
        assert screen.query_one("#language", Input).disabled  # kept, not sent
        assert screen.query_one("#word", Checkbox).disabled
        await run(pilot, screen)

        (request,) = audio_requests(loopback)
        assert request.path.endswith("/audio/translations")
        assert request.form["response_format"] == ["json"]
        assert "language" not in request.form
        assert "timestamp_granularities[]" not in request.form
        text = screen.query_one("#text", TextArea)
        assert text.display and text.text == "Good morning, how are you?"
        assert not screen.query_one(TranscriptTable).display
        assert status(screen).startswith("Translated rede.wav")
        # No segments, so no subtitles; the text still exports.
        await pilot.press("ctrl+s")
        await pilot.click("#export-txt")
        await wait_for(pilot, lambda: (tmp_path / "exports" / "rede.txt").exists())
        assert not (tmp_path / "exports" / "rede.srt").exists()
        assert screen.query_one("#language", Input).value == "de"


async def test_text_format_sends_no_timestamps(loopback: LoopbackServer, tmp_path: Path) -> None:
    audio = talk(tmp_path / "note.wav", [1.0])
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_workbench(pilot, audio)
        screen.query_one("#format", Select).value = "text"
        screen.query_one("#word", Checkbox).value = True
        screen.query_one("#prompt", Input).focus()
        await run(pilot, screen, "enter")  # Enter in a field of the form runs too
        (request,) = audio_requests(loopback)
        assert request.form["response_format"] == ["text"]
        assert "timestamp_granularities[]" not in request.form
        assert screen.query_one("#text", TextArea).text == TRANSCRIPT


async def test_long_file_shows_pieces_done(loopback: LoopbackServer, tmp_path: Path) -> None:
    audio = talk(tmp_path / "lecture.wav", [1.5, 0.4, 1.5, 0.4, 1.5, 0.4, 1.5])
    seen: list[tuple[int, int]] = []

    def hook(message: Message) -> None:
        if isinstance(message, WorkbenchScreen.Progress):
            seen.append((message.done, message.total))

    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        screen = await open_workbench(pilot, audio)
        screen.max_piece_seconds = 2.0
        await run(pilot, screen)
        pieces = len(audio_requests(loopback))
        assert pieces == 4
        assert seen == [(n, pieces) for n in range(1, pieces + 1)]
        bar = screen.query_one("#progress")
        assert (bar.progress, bar.total) == (pieces, pieces)  # type: ignore[attr-defined]
        # The pieces' segments are joined on the file's timeline.
        starts = [s.start for s in screen.result.segments or []]  # type: ignore[union-attr]
        assert len(starts) == 2 * pieces and starts == sorted(starts)
        assert (screen.result.duration or 0) == pytest.approx(7.2, abs=0.1)  # type: ignore[union-attr]
        assert status(screen).startswith("Transcribed lecture.wav") and "4 pieces" in status(screen)


async def test_no_speech_heard_is_said(loopback: LoopbackServer, tmp_path: Path) -> None:
    audio = talk(tmp_path / "hum.wav", [1.0])
    loopback.transcript_text = ""
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_workbench(pilot, audio)
        await run(pilot, screen)
        assert status(screen) == "hum.wav: no speech was heard in it"
        assert screen.query_one("#status").has_class("-error")


def _corrupt(tmp_path: Path) -> Path:
    path = tmp_path / "broken.wav"
    path.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunkjunk" * 20)
    return path


def _unsupported(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("not audio")
    return path


def _silent(tmp_path: Path) -> Path:
    path = tmp_path / "quiet.wav"
    sf.write(path, np.zeros(RATE * 2, dtype=np.float32), RATE)
    return path


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "nothing.wav"
    path.write_bytes(b"")
    return path


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "gone.flac"


def _too_large(tmp_path: Path) -> Path:
    path = tmp_path / "meeting.m4a"  # sent as it is: m4a cannot be split here
    path.write_bytes(b"\x00\x00\x00\x20ftypM4A " + bytes(4000))
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (_corrupt, "not readable as audio"),
        (_unsupported, "unsupported format"),
        (_silent, "silent"),
        (_empty, "the file is empty"),
        (_missing, "no such file"),
        (_too_large, "refused it as too large"),
    ],
    ids=["corrupt", "unsupported", "silent", "empty", "missing", "413"],
)
async def test_failures_name_the_file_and_keep_the_form(
    loopback: LoopbackServer, tmp_path: Path, make: Any, reason: str
) -> None:
    path = make(tmp_path)
    loopback.max_upload_bytes = 1000
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_workbench(pilot, path)
        screen.query_one("#prompt", Input).value = "names: Ada, Grace"
        screen.query_one("#temperature", Input).value = "0.3"
        await run(pilot, screen)
        message = status(screen)
        assert message.startswith(str(path)) and reason in message
        assert screen.query_one("#status").has_class("-error")
        assert app.is_running and app.screen is screen
        assert screen.query_one("#path", Input).value == str(path)
        assert screen.query_one("#prompt", Input).value == "names: Ada, Grace"
        assert screen.query_one("#temperature", Input).value == "0.3"
        assert screen.result is None
        sent = audio_requests(loopback)
        assert len(sent) == (1 if reason == "refused it as too large" else 0)


async def test_bad_fields_are_named_before_anything_is_sent(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    audio = talk(tmp_path / "speech.wav", [1.0])
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_workbench(pilot, audio)
        screen.query_one("#temperature", Input).value = "1.5"
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert "temperature must be between 0 and 1" in status(screen)
        screen.query_one("#temperature", Input).value = ""
        screen.query_one("#language", Input).value = "e1"
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert "language must be a two-letter code" in status(screen)
        assert not screen.running and audio_requests(loopback) == []


async def test_open_a_saved_recording(loopback: LoopbackServer, tmp_path: Path) -> None:
    archive = RecordingArchive(tmp_path / "recordings")
    saved = archive.save(talk(tmp_path / "take.wav", [1.0, 0.2, 1.0]), "Hello from the archive")
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_workbench(pilot, None)
        assert screen.query_one("#path", Input).has_focus
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordingPicker))
        picker = app.screen
        assert isinstance(picker, RecordingPicker)
        assert [c.preview for c in picker.recordings] == ["Hello from the archive"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.query_one("#path", Input).value == str(saved.audio)
        await run(pilot, screen)
        (request,) = audio_requests(loopback)
        assert request.files["file"].filename == "audio.flac"
        assert len(screen.query_one(TranscriptTable).segments) == 2


async def test_no_saved_recordings_says_so(loopback: LoopbackServer, tmp_path: Path) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_workbench(pilot, None)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "No saved recordings yet" in status(screen))
        assert app.screen is screen


async def test_file_picker_shows_audio_and_folders(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    folder = tmp_path / "audio"
    (folder / "more").mkdir(parents=True)
    (folder / "notes.txt").write_text("no")
    (folder / ".hidden.wav").write_bytes(b"")
    wanted = talk(folder / "speech.wav", [1.0])
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_workbench(pilot, None)
        screen.query_one("#path", Input).value = str(folder) + "/"
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, FilePicker))
        tree = app.screen.query_one(AudioDirectoryTree)
        await wait_for(pilot, lambda: len(tree.root.children) > 0)
        names = [str(node.label) for node in tree.root.children]
        assert names == ["more", "speech.wav"]
        tree.focus()
        tree.move_cursor(tree.root.children[1])
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert screen.query_one("#path", Input).value == str(wanted)
        assert screen.query_one("#run").has_focus


async def test_escape_goes_back(loopback: LoopbackServer, tmp_path: Path) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_workbench(pilot, None)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))


# -- the pieces, with fixed inputs -------------------------------------------------------------


def test_field_parsing() -> None:
    assert parse_temperature(" ") is None
    assert parse_temperature("0.4") == 0.4
    with pytest.raises(ValueError, match="between 0 and 1"):
        parse_temperature("2")
    with pytest.raises(ValueError, match="a number"):
        parse_temperature("warm")
    assert parse_language("") is None
    assert parse_language("DE") == "de"
    with pytest.raises(ValueError, match="two-letter"):
        parse_language("deu")


def test_clock_and_words_by_segment() -> None:
    assert clock(0) == "0:00.00"
    assert clock(61.256) == "1:01.26"
    assert clock(3725.5) == "1:02:05.50"
    from groq_tui.api import TranscriptionSegment, TranscriptionWord

    segments = [
        TranscriptionSegment(start=0, end=1.8, text=" a b"),
        TranscriptionSegment(start=2, end=4, text=" c"),
    ]
    words = [
        TranscriptionWord(word="a", start=0, end=1),
        TranscriptionWord(word="b", start=1.6, end=2.1),  # mostly in the pause: stays with a
        TranscriptionWord(word="c", start=2.1, end=3),
    ]
    grouped = words_by_segment(segments, words)
    assert [[w.text for w in group] for group in grouped] == [["a", "b"], ["c"]]


async def test_the_model_list_follows_a_late_model_listing(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(100, 34)) as pilot:
        await ready(pilot)
        app.context.models = []  # as if /models had not answered yet when the screen opened
        app.call_later(app.push_screen, WorkbenchScreen(None))
        await wait_for(pilot, lambda: isinstance(app.screen, WorkbenchScreen))
        screen = app.screen
        assert isinstance(screen, WorkbenchScreen)
        select = screen.query_one("#model", Select)
        assert [value for _, value in select._options if value != Select.BLANK] == [
            app.context.audio_model
        ]
        await app.context.load_models()
        await pilot.pause()
        offered = [value for _, value in select._options if value != Select.BLANK]
        audio = [m.id for m in app.context.models if m.is_audio]
        assert len(audio) > 1 and sorted(offered) == sorted(audio)
        assert select.value == app.context.audio_model


async def test_f3_opens_it_from_the_chat_with_the_configured_upload_limit(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    app.settings.max_upload_mb = 0.5
    async with app.run_test(size=(100, 34)) as pilot:
        await ready(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkbenchScreen))
        screen = app.screen
        assert isinstance(screen, WorkbenchScreen)
        assert screen.max_upload_bytes == 512 * 1024
        depth = len(app.screen_stack)
        await pilot.press("f3")  # already open: nothing stacks
        assert len(app.screen_stack) == depth
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, WorkbenchScreen))
