"""kill -9 of the real app mid-stream (chat and compare) and mid-dictation: nothing is lost.

The app (``python -m groq_tui``, as the ``groq-tui`` script runs it) streams slow replies from
the loopback server on a pseudo-terminal; once the database holds part of the text, the
process gets SIGKILL, with no chance to save anything more. The next start finds the replies
still STREAMING with their writer gone, marks them INTERRUPTED and keeps their text.

Killed while dictating from the virtual microphone, the next start keeps the recording in the
data dir's ``recordings/`` with the text transcribed before the kill.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from groq_tui.audio.archive import RecordingArchive
from groq_tui.audio.encoding import audio_info, read_mono
from tests.loopback import LoopbackServer, Reply
from tests.terminal import Terminal, app_data, history_rows, reply_rows, send_prompt, start_app

if TYPE_CHECKING:
    from tests.virtual_mic import VirtualMic

pytest_plugins = ("tests.virtual_mic",)

SLOW = "loopback-chunks-6000-rate-200"
FAST = "llama-3.1-8b-instant"
F4 = b"\x1bOS"
CTRL_R = b"\x12"
DICTATED = "The first sentence is about the weather, which is mild today."
STILL_SPEAKING = "The second one talks about the market, and the prices there, at length."


def _streaming_with_text(tmp_path: Path, count: int) -> bool:
    """At least ``count`` replies are streaming with text saved (in a comparison, two columns
    can be at once: exactly one never came in a CI run, and the wait timed out)."""
    live = [text for _, status, text in reply_rows(tmp_path) if status == "streaming" and text]
    return len(live) >= count


def _kill(terminal: Terminal) -> None:
    terminal.process.send_signal(signal.SIGKILL)
    terminal.kill()
    assert terminal.process.returncode == -signal.SIGKILL


def _assert_interrupted_and_kept(tmp_path: Path, partial: dict[int, str]) -> None:
    after = {reply_id: (status, text) for reply_id, status, text in reply_rows(tmp_path)}
    for reply_id, (status, text) in after.items():
        if reply_id not in partial:
            assert status == "complete"  # a column that had finished stays as it was
            continue
        seen = partial[reply_id]
        assert status == "interrupted"
        assert text.startswith(seen)  # what was saved before the kill, all of it
    # At least one reply had text saved when the kill came (a column may not have started).
    assert any(partial.values())
    [(check,)] = history_rows(tmp_path, "PRAGMA integrity_check")
    assert check == "ok"


@pytest.mark.timeout(180)
def test_kill_9_mid_chat_reply_keeps_the_partial_text(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = start_app(loopback, tmp_path, SLOW)
    try:
        send_prompt(app, "tell me a long story")
        app.wait_for(lambda: _streaming_with_text(tmp_path, 1))
        partial = {reply_id: text for reply_id, _, text in reply_rows(tmp_path)}
        _kill(app)
    finally:
        app.kill()

    reopened = start_app(loopback, tmp_path, SLOW, "--continue")
    try:
        reopened.read_until(lambda out: b"interrupted" in out)
        _assert_interrupted_and_kept(tmp_path, partial)
        reopened.type(b"\x11")  # ctrl+q
        assert reopened.finish() == 0
    finally:
        reopened.kill()


@pytest.mark.timeout(180)
def test_kill_9_mid_comparison_keeps_every_columns_partial_text(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    # F4 suggests the chat's model and others from the list: the slow one keeps streaming.
    app = start_app(loopback, tmp_path, SLOW)
    try:
        app.type(F4)
        app.read_until(lambda out: b"Models to compare" in out)
        app.type(b"\r")
        app.read_until(lambda out: b"rompt for every model (Enter)" in out)  # compare screen
        send_prompt(app, "compare this")
        app.wait_for(lambda: _streaming_with_text(tmp_path, 1))
        partial = {
            reply_id: text
            for reply_id, status, text in reply_rows(tmp_path)
            if status == "streaming"
        }
        _kill(app)
    finally:
        app.kill()
    [(kind,)] = history_rows(tmp_path, "SELECT kind FROM conversations")
    assert kind == "compare"
    assert len(reply_rows(tmp_path)) >= 2  # every column's reply was saved

    reopened = start_app(loopback, tmp_path, FAST)
    try:
        reopened.read_until(lambda out: b"cut off" in out)  # the app says what it recovered
        _assert_interrupted_and_kept(tmp_path, partial)
        reopened.type(b"\x11")
        assert reopened.finish() == 0
    finally:
        reopened.kill()


@pytest.mark.timeout(180)
def test_kill_9_mid_dictation_keeps_the_recording_and_the_text_so_far(
    virtual_mic: VirtualMic, loopback: LoopbackServer, tmp_path: Path
) -> None:
    first, second = virtual_mic.render(DICTATED), virtual_mic.render(STILL_SPEAKING)
    loopback.enqueue(Reply.json(200, {"text": " Mild weather today."}, path="/audio/"))
    recordings = app_data(tmp_path) / "recordings"
    listening = virtual_mic.recording_clients()
    app = start_app(loopback, tmp_path, FAST)
    player = None
    try:
        app.type(CTRL_R)
        app.wait_for(lambda: virtual_mic.recording_clients() > listening)
        virtual_mic.play(first)
        app.read_until(lambda out: b"Mild weather today." in out)  # typed into the composer
        player = subprocess.Popen(
            ["paplay", "-d", "vmic", str(second)], env={**os.environ, **virtual_mic.env}
        )
        time.sleep(1.0)  # the scene: the user is mid-sentence when the app is killed
        _kill(app)
    finally:
        app.kill()
        if player is not None:
            player.kill()
            player.wait()
    assert RecordingArchive(recordings).list() == []  # nothing was kept by the app itself

    reopened = start_app(loopback, tmp_path, FAST)
    try:
        reopened.read_until(lambda out: b"dictation was cut off" in out)
        reopened.type(b"\x11")
        assert reopened.finish() == 0
    finally:
        reopened.kill()
    (kept,) = RecordingArchive(recordings).list()
    assert kept.transcript == "Mild weather today.\n"  # the text typed before the kill
    assert kept.audio.stat().st_mode & 0o777 == 0o600
    info = audio_info(kept.audio)
    assert (info.format, info.channels) == ("FLAC", 1)
    # All of the first sentence and part of the second, which was not transcribed yet.
    assert kept.duration > audio_info(first.read_bytes()).duration + 0.5
    samples, _rate = read_mono(kept.audio)
    assert np.max(np.abs(samples)) > 0.1  # speech, not silence
    assert len(samples) == info.frames  # a complete file: its header agrees with its data


WRITER = """
import sys, time
from pathlib import Path
import numpy as np, soundfile
from groq_tui.audio.archive import RecordingArchive
archive = RecordingArchive(Path(sys.argv[1]))
journal = archive.begin_dictation()
audio = archive.unfinished_directory / "in-progress.flac"
recording = soundfile.SoundFile(str(audio), "w", 16000, 1, "PCM_16", format="FLAC")
journal.record_audio(audio)
tone = (np.sin(np.arange(16000) / 5) * 0.5).astype(np.float32)
for second in range(3):
    recording.write(tone)
    journal.record_text(f"said {second + 1}")
