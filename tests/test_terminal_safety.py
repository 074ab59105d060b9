"""Model text cannot drive the terminal: no escape sequence of a reply reaches it.

The app and the CLI run for real on a pseudo-terminal (no mock): the loopback server streams a
reply carrying the sequences an attacker would use (set the window title, wipe the screen,
write the clipboard with OSC 52, a C1 CSI, a bidi override), and everything the program wrote
to the terminal is read back and searched for them.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from groq_tui.safe_text import (
    ControlNeutralizer,
    has_controls,
    json_without_controls,
    visible_controls,
)
from tests.loopback import LoopbackServer, Reply

TITLE = "\x1b]0;PWNED-TITLE\x07"
WIPE = "\x1b[2J\x1b[HWIPED"
CLIPBOARD = "\x1b]52;c;ZWNobyBwd25lZA==\x07"
HOSTILE = (
    f"Before {TITLE} middle {WIPE} then {CLIPBOARD} C1 \x9b31mred\x9b0m bidi \u202eevil\u202c end"
)
RAW_SEQUENCES = [b"\x1b]0;PWNED", b"\x1b[2J\x1b[HWIPED", b"\x1b]52;c;ZWNob", b"\xc2\x9b31m"]


def hostile_stream(text: str = HOSTILE, model: str = "llama-3.1-8b-instant") -> Reply:
    """A live-shaped chat stream whose content is ``text``, cut into small deltas."""

    def event(delta: dict[str, object], finish: str | None = None) -> str:
        chunk = {
            "id": "chatcmpl-hostile",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        return f"data: {json.dumps(chunk)}\n\n"

    events = [event({"role": "assistant", "content": ""})]
    events += [event({"content": text[i : i + 5]}) for i in range(0, len(text), 5)]
    events.append(event({}, "stop"))
    events.append("data: [DONE]\n\n")
    return Reply.sse("".join(events), path="/chat/")


# -- the neutraliser ---------------------------------------------------------------------


def test_controls_become_visible_stand_ins() -> None:
    shown = visible_controls(HOSTILE)
    assert not has_controls(shown)
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    assert "␛]0;PWNED-TITLE␇" in shown
    assert "\\x9b31m" in shown
    assert "<U+202E>evil<U+202C>" in shown
    assert visible_controls("tab\there\nnew line") == "tab\there\nnew line"
    assert visible_controls("a\r\nb\rc\x7f") == "a\nb␍c␡"


def test_a_split_crlf_is_still_one_newline() -> None:
    neutralizer = ControlNeutralizer()
    assert neutralizer.feed("line\r") + neutralizer.feed("\nnext\r") + neutralizer.flush() == (
        "line\nnext␍"
    )


def test_json_keeps_the_data_and_escapes_what_json_leaves_raw() -> None:
    document = json.dumps({"text": HOSTILE + "\x7f"}, ensure_ascii=False)
    safe = json_without_controls(document)
    assert not has_controls(safe)
    assert json.loads(safe)["text"] == HOSTILE + "\x7f"


# -- a program on a pseudo-terminal --------------------------------------------------------


class Terminal:
    """A program running on a pseudo-terminal of 100x30; everything it writes is kept."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.master = master
        self.output = bytearray()
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
        )  # fmt: skip
        os.close(slave)

    def read_until(self, condition: Callable[[bytes], bool], timeout: float = 60) -> None:
        """Read the terminal until ``condition(output)`` holds (fails after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while not condition(bytes(self.output)):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; the terminal showed {self.tail!r}")
            if not self._read(0.2) and self.process.poll() is not None:
                raise AssertionError(f"exited {self.process.returncode}: {self.tail!r}")

    @property
    def tail(self) -> bytes:
        """The last things the program wrote (for failure messages)."""
        return bytes(self.output[-400:])

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:  # the program closed the terminal
            return False
        self.output += data
        return bool(data)

    def type(self, data: bytes) -> None:
        os.write(self.master, data)

    def finish(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        while self._read(0):
            pass
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise AssertionError("the program did not exit")
        os.close(self.master)
        return self.process.returncode


def _env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("GROQ")}
    env.update(
        TERM="xterm-256color",
        GROQ_TUI_CONFIG=str(tmp_path / "config.toml"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        HOME=str(tmp_path),
        PYTHONUNBUFFERED="1",
    )
    return env


def _assert_no_raw_sequences(output: bytes) -> None:
    for sequence in RAW_SEQUENCES:
        assert sequence not in output, f"{sequence!r} reached the terminal"


def _cli(loopback: LoopbackServer, *extra: str) -> list[str]:
    return [sys.executable, "-m", "groq_tui", "chat", "--base-url", loopback.base_url,
            "--api-key", "test-key", "--max-retries", "0", *extra, "hi"]  # fmt: skip


def test_cli_on_a_terminal_shows_controls_visibly(loopback: LoopbackServer, tmp_path: Path) -> None:
    loopback.enqueue(hostile_stream())
    terminal = Terminal(_cli(loopback), _env(tmp_path))
    terminal.read_until(lambda out: b"end" in out)
    assert terminal.finish() == 0
    _assert_no_raw_sequences(bytes(terminal.output))
    assert "␛]0;PWNED-TITLE␇".encode() in terminal.output
    assert b"<U+202E>evil<U+202C>" in terminal.output


def test_cli_raw_flag_writes_the_text_as_received(loopback: LoopbackServer, tmp_path: Path) -> None:
    loopback.enqueue(hostile_stream())
    terminal = Terminal(_cli(loopback, "--raw"), _env(tmp_path))
    terminal.read_until(lambda out: b"end" in out)
    assert terminal.finish() == 0
    assert TITLE.encode() in terminal.output


def test_cli_into_a_pipe_writes_the_text_as_received(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    loopback.enqueue(hostile_stream())
    result = subprocess.run(_cli(loopback), env=_env(tmp_path), capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == HOSTILE + "\n"


@pytest.mark.timeout(180)
def test_app_never_lets_a_reply_drive_the_terminal(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    """Streamed into the chat, then reopened from history: shown, never obeyed."""
    app = [sys.executable, "-m", "groq_tui", "--base-url", loopback.base_url,
           "--api-key", "test-key", "-m", "llama-3.1-8b-instant"]  # fmt: skip
    loopback.enqueue(hostile_stream())
    terminal = Terminal(app, _env(tmp_path))
    terminal.read_until(lambda out: b"starting" in out)
    terminal.read_until(lambda out: b"ready" in out.rsplit(b"starting", 1)[-1])
    terminal.type(b"tell me")
    terminal.read_until(lambda out: b"tell me" in out)
    terminal.type(b"\r")
    terminal.read_until(lambda out: "PWNED-TITLE␇".encode() in out and b"evil" in out)
    terminal.read_until(lambda out: b"tokens" in out)  # the reply's stats: it ended
    terminal.type(b"\x11")  # ctrl+q
    assert terminal.finish() == 0
    _assert_no_raw_sequences(bytes(terminal.output))

    reopened = Terminal([*app, "--continue"], _env(tmp_path))
    reopened.read_until(lambda out: "PWNED-TITLE␇".encode() in out and b"evil" in out)
    reopened.type(b"\x11")
    assert reopened.finish() == 0
    _assert_no_raw_sequences(bytes(reopened.output))


def test_exports_show_controls_and_keep_json_data() -> None:
    from groq_tui.domain import Conversation, Message
    from groq_tui.services.export import to_json, to_markdown

    conversation = Conversation(title=f"t {TITLE}", model="m", id=1)
    messages = [Message(role="assistant", content=HOSTILE, error=f"bad {WIPE}")]
    markdown = to_markdown(conversation, messages)
    assert not has_controls(markdown)
    assert "␛]0;PWNED-TITLE␇" in markdown
    exported = to_json(conversation, messages)
    assert not has_controls(exported)
    assert json.loads(exported)["messages"][0]["content"] == HOSTILE
