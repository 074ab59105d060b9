"""What the first frame shows before the services are up, so that it is the screen to stay.

The services (client, history, model list) start after the first frame: what they bring
changed the screen a few hundred milliseconds later, the history list and the max_tokens
slider filling in. Read here instead, on a thread that starts with the app, are:

- the saved conversations, from a read-only look at the history
  (:func:`~groq_tui.store.peek.peek_conversations`);
- each model's max_tokens limit as the server last listed it, kept in a small file beside
  the history (written when the model list arrives and differs).

Neither is needed for the app to work: if the reading is late or fails, the history list and
the limits come with the services, as before.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from groq_tui.config.saving import write_privately

if TYPE_CHECKING:
    from groq_tui.store import ConversationSummary

LIMITS_FILE = "model-limits.json"
"""Beside the history: {server: {model id: max_tokens limit}}."""

WAIT_AT_MOST = 0.2
"""Seconds the first frame waits for the reading (it starts well before; a cold disk may not)."""


@dataclass(frozen=True)
class StartSnapshot:
    """What the first frame can show before the services are up."""

    saved: tuple[ConversationSummary, ...] | None = None
    """The saved conversations, newest first; None if not known yet."""
    limits: Mapping[str, int] = field(default_factory=dict)
    """Each model's max_tokens limit, as the server last listed it."""


def server_key(base_url: str, offline: bool) -> str:
    """The server a limit belongs to: its URL without any credentials in it."""
    if offline:
        return "local engine"
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()


class StartSnapshotReader:
    """Reads the :class:`StartSnapshot` on a thread, from the moment it is made.

    Args:
        data_dir: Where the history and the limits file are.
        server: The server in use (:func:`server_key`).
    """

    def __init__(self, data_dir: Path, server: str) -> None:
        self._data_dir = data_dir
        self._server = server
        self._snapshot = StartSnapshot()
        self._read = threading.Event()
        threading.Thread(target=self._read_now, name="groq-tui-start", daemon=True).start()

    def _read_now(self) -> None:
        try:
            from groq_tui.store.peek import peek_conversations

            saved = peek_conversations(self._data_dir / "history.db")
            limits = read_limits(self._data_dir / LIMITS_FILE).get(self._server, {})
            self._snapshot = StartSnapshot(None if saved is None else tuple(saved), limits)
        finally:
            self._read.set()

    def snapshot(self, wait: float = WAIT_AT_MOST) -> StartSnapshot:
        """What was read, waiting up to ``wait`` seconds for it (then what is known)."""
        self._read.wait(wait)
        return self._snapshot

    def remember_limits(self, server: str, limits: Mapping[str, int]) -> None:
        """Keep ``limits`` for ``server`` for the next start, if they changed (call it on a
        thread: it writes a file). Not kept if the file cannot be written."""
        path = self._data_dir / LIMITS_FILE
        kept = read_limits(path)
        if kept.get(server) == dict(limits):
            return
        kept[server] = dict(limits)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_privately(path, json.dumps(kept, indent=1, sort_keys=True))
        except OSError:  # no data folder (the app says so for the history): a start as today
            return
        if server == self._server:
            self._snapshot = StartSnapshot(self._snapshot.saved, dict(limits))


def read_limits(path: Path) -> dict[str, dict[str, int]]:
    """The limits file's content; empty if it is missing or not as written."""
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(kept, dict):
        return {}
    return {
        str(server): {str(model): limit for model, limit in limits.items() if type(limit) is int}
        for server, limits in kept.items()
        if isinstance(limits, dict)
    }