print("dictating", flush=True)
time.sleep(600)  # until killed: the file is never closed, the journal never removed
"""


def test_only_a_dictation_whose_writer_is_gone_is_recovered(tmp_path: Path) -> None:
    archive = RecordingArchive(tmp_path / "recordings")
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(archive.directory)], stdout=subprocess.PIPE
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == b"dictating\n"
        # Another instance starting now leaves the live dictation alone.
        assert archive.recover_unfinished() == []
        assert sorted(p.suffix for p in archive.unfinished_directory.iterdir()) == [
            ".flac",
            ".journal",
        ]
        writer.send_signal(signal.SIGKILL)
        assert writer.wait(timeout=30) == -signal.SIGKILL
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    (saved,) = archive.recover_unfinished()
    assert list(archive.unfinished_directory.iterdir()) == []  # nothing left to recover twice
    assert archive.recover_unfinished() == []
    assert archive.list() == [saved]
    assert saved.transcript == "said 3\n"
    info = audio_info(saved.audio)
    assert (info.format, info.samplerate, info.channels) == ("FLAC", 16000, 1)
    assert 2.5 < info.frames / 16000 <= 3.0  # all but the encoder's unwritten last buffer
    samples, _ = read_mono(saved.audio)
    assert len(samples) == info.frames and np.max(np.abs(samples)) > 0.4
    assert saved.audio.stat().st_mode & 0o777 == 0o600
