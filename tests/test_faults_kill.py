"""kill -9 of the real app mid-stream (chat and compare): reopened, the partial text is there.

The app (``python -m groq_tui``, as the ``groq-tui`` script runs it) streams slow replies from
the loopback server on a pseudo-terminal; once the database holds part of the text, the
process gets SIGKILL, with no chance to save anything more. The next start finds the replies
still STREAMING with their writer gone, marks them INTERRUPTED and keeps their text.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.loopback import LoopbackServer
from tests.terminal import Terminal, history_rows, reply_rows, send_prompt, start_app

SLOW = "loopback-chunks-6000-rate-200"
FAST = "llama-3.1-8b-instant"
F4 = b"\x1bOS"


def _streaming_with_text(tmp_path: Path, count: int) -> bool:
    live = [text for _, status, text in reply_rows(tmp_path) if status == "streaming" and text]
    return len(live) == count


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
