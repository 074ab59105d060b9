"""The app context's file work: tools, settings, exports, saved recordings.

Every function here blocks (file reads and writes): the context runs them on a thread.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from groq_tui.domain import Conversation


def read_tools(path: str) -> list[dict[str, Any]]:
    """The tool definitions in a JSON file (a list, or ``{"tools": [...]}``).

    Raises:
        ValueError: The file cannot be read or does not hold tool definitions; the message
            names the file and says why.
    """
    try:
        data = json.loads(Path(path).expanduser().read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("tools"), list):
        data = data["tools"]
    if not isinstance(data, list) or not all(isinstance(t, dict) for t in data):
        raise ValueError(f"{path} must hold a JSON list of tool definitions.")
    return data


def save_setting_file(name: str, value: Any) -> None:
    """Write one setting to the config file (see :func:`groq_tui.config.save_setting`)."""
    from groq_tui.config import save_setting

    save_setting(name, value)


def export_name(conversation: Conversation, ext: str) -> str:
    """A file name for a conversation's export: its title as a slug, and its id."""
    slug = re.sub(r"[^a-z0-9]+", "-", conversation.title.lower()).strip("-")[:40]
    return f"{slug or 'conversation'}-{conversation.id or 'new'}.{ext}"


def write_export_file(folder: Path, name: str, content: str) -> Path:
    """Write ``content`` to ``folder/name`` (the folder is created); returns the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


@dataclass(frozen=True)
class RecordingSummary:
    """A saved recording as a picker lists it."""

    audio: Path
    created: datetime
    duration: float
    """Seconds."""
    first_line: str
    """The first line of its transcript ("" if none)."""


def saved_recordings(directory: Path) -> list[RecordingSummary]:
    """The recordings kept in ``directory``, newest first, with their transcripts' first
    lines."""
    from groq_tui.audio.archive import RecordingArchive

    summaries = []
    for saved in RecordingArchive(directory).list():
        lines = saved.transcript.strip().splitlines()
        summaries.append(
            RecordingSummary(saved.audio, saved.created, saved.duration, lines[0] if lines else "")
        )
    return summaries
