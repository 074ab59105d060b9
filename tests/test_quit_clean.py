"""ctrl+q while work is running quits cleanly: no traceback, exit code 0, the partial work kept.

The real app (``python -m groq_tui``) runs on a pseudo-terminal against the loopback server;
each test starts something slow - a streaming reply, a comparison, a transcription, a
dictation - waits until it is under way, presses ctrl+q and reads every byte the app wrote
until it exited. Textual takes a screen's widgets down before it cancels the screen's
workers, so a worker's clean-up (a stopped reply finalising its view, a comparison's summary)
used to run against widgets that were gone and print a NoMatches traceback on the way out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
import soundfile as sf

from tests.loopback import LoopbackServer, Reply
from tests.terminal import (
    Terminal,
    app_argv,
    launch,
    reply_rows,
    send_prompt,
    start_app,
    terminal_env,
)

if TYPE_CHECKING:
    from tests.virtual_mic import VirtualMic

pytest_plugins = ("tests.virtual_mic",)

SLOW = "loopback-chunks-6000-rate-150"
CTRL_Q = b"\x11"
F3 = b"\x1bOR"
F4 = b"\x1bOS"
_ESCAPES = re.compile(
    rb"\x1b(?:\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Z]|.)"
)


def _quit(app: Terminal) -> str:
    """Press ctrl+q; the exit code must be 0 and nothing an error. Returns what was shown."""
    app.type(CTRL_Q)
    code = app.finish()
    shown = _ESCAPES.sub(b"", app.shown).decode(errors="replace")
    errors = [word for word in ("Traceback", "Error", "NoMatches", "errors shown") if word in shown]
    if errors:
        pytest.fail(f"the app printed {errors} (exit code {code}); it ended with:\n{shown[-1500:]}")
    assert code == 0
    return shown


def _streamed(tmp_path: Path, count: int, least: int = 200) -> bool:
    """``count`` replies are streaming and each has saved at least ``least`` characters."""
    live = [t for _, status, t in reply_rows(tmp_path) if status == "streaming" and len(t) >= least]
    return len(live) >= count


def _assert_stopped_and_kept(tmp_path: Path, seen: dict[int, str], count: int) -> None:
    after = reply_rows(tmp_path)
    assert len(after) == count
    for reply_id, status, text in after:
        assert status == "stopped"
        assert text.startswith(seen[reply_id])  # all that was saved before ctrl+q, and more
        assert len(text) >= 200


@pytest.mark.timeout(120)
def test_ctrl_q_while_a_reply_streams(loopback: LoopbackServer, tmp_path: Path) -> None:
    app = start_app(loopback, tmp_path, SLOW)
    send_prompt(app, "tell me a long story")
    app.wait_for(lambda: _streamed(tmp_path, 1))
    seen = {reply_id: text for reply_id, _, text in reply_rows(tmp_path)}
    _quit(app)
    _assert_stopped_and_kept(tmp_path, seen, 1)


@pytest.mark.timeout(120)
def test_ctrl_q_while_three_models_are_compared(loopback: LoopbackServer, tmp_path: Path) -> None:
    # F4 suggests the chat's model and the next ones the server lists: three slow streams.
    slow = [f"loopback-chunks-6000-rate-{rate}" for rate in (150, 120, 100)]
    listed = [{"id": model, "object": "model", "active": True, "context_window": 8192,
               "owned_by": "loopback", "created": 0} for model in slow[1:]]  # fmt: skip
    loopback.enqueue(Reply.json(200, {"object": "list", "data": listed}, path="/models"))
    app = start_app(loopback, tmp_path, SLOW)
    app.type(F4)
    app.read_until(lambda out: b"Models to compare" in out)
    app.type(b"\r")
    app.read_until(lambda out: b"rompt for every model (Enter)" in out)  # the compare screen
    send_prompt(app, "compare this")
    app.wait_for(lambda: _streamed(tmp_path, 3))
    seen = {reply_id: text for reply_id, _, text in reply_rows(tmp_path)}
    _quit(app)
    _assert_stopped_and_kept(tmp_path, seen, 3)


@pytest.mark.timeout(120)
def test_ctrl_q_while_the_workbench_transcribes(loopback: LoopbackServer, tmp_path: Path) -> None:
    audio = tmp_path / "talk.wav"
    tone = 0.3 * np.sin(2 * np.pi * 440 * np.arange(16_000) / 16_000)
    sf.write(audio, tone.astype(np.float32), 16_000)  # a second of sound (silence is refused)
    # The server answers with headers, then nothing: the transcription is under way at ctrl+q.
    loopback.enqueue(Reply.fault("stall_mid_stream", after_chunks=0, path="/audio/"))
    app = start_app(loopback, tmp_path, SLOW)
    app.type(F3)
    app.read_until(lambda out: b"Choose an audio file" in out)
    app.type(str(audio).encode())
    app.read_until(lambda out: b"talk.wav" in out)
    app.type(b"\x07")  # ctrl+g: run
    app.wait_for(lambda: any("/audio/" in r.path for r in loopback.requests))
    app.read_until(lambda out: b"Transcribing talk.wav" in out)
    _quit(app)


@pytest.mark.timeout(120)
def test_ctrl_q_while_dictating(
    virtual_mic: VirtualMic, loopback: LoopbackServer, tmp_path: Path
) -> None:
    # The first segment's transcription hangs: ctrl+q comes mid-recording, mid-request.
    loopback.enqueue(Reply.fault("stall_mid_stream", after_chunks=0, path="/audio/"))
    env = {**terminal_env(tmp_path), **virtual_mic.env}
    app = launch(loopback, app_argv(loopback, SLOW), env)
    recording_before = virtual_mic.recording_clients()
    app.type(b"\x12")  # ctrl+r: dictate
    app.wait_for(lambda: virtual_mic.recording_clients() > recording_before)
    virtual_mic.say("The first sentence is about the weather, which is mild today.")
    app.wait_for(lambda: any("/audio/" in r.path for r in loopback.requests))
    _quit(app)
