"""Shared fixtures: the loopback Groq server, and isolation from the real home directory."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_support import KEY
from tests.loopback import LoopbackServer

# -- the loopback server -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def _loopback_session() -> Iterator[LoopbackServer]:
    """One server for the whole run: starting a thread and a socket per test is waste."""
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def loopback(_loopback_session: LoopbackServer) -> LoopbackServer:
    """The shared server, reset so each test starts with no requests, replies or overrides."""
    _loopback_session.reset()
    return _loopback_session


@pytest.fixture(autouse=True)
def _collector_resumed() -> Iterator[None]:
    """A test whose event loop ended while a reply's hold on the collector's full passes was
    still to be lifted (services/collector.py) does not leave them held for the next ones."""
    yield
    from groq_tui.services.collector import FULL_COLLECTIONS

    FULL_COLLECTIONS.resume_now()


@pytest.fixture(autouse=True)
def _no_program_outlives_its_test() -> Iterator[None]:
    """A test that fails while the app runs on a pseudo-terminal does not leave it running
    (it would spin on the closed terminal and load the machine for every later test)."""
    yield
    from tests.terminal import kill_leftovers

    kill_leftovers()


# -- isolation ---------------------------------------------------------------------------------

_XDG_DIRS = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's config, history or keys."""
    for name in _XDG_DIRS:
        directory = tmp_path / "xdg" / name.removeprefix("XDG_").lower()
        directory.mkdir(parents=True)
        monkeypatch.setenv(name, str(directory))
    for name in ("GROQ_API_KEY", "GROQ_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in [n for n in os.environ if n.startswith("GROQ_TUI_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def cli_env(loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> LoopbackServer:
    """The command line pointed at the loopback server with a key, no retries and an empty
    stdin (tests.cli_support runs it)."""
    monkeypatch.setenv("GROQ_API_KEY", KEY)
    monkeypatch.setenv("GROQ_BASE_URL", loopback.base_url)
    monkeypatch.setenv("GROQ_TUI_MAX_RETRIES", "0")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    return loopback
