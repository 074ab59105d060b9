"""``groq-tui speak`` against the loopback server: files, formats, long text, errors, playback.

Playback goes to the virtual speaker (tests.virtual_mic), where a recorder hears it and the
bundled Whisper transcribes what it heard.
"""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
import soundfile as sf

from groq_tui.audio.resample import resample
from tests.cli_support import KEY, cli
from tests.heard import heard_share
from tests.loopback import LoopbackServer

if TYPE_CHECKING:
    from tests.virtual_mic import VirtualMic

pytest_plugins = ("tests.virtual_mic",)  # the session's one virtual microphone and speaker

LISTEN_RATE = 48_000  # tests.virtual_mic.LISTEN_RATE
SCRIPT = str(Path(sys.executable).parent / "groq-tui")
LONG_TEXT = " ".join(
    f"This is sentence number {n}, which the speaker reads in its turn." for n in range(1, 11)
)


def transcribe(samples: np.ndarray) -> str:
    """What the bundled Whisper tiny.en hears in samples recorded from the speaker."""
    from groq_tui.local import BUNDLED_SPEECH_MODEL_ID, EngineConfig
    from groq_tui.local.models import SpeechModelSpec, bundled_whisper_dir
    from groq_tui.local.speech_engine import SpeechEngine, SpeechOptions

    engine = SpeechEngine.load(
        SpeechModelSpec(BUNDLED_SPEECH_MODEL_ID, bundled_whisper_dir()), EngineConfig()
    )
    # Whisper tiny hears espeak-ng worse after a long silence: keep what was played.
    loud = np.flatnonzero(np.abs(samples) > 0.01)
    margin = LISTEN_RATE // 10
    samples = samples[max(0, loud[0] - margin) : loud[-1] + 3 * margin]
    buffer = io.BytesIO()
    sf.write(buffer, resample(samples, LISTEN_RATE, 16_000), 16_000, format="WAV")

    async def run() -> str:
        try:
            return (await engine.transcribe(buffer.getvalue(), SpeechOptions())).text
        finally:
            await engine.aclose()

    return asyncio.run(run())


# -- files -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "flags", "container"),
    [
        ("speech.wav", (), "WAV"),
        ("speech.flac", (), "FLAC"),
        ("speech.mp3", (), "MP3"),
        ("speech.ogg", (), "OGG"),
        ("speech.audio", ("--format", "flac"), "FLAC"),
    ],
)
def test_output_file_in_the_format_of_its_extension_or_format(
    cli_env: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    flags: tuple[str, ...],
    container: str,
) -> None:
    target = tmp_path / name
    code, out, err = cli(capsys, "speak", "-o", str(target), *flags, "Hello from the CLI.")
    assert (code, out, err) == (0, "", "")
    assert sf.info(str(target)).format == container
    sent = cli_env.requests[-1].json
    assert sent["model"] == "canopylabs/orpheus-v1-english" and sent["voice"] == "autumn"
    assert sent["response_format"] == container.lower()


