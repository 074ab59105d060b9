"""The history on a full disk: one clear error, nothing half-written, and it reopens.

A child process writes the history under ``RLIMIT_FSIZE`` (a file-size limit: the kernel
refuses writes past it with EFBIG, as a full disk refuses them with ENOSPC; SIGXFSZ is
ignored so the write fails instead of killing the process). A reply streams into it with
checkpoints until the limit is hit; afterwards the database must pass SQLite's integrity check,
reopen, and hold the reply as it was at its last good checkpoint.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

from groq_tui.domain import Conversation, Message, MessageStatus
from groq_tui.store import HistoryStore, StoreOpenError

ROOT = Path(__file__).resolve().parent.parent

FULL_DISK_WRITER = """
import asyncio, json, sys
from pathlib import Path
from groq_tui.domain import Conversation, Message, MessageStatus
from groq_tui.store import HistoryStore, StoreError

async def main() -> None:
    store = await HistoryStore.open(Path(sys.argv[1]))
    conversation = await store.create_conversation(Conversation("full", "llama"))
    reply = await store.add_message(
        Message("assistant", "", conversation_id=conversation.id, status=MessageStatus.STREAMING)
    )
    text, saved, error = "", "", None
    for index in range(20_000):
        text += f"word{index} " * 50
        try:
            await store.save_partial(reply.id, text)
        except StoreError as exc:
            error = str(exc)
            break
        saved = text
    reply.content, reply.status = text, MessageStatus.COMPLETE
    try:
        await store.update_message(reply)
    except StoreError:
        pass
    await store.close()
    print(json.dumps({"error": error, "saved": len(saved), "id": reply.id}), flush=True)

asyncio.run(main())
"""


def _limit_file_size(limit: int) -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


async def _open_empty(path: Path) -> None:
    store = await HistoryStore.open(path)
    await store.close()


def test_a_full_disk_mid_reply_gives_one_clear_error_and_a_consistent_history(
    tmp_path: Path,
) -> None:
    path = tmp_path / "history.db"
    asyncio.run(_open_empty(path))  # created with room to spare; then the disk "fills"
    limit = path.stat().st_size + 256 * 1024
    result = subprocess.run(
        [sys.executable, "-c", FULL_DISK_WRITER, str(path)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: _limit_file_size(limit),
    )
    assert result.returncode == 0, result.stderr  # an error to handle, not a crash
    outcome = json.loads(result.stdout)
    assert outcome["error"] is not None, "the limit was never reached"
    assert (
        "disk is full" in outcome["error"]
        and "half-written" in outcome["error"]
        and str(path) in outcome["error"]
    )
    assert outcome["saved"] > 0

    async def reopen() -> None:
        store = await HistoryStore.open(path)
        try:
            [conversation] = await store.list_conversations()
            [reply] = await store.messages(conversation.id)
            # The last checkpoint that fitted, whole: no torn text, no lost earlier save.
            assert len(reply.content) == outcome["saved"]
            assert reply.status is MessageStatus.INTERRUPTED
            assert await store.integrity_problems() == []
        finally:
            await store.close()

    asyncio.run(reopen())


def test_a_read_only_data_dir_is_named_with_what_to_do(tmp_path: Path) -> None:
    """A read-only mount (chmod does not stop root, who runs CI): one clear message."""
    folder = tmp_path / "data"
    asyncio.run(_open_empty(folder / "history.db"))
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)

        async def open_read_only() -> str:
            try:
                await HistoryStore.open(folder / "history.db")
            except StoreOpenError as exc:
                return str(exc)
            raise AssertionError("a read-only history opened for writing")

        message = asyncio.run(open_read_only())
    finally:
        subprocess.run(["umount", str(folder)], check=True)
    assert f"its folder {folder} is read-only: make it writable" in message
    asyncio.run(_open_empty(folder / "history.db"))  # writable again: nothing was damaged


async def test_a_history_in_memory_works_when_no_file_can_be_written() -> None:
    store = await HistoryStore.open_in_memory()
    try:
        conversation = await store.create_conversation(Conversation("kept for now", "llama"))
        assert conversation.id is not None
        reply = await store.add_message(
            Message(
                "assistant", "", conversation_id=conversation.id, status=MessageStatus.STREAMING
            )
        )
        await store.save_partial(reply.id or 0, "partial")
        assert await store.recover_interrupted() == 0  # its own live reply
        [seen] = await store.messages(conversation.id)
        assert (seen.content, seen.status) == ("partial", MessageStatus.STREAMING)
        assert await store.integrity_problems() == []
    finally:
        await store.close()
