"""Live dictation end to end: espeak-ng into the virtual microphone, PortAudio, the VAD,
the loopback server, and the text back out - in order, while the speaker still speaks."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import soundfile as sf

from groq_tui.__main__ import main
from groq_tui.api import GroqClient
from groq_tui.audio.archive import RecordingArchive
from groq_tui.audio.encoding import audio_info
from groq_tui.audio.errors import DeviceLost
from groq_tui.audio.recorder import Recorder
from groq_tui.config import data_dir
from groq_tui.services.dictation import (
    DictationFinished,
    DictationOptions,
    LiveDictation,
    LiveEvent,
    SegmentText,
    StopReason,
)
from tests.loopback import LoopbackServer, Reply

if TYPE_CHECKING:
    from tests.virtual_mic import VirtualMic

pytest_plugins = ("tests.virtual_mic",)

ROOT = Path(__file__).resolve().parent.parent
FIRST = "The first sentence is about the weather, which is mild today."
SECOND = "The second one talks about the market, and the prices there."


class TimedStdout(io.StringIO):
    """stdout that notes when each line was written."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def write(self, text: str) -> int:
        self.times += [time.monotonic()] * text.count("\n")
        return super().write(text)

    @property
    def lines(self) -> list[str]:
        return self.getvalue().splitlines()


def text_reply(text: str) -> Reply:
    return Reply.json(200, {"text": " " + text}, path="/audio/")


