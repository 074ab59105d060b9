"""The real app on a pseudo-terminal when its history cannot be written or read as it was.

- A full disk mid-reply (``RLIMIT_FSIZE`` on the app's process, SIGXFSZ ignored, as in
  ``tests/test_faults_disk.py``): the reply streams on to its end, one notice says it was not
  saved, the database stays consistent, and the app quits cleanly.
- A data folder that cannot be created: the session keeps its history in memory, says so
  once, and chats.
- A damaged ``history.db`` (garbage bytes): it is set aside with the date, a new history is
  started, the app says so and chats on.
- Another instance dies mid-reply while this one runs: its reply is marked interrupted.
"""

from __future__ import annotations

import asyncio
import os
import re
import resource
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from groq_tui.domain import Conversation, Message, MessageStatus
from groq_tui.services.history_file import recover_periodically
from groq_tui.store import HistoryStore
from tests.loopback import LoopbackServer
from tests.terminal import (
    Terminal,
    app_argv,
    app_data,
    history_rows,
    launch,
    reply_rows,
    send_prompt,
    start_app,
    terminal_env,
)

FAST = "llama-3.1-8b-instant"
STREAMING = MessageStatus.STREAMING
LONG = "loopback-chunks-12000-rate-1500"  # about 45 kB of text over 8 s, 16 checkpoints


def _disk_full_after(tmp_path: Path, room: int) -> Callable[[], None]:
    """Create the app's history with room to spare, and return what makes the disk "full"
    for the app's process: no file it writes may grow past the history's size plus ``room``
    bytes (``RLIMIT_FSIZE``; SIGXFSZ ignored, so the write fails instead of the process)."""
    history = app_data(tmp_path) / "history.db"

    async def create() -> None:
        store = await HistoryStore.open(history)
        await store.close()

    asyncio.run(create())
    limit = history.stat().st_size + room

    def full_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return full_disk


def _quit(terminal: Terminal) -> None:
    terminal.type(b"\x11")  # ctrl+q
    assert terminal.finish() == 0
    assert b"Traceback" not in terminal.shown


@pytest.mark.timeout(180)
def test_a_full_disk_mid_reply_keeps_the_app_and_the_reply_and_says_it_once(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    full_disk = _disk_full_after(tmp_path, 128 * 1024)
    app = launch(loopback, app_argv(loopback, LONG), terminal_env(tmp_path), full_disk)
    try:
        send_prompt(app, "a long story please")
        app.read_until(lambda out: b"Reply not saved" in out, timeout=120)
        # The reply streamed on past the save that failed, to its last words.
        app.read_until(lambda out: b"ordinary paragraph" in out.rsplit(b"Part 1:", 1)[-1])
        parts_shown = {int(n) for n in re.findall(rb"Part (\d+): streaming", app.shown)}
        assert app.process.poll() is None
        _quit(app)
    finally:
        app.kill()
    [(_, status, saved)] = reply_rows(tmp_path)
    # The history holds the last checkpoint that fitted; the screen showed more than that.
    assert status == "streaming"  # marked interrupted by the next start
    assert f"## Part {max(parts_shown)}:" not in saved
    assert max(parts_shown) > 1
    [(check,)] = history_rows(tmp_path, "PRAGMA integrity_check")
    assert check == "ok"


@pytest.mark.timeout(120)
def test_a_prompt_the_full_disk_cannot_save_is_not_sent_and_comes_back_to_the_composer(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    # The prompt's save used to raise out of the screen: a traceback, and the typed text gone.
    # The prompt below (and its search index) does not fit in the write-ahead log.
    full_disk = _disk_full_after(tmp_path, 1024)
    app = launch(loopback, app_argv(loopback, FAST), terminal_env(tmp_path), full_disk)
    try:
        prompt = "Tell me about " + "zebras and their stripes " * 2000
        pasted = b"\x1b[200~" + prompt.encode() + b"\x1b[201~"
        while pasted:  # (a terminal takes a long paste in parts)
            pasted = pasted[os.write(app.master, pasted) :]
        app.read_until(lambda out: b"stripes" in out)
        app.type(b"\r")
        app.read_until(lambda out: b"Prompt not saved" in out)
        # The text is back in the composer, to send again once there is room.
        app.read_until(lambda out: b"Tell me about" in out.rsplit(b"Prompt not saved", 1)[-1])
        assert app.process.poll() is None
        _quit(app)
    finally:
        app.kill()
    assert reply_rows(tmp_path) == []


@pytest.mark.timeout(120)
def test_a_data_folder_that_cannot_be_created_leaves_a_history_in_memory(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    (tmp_path / "data").write_text("a regular file where the data folder should be")
    app = start_app(loopback, tmp_path, FAST)
    try:
        app.read_until(lambda out: b"History not kept" in out)
        send_prompt(app, "zebra")
        app.read_until(lambda out: b"Echo:" in out)
        _quit(app)
    finally:
        app.kill()


@pytest.mark.timeout(120)
def test_a_damaged_history_is_set_aside_and_a_new_one_started(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    data = app_data(tmp_path)
    data.mkdir(parents=True)
    garbage = bytes(range(256)) * 64
    (data / "history.db").write_bytes(garbage)
    app = start_app(loopback, tmp_path, FAST)
    try:
        app.read_until(lambda out: b"New history" in out)
        send_prompt(app, "zebra")
        app.read_until(lambda out: b"Echo:" in out)
        app.wait_for(lambda: [s for _, s, _ in reply_rows(tmp_path)] == ["complete"])
        _quit(app)
    finally:
        app.kill()
    [aside] = data.glob("history.db.corrupt-*")
    assert re.fullmatch(r"history\.db\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d", aside.name)
    assert aside.read_bytes() == garbage
    connection = sqlite3.connect(data / "history.db")
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        connection.close()


async def test_replies_of_an_instance_gone_meanwhile_are_marked_interrupted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.db"
    running = await HistoryStore.open(path)
    recovery = asyncio.create_task(recover_periodically(running, every=0.05))
    try:
        gone = await HistoryStore.open(path)  # another instance, that stops mid-reply
        conversation = await gone.create_conversation(Conversation("other", FAST))
        await gone.add_message(
            Message("assistant", "half", conversation_id=conversation.id, status=STREAMING)
        )
        await gone.close()  # its writer lock goes, its reply stays STREAMING in the file

        def status() -> str:
            connection = sqlite3.connect(path, timeout=10)
            try:
                return str(connection.execute("SELECT status FROM messages").fetchone()[0])
            finally:
                connection.close()

        deadline = time.monotonic() + 30
        while status() != "interrupted":
            assert time.monotonic() < deadline, f"still {status()}"
            await asyncio.sleep(0.02)  # polling interval, not synchronisation
    finally:
        recovery.cancel()
        await running.close()