def test_flags_are_sent_and_stdin_is_read(
    cli_env: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Read from standard input.\n"))
    target = tmp_path / "speech.wav"
    code, _, err = cli(
        capsys, "speak", "-", "-o", str(target), "--voice", "troy",
        "--speed", "1.5", "--sample-rate", "16000",
    )  # fmt: skip
    assert code == 0, err
    assert cli_env.requests[-1].json == {
        "model": "canopylabs/orpheus-v1-english",
        "input": "Read from standard input.",
        "voice": "troy",
        "response_format": "wav",
        "speed": 1.5,
        "sample_rate": 16000,
    }
    assert sf.info(str(target)).samplerate == 16000


def test_long_text_is_cut_at_sentence_ends_into_requests_within_the_limit(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "long.flac"
    code, _, err = cli(capsys, "speak", "-o", str(target), LONG_TEXT)
    assert code == 0, err
    inputs = [request.json["input"] for request in cli_env.requests]
    assert len(inputs) >= 4
    assert all(len(text) <= 200 and text.endswith(".") for text in inputs)
    assert " ".join(inputs) == LONG_TEXT
    # One file holding every piece, one after the other.
    pieces_seconds = 0.0
    for text in inputs:
        target_piece = tmp_path / "piece.flac"
        assert cli(capsys, "speak", "-o", str(target_piece), text)[0] == 0
        pieces_seconds += sf.info(str(target_piece)).duration
    assert sf.info(str(target)).duration == pytest.approx(pieces_seconds, abs=0.01)


# -- errors ----------------------------------------------------------------------------------


def test_service_errors_are_one_line_and_exit_1(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = cli(capsys, "speak", "--voice", "nobody", "-o", str(tmp_path / "x.wav"), "Hi.")
    assert code == 1 and "voice must be one of" in err and err.count("\n") == 1
    code, _, err = cli(capsys, "speak", "-m", "no-such-tts", "-o", str(tmp_path / "x.wav"), "Hi.")
    assert code == 1 and "no-such-tts" in err


def test_input_to_fix_exits_2_before_anything_is_sent(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = str(tmp_path / "x.wav")
    assert cli(capsys, "speak", "--speed", "9", "-o", out, "Hi.")[0] == 2
    assert cli(capsys, "speak", "--sample-rate", "1234", "-o", out, "Hi.")[0] == 2
    code, _, err = cli(capsys, "speak", "-o", out, "   ")
    assert code == 2 and "no text" in err
    assert cli_env.requests == []
    assert not Path(out).exists()


# -- playback --------------------------------------------------------------------------------


def test_speak_plays_on_the_default_output_until_the_end(
    cli_env: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    virtual_mic: VirtualMic,
) -> None:
    text = "Please send the quarterly report to the whole team before the meeting on Friday."
    heard = virtual_mic.listen()
    try:
        code, out, err = cli(capsys, "speak", text)
        assert (code, out, err) == (0, "", "")
        samples = heard.wait_for_silence_after(2.0)
    finally:
        heard.stop()
    assert len(cli_env.requests) == 1
    # Not "finance team": Whisper tiny heard espeak-ng's rendering of it as "financing" now
    # and then (on the server's file too, so not a fault of playback).
    assert heard_share(text, transcribe(samples)) >= 0.9


def test_long_text_plays_every_piece_in_order(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], virtual_mic: VirtualMic
) -> None:
    text = " ".join(
        f"Sentence {word} is about the {thing}."
        for word, thing in [("one", "river"), ("two", "garden"), ("three", "mountain")]
    )
    heard = virtual_mic.listen()
    try:
        code, _, err = cli(capsys, "speak", "-m", "canopylabs/orpheus-v1-english", text)
        assert code == 0, err
        samples = heard.wait_for_silence_after(3.0)
    finally:
        heard.stop()
    transcript = transcribe(samples).lower()
    positions = [transcript.find(thing) for thing in ("river", "garden", "mountain")]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), transcript


AS_A_FOREGROUND_JOB = [
    sys.executable,
    "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])",
]
"""Runs the command after it with Ctrl+C's default handling, as a terminal's foreground job
has it. A suite started as a background job (``cmd &`` in a script, as the stress run is)
ignores SIGINT, and every child inherits that: Python then leaves SIGINT ignored, and the
speaker played on to the end of the text."""


def exit_or_show_where_it_hangs(process: subprocess.Popen[str], timeout: float = 30) -> str:
    """The process's stderr once it has exited; if it has not within ``timeout``, fail with
    every thread's traceback (Python's fault handler prints them on SIGABRT)."""
    try:
        return process.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGABRT)
        _, err = process.communicate(timeout=30)
        pytest.fail(f"still running {timeout} s after Ctrl+C; its threads:\n{err}")


def test_ctrl_c_stops_playback_at_once_and_exits_130(
    cli_env: LoopbackServer, virtual_mic: VirtualMic
) -> None:
    heard = virtual_mic.listen()
    process = subprocess.Popen(
        [*AS_A_FOREGROUND_JOB, SCRIPT, "speak", LONG_TEXT],
        env={
            **os.environ,
            "GROQ_API_KEY": KEY,
            "GROQ_BASE_URL": cli_env.base_url,
            "PYTHONFAULTHANDLER": "1",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while heard.heard_seconds() < 0.5:
            assert process.poll() is None and time.monotonic() < deadline, "nothing played"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        err = exit_or_show_where_it_hangs(process)
        heard.wait_for_silence_after(0.5)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        heard.stop()
    assert process.returncode == 130 and "interrupted" in err
    # The whole text is over half a minute of speech; the speaker fell silent long before.
    assert heard.heard_seconds() < 15


def test_a_speaker_lost_while_playing_is_an_error_not_a_success(
    cli_env: LoopbackServer, virtual_mic: VirtualMic
) -> None:
    # PortAudio ends the stream when the sound server goes away, as when the last sample
    # was played: `speak` exited 0 although nothing, or a fraction, had been heard.
    heard = virtual_mic.listen()
    process = subprocess.Popen(
        [SCRIPT, "speak", LONG_TEXT],
        env={**os.environ, "GROQ_API_KEY": KEY, "GROQ_BASE_URL": cli_env.base_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while heard.heard_seconds() < 0.5:
            assert process.poll() is None and time.monotonic() < deadline, "nothing played"
            time.sleep(0.05)  # polling interval, not synchronisation
        virtual_mic.kill_server()
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        heard.stop()
        virtual_mic.start()
    assert process.returncode == 1, err
    # PortAudio prints what failed on stderr first; the program's own message is the last line.
    assert "output device stopped playing" in err.splitlines()[-1], err
