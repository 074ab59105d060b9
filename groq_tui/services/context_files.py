"""The app context's files: the settings file, exports, saved recordings, the tools file.

:class:`AppFiles` does the file work off the event loop and reports failures as notices; the
functions below it block, and run on a thread.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from groq_tui.config import Settings
from groq_tui.domain import Conversation
from groq_tui.services.app_events import Notice
from groq_tui.services.typed_path import typed_path

if TYPE_CHECKING:
    from groq_tui.audio.archive import SavedRecording


class AppFiles:
    """Settings changes, exports and saved recordings, without blocking the event loop.

    Args:
        settings: The settings in force (changed in place by :meth:`change_setting`).
        data_dir: Where exports and recordings go.
        notify: Called with what to tell the user (a failure to write, say).
    """

    def __init__(
        self, settings: Settings, data_dir: Path, notify: Callable[[Notice], object]
    ) -> None:
        self.settings = settings
        self.data_dir = data_dir
        self._notify = notify
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def recordings_dir(self) -> Path:
        """Where dictation keeps its recordings."""
        return self.data_dir / "recordings"

    async def recover_dictations(self) -> None:
        """Keep the dictations cut off by a kill or a crash, with the text they had."""

        def recover() -> list[SavedRecording]:
            from groq_tui.audio.archive import RecordingArchive

            return RecordingArchive(self.recordings_dir).recover_unfinished()

        for saved in await asyncio.to_thread(recover):
            text = (
                "A dictation was cut off when the app last stopped: its recording and the "
                f"text so far are kept in {saved.audio}."
            )
            self._notify(Notice(text, "information", 12))

    def remember_setting(self, name: str, value: Any) -> None:
        """Save a preference (model, theme) to the config file, off the event loop."""

        async def save() -> None:
            try:
                await asyncio.to_thread(save_setting_file, name, value)
            except (OSError, ValueError) as exc:
                self._notify(Notice(f"Could not save the {name} setting: {exc}", "warning"))

        task = asyncio.get_running_loop().create_task(save())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def change_setting(self, name: str, value: Any) -> None:
        """Use a new value of a setting now, and keep it in the config file (``None`` is
        written as an empty value: unset)."""
        setattr(self.settings, name, value)
        self.remember_setting(name, "" if value is None else value)

    async def write_export(self, conversation: Conversation, content: str, ext: str) -> Path | None:
        """Write a conversation's export to the exports folder; None (and a message) on
        failure."""
        return await self.write_export_file(export_name(conversation, ext), content)

    async def write_export_file(self, name: str, content: str) -> Path | None:
        """Write ``content`` to ``name`` in the data dir's exports folder, off the event loop;
        None (and a message) on failure."""
        folder = self.data_dir / "exports"
        try:
            return await asyncio.to_thread(write_export_file, folder, name, content)
        except OSError as exc:
            text = f"Could not export to {folder / name}: {exc.strerror or exc}"
            self._notify(Notice(text, "error"))
            return None

    async def saved_recordings(self) -> list[RecordingSummary]:
        """The kept recordings, newest first (raises OSError if the folder cannot be read)."""
        return await asyncio.to_thread(saved_recordings, self.recordings_dir)

    async def aclose(self) -> None:
        """Wait for the settings being saved."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def read_tools(path: str) -> list[dict[str, Any]]:
    """The tool definitions in a JSON file (a list, or ``{"tools": [...]}``).

    Raises:
        ValueError: The file cannot be read or does not hold tool definitions; the message
            names the file and says why.
    """
    file = typed_path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
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
    """Write ``content`` to a new file ``folder/name`` (the folder is created); returns the
    path. An existing file is never replaced: the name gets a number (``a-2.srt``)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, suffix = Path(name).stem, Path(name).suffix
    path, number = folder / name, 1
    while True:
        try:
            # "x": created here or not at all, even if another export races for the name.
            with path.open("x", encoding="utf-8") as handle:
                handle.write(content)
        except FileExistsError:
            number += 1
            path = folder / f"{stem}-{number}{suffix}"
        else:
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