@pytest.fixture
def cli_env(loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> LoopbackServer:
    """``groq-tui dictate`` in this process talks to the loopback server."""
    monkeypatch.setenv("GROQ_API_KEY", "test-key")
    monkeypatch.setenv("GROQ_BASE_URL", loopback.base_url)
    monkeypatch.setenv("GROQ_TUI_MAX_RETRIES", "0")
    return loopback


@pytest.fixture
async def client(loopback: LoopbackServer) -> AsyncIterator[GroqClient]:
    async with GroqClient(api_key="test-key", base_url=loopback.base_url, max_retries=0) as c:
        yield c


def test_dictate_prints_each_segment_while_the_speaker_goes_on(
    virtual_mic: VirtualMic,
    cli_env: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    loopback = cli_env
    first, second = virtual_mic.render(FIRST), virtual_mic.render(SECOND)
    loopback.enqueue(text_reply("Mild weather today."), text_reply("Market, prices, people."))
    stdout = TimedStdout()
    monkeypatch.setattr(sys, "stdout", stdout)
    spoken: dict[str, float] = {}

    def speak() -> None:
        time.sleep(0.5)  # a pause before speaking, part of the scene
        virtual_mic.play(first)
        time.sleep(1.0)  # the pause that closes the first segment
        virtual_mic.play(second)
        spoken["second ended"] = time.monotonic()

    speaker = threading.Thread(target=speak)
    speaker.start()
    try:
        code = main(
            ["dictate", "--language", "en", "--prompt", "Groq", "--stop-after-silence", "2",
             "--model", "whisper-large-v3-turbo", "--temperature", "0.2", "--keep"]
        )  # fmt: skip
    finally:
        speaker.join()

    err = capsys.readouterr().err
    assert code == 0, err
    assert stdout.lines == ["Mild weather today.", "Market, prices, people."]
    # the first text was out before the speaker had finished the second sentence
    assert stdout.times[0] < spoken["second ended"]
    # what reached the server
    assert len(loopback.requests) == 2
    for request, wav, prompt in zip(
        loopback.requests,
        (first, second),
        (["Groq"], ["Groq Mild weather today."]),
        strict=True,
    ):
        assert request.path.endswith("/audio/transcriptions")
        assert request.form == {
            "model": ["whisper-large-v3-turbo"],
            "language": ["en"],
            "prompt": prompt,
            "temperature": ["0.2"],
            "response_format": ["verbose_json"],
        }
        info = sf.info(io.BytesIO(request.files["file"].data))
        assert (info.format, info.samplerate, info.channels) == ("FLAC", 16000, 1)
        said = audio_info(wav.read_bytes()).duration  # espeak's own silence included
        assert said - 0.6 < info.duration < said + 0.6
    assert loopback.requests[0].received_at < loopback.requests[1].received_at
    # --keep: the whole recording and its transcript, in the data dir's recordings/
    (kept,) = RecordingArchive(data_dir() / "recordings").list()
    assert err == f"groq-tui: recording kept in {kept.audio}\n"
    assert kept.transcript == "Mild weather today. Market, prices, people.\n"
    both = audio_info(first.read_bytes()).duration + audio_info(second.read_bytes()).duration
    assert kept.duration > both + 1.0  # the pauses too


async def test_translate_with_a_time_limit_keeps_the_recording(
    virtual_mic: VirtualMic, loopback: LoopbackServer, client: GroqClient, tmp_path: Path
) -> None:
    speech = virtual_mic.render(FIRST)
    loopback.enqueue(text_reply("The market."))
    archive = RecordingArchive(tmp_path / "recordings")
    dictation = LiveDictation(
        client,
        DictationOptions(translate=True, language="de", prompt="Markt"),
        max_seconds=2.5,
        archive=archive,
        keep_recording=True,
    )
    speaker = asyncio.create_task(asyncio.to_thread(virtual_mic.play, speech))
    events = [event async for event in dictation.events()]
    await speaker

    *texts, finished = events
    assert [e.text for e in texts if isinstance(e, SegmentText)] == ["The market."]
    assert isinstance(finished, DictationFinished)
    assert finished.reason is StopReason.TIME_LIMIT
    assert 2.5 <= finished.duration < 2.7
    (request,) = loopback.requests
    assert request.path.endswith("/audio/translations")
    assert request.form == {
        "model": ["whisper-large-v3"],
        "prompt": ["Markt"],
        "response_format": ["verbose_json"],
    }  # no language: translations take none
    assert 1.5 < sf.info(io.BytesIO(request.files["file"].data)).duration <= 2.6
    assert finished.saved is not None
    (kept,) = archive.list()
    assert kept.audio == finished.saved.audio
    assert kept.transcript.strip() == "The market."
    assert kept.duration == pytest.approx(finished.duration, abs=0.01)


async def test_a_data_dir_that_cannot_be_written_still_dictates(
    virtual_mic: VirtualMic, loopback: LoopbackServer, client: GroqClient, tmp_path: Path
) -> None:
    # A file where the recordings folder should be: no journal, no recording kept there
    # (as on a read-only or full disk), and the dictation goes on as before.
    blocked = tmp_path / "recordings"
    blocked.write_text("not a folder")
    archive = RecordingArchive(blocked)
    loopback.enqueue(text_reply("Still heard."))
    dictation = LiveDictation(
        client,
        DictationOptions(),
        recorder=Recorder(directory=archive.unfinished_directory),
        archive=archive,
        max_seconds=4,
    )
    speaker = asyncio.create_task(asyncio.to_thread(virtual_mic.say, "Still heard, anyway."))
    events = [event async for event in dictation.events()]
    await speaker
    *texts, finished = events
    assert [e.text for e in texts if isinstance(e, SegmentText)] == ["Still heard."]
    assert isinstance(finished, DictationFinished)
    assert (finished.reason, finished.saved, finished.error) == (StopReason.TIME_LIMIT, None, None)
    assert blocked.read_text() == "not a folder"


async def test_a_lost_microphone_keeps_the_text_and_the_recording(
    virtual_mic: VirtualMic, loopback: LoopbackServer, client: GroqClient, tmp_path: Path
) -> None:
    loopback.enqueue(text_reply("Before it went away."))
    archive = RecordingArchive(tmp_path / "recordings")
    dictation = LiveDictation(client, DictationOptions(), archive=archive, max_seconds=20)
    events: list[LiveEvent] = []

    async def consume() -> None:
        async for event in dictation.events():
            events.append(event)

    consumer = asyncio.create_task(consume())
    try:
        await asyncio.sleep(0.3)
        await asyncio.to_thread(virtual_mic.say, "Before the microphone goes away.")
        virtual_mic.kill_server()  # mid-segment: the pause has not closed it yet
        await asyncio.wait_for(consumer, 10)
    finally:
        virtual_mic.start()
    *texts, finished = events
    assert [e.text for e in texts if isinstance(e, SegmentText)] == ["Before it went away."]
    assert isinstance(finished, DictationFinished)
    assert finished.reason is StopReason.DEVICE_LOST
    assert isinstance(finished.error, DeviceLost)
    assert finished.saved is not None and finished.saved.audio.exists()
    assert finished.saved.transcript.strip() == "Before it went away."
    assert finished.duration > 1.5


async def test_ctrl_c_stops_and_the_last_segment_is_still_printed(
    virtual_mic: VirtualMic, loopback: LoopbackServer
) -> None:
    loopback.enqueue(text_reply("Cut short."))
    speech = virtual_mic.render(FIRST)
    before = virtual_mic.recording_clients()
    env = {**os.environ, **virtual_mic.env}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "groq_tui",
        "dictate",
        "--max-seconds",
        "30",
        "--base-url",
        loopback.base_url,
        "--api-key",
        "test-key",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    player = None
    try:
        for _ in range(300):  # until it records
            if virtual_mic.recording_clients() > before:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("dictate never started recording")
        # Ctrl+C's handler is installed before the recorder starts: no wait needed here.
        player = await asyncio.create_subprocess_exec("paplay", "-d", "vmic", str(speech), env=env)
        await asyncio.sleep(1.5)  # mid-sentence
        process.send_signal(signal.SIGINT)
        raw_out, raw_err = await asyncio.wait_for(process.communicate(), 20)
        out, err = raw_out.decode(), raw_err.decode()
    finally:
        for child in (process, player):
            if child is not None and child.returncode is None:
                child.kill()
                await child.wait()
    assert (process.returncode, out) == (0, "Cut short.\n"), err
    (request,) = loopback.requests
    assert 0.5 < sf.info(io.BytesIO(request.files["file"].data)).duration < 2.2


def test_a_rejected_key_stops_dictation_with_one_message(
    virtual_mic: VirtualMic, cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    speaker = threading.Thread(target=virtual_mic.say, args=("Hello.",))
    speaker.start()
    started = time.monotonic()
    try:
        code = main(["dictate", "--api-key", "wrong-key", "--max-seconds", "60"])
    finally:
        speaker.join()
    assert code == 1
    assert time.monotonic() - started < 60  # stopped at the failure, not at the time limit
    captured = capsys.readouterr()
    assert captured.out == ""
    errors = captured.err.splitlines()
    assert len(errors) == 1
    assert errors[0].startswith("groq-tui: segment 1 (") and "API key" in errors[0]


def test_an_unknown_device_is_one_line_and_nothing_recorded(
    virtual_mic: VirtualMic, cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dictate", "--device", "usb headset"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("groq-tui: no input device matches 'usb headset'; input devices: ")
    assert cli_env.requests == []


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--language", "english"], "invalid --language: must be an ISO-639-1 code"),
        (["--max-seconds", "0"], "invalid --max-seconds: must be more than 0 seconds"),
        (["--stop-after-silence=-1"], "invalid --stop-after-silence: must be more than 0"),
        (["--temperature", "1.5"], "invalid --temperature"),
    ],
)
def test_bad_flags_are_refused_before_recording(
    cli_env: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    flags: list[str],
    message: str,
) -> None:
    assert main(["dictate", *flags]) == 2
    assert capsys.readouterr().err.startswith(f"groq-tui: {message}")
    assert cli_env.requests == []
