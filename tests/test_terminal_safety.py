"""Model text cannot drive the terminal: no escape sequence of a reply reaches it.

The app and the CLI run for real on a pseudo-terminal (no mock): the loopback server streams a
reply carrying the sequences an attacker would use (set the window title, wipe the screen,
write the clipboard with OSC 52, a C1 CSI, a bidi override), and everything the program wrote
to the terminal is read back and searched for them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from groq_tui.safe_text import (
    ControlNeutralizer,
    has_controls,
    json_without_controls,
    visible_controls,
)
from tests.loopback import LoopbackServer, Reply
from tests.terminal import Terminal, launch, terminal_env

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


def test_every_control_is_found_in_any_text_and_nothing_else_is() -> None:
    # Every code point below U+0100 and the bidi range, inside plain and non-ASCII text: found
    # exactly when visible_controls would change it (the check skips its search for printable
    # text, so each control must be one that Python does not call printable).
    for code in [*range(0x100), *range(0x2000, 0x2070)]:
        for text in (f"a{chr(code)}b", f"é─{chr(code)}中"):
            assert has_controls(text) == (visible_controls(text) != text), hex(code)
    assert not has_controls("plain   no-break space, tab\tand ─ box drawing")


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


def _assert_no_raw_sequences(output: bytes) -> None:
    for sequence in RAW_SEQUENCES:
        assert sequence not in output, f"{sequence!r} reached the terminal"


def _cli(loopback: LoopbackServer, *extra: str) -> list[str]:
    return [sys.executable, "-m", "groq_tui", "chat", "--base-url", loopback.base_url,
            "--api-key", "test-key", "--max-retries", "0", *extra, "hi"]  # fmt: skip


def test_cli_on_a_terminal_shows_controls_visibly(loopback: LoopbackServer, tmp_path: Path) -> None:
    loopback.enqueue(hostile_stream())
    terminal = Terminal(_cli(loopback), terminal_env(tmp_path))
    terminal.read_until(lambda out: b"end" in out)
    assert terminal.finish() == 0
    _assert_no_raw_sequences(bytes(terminal.output))
    assert "␛]0;PWNED-TITLE␇".encode() in terminal.output
    assert b"<U+202E>evil<U+202C>" in terminal.output


def test_cli_raw_flag_writes_the_text_as_received(loopback: LoopbackServer, tmp_path: Path) -> None:
    loopback.enqueue(hostile_stream())
    terminal = Terminal(_cli(loopback, "--raw"), terminal_env(tmp_path))
    terminal.read_until(lambda out: b"end" in out)
    assert terminal.finish() == 0
    assert TITLE.encode() in terminal.output


def test_cli_into_a_pipe_writes_the_text_as_received(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    loopback.enqueue(hostile_stream())
    result = subprocess.run(
        _cli(loopback), env=terminal_env(tmp_path), capture_output=True, timeout=60
    )
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
    terminal = launch(loopback, app, terminal_env(tmp_path))
    terminal.type(b"tell me")
    terminal.read_until(lambda out: b"tell me" in out)
    terminal.type(b"\r")
    terminal.read_until(lambda out: "PWNED-TITLE␇".encode() in out and b"evil" in out)
    terminal.read_until(lambda out: b"tokens" in out)  # the reply's stats: it ended
    terminal.type(b"\x11")  # ctrl+q
    assert terminal.finish() == 0
    _assert_no_raw_sequences(bytes(terminal.output))

    reopened = Terminal([*app, "--continue"], terminal_env(tmp_path))
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
