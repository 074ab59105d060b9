"""Access to the recorded live responses in ``tests/fixtures/groq-recorded``.

The server's model catalogue and its replayed interactions come from these recordings, so
the project's tests do not depend on anything outside the repository.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

CORPUS_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "groq-recorded"

MODELS_FILE = "073_models_list__models-list-2026.body"

# Hop-by-hop or encoding headers that no longer describe the stored (decompressed) body.
_DROPPED_ON_REPLAY = frozenset(
    {"content-encoding", "transfer-encoding", "content-length", "connection"}
)


@dataclass(frozen=True)
class Recording:
    """One recorded interaction: status, replayable headers and the body bytes."""

    name: str
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def resolve(name_or_path: str | Path) -> Path:
    """The ``.json`` metadata file for a corpus name (``"034_chat_stream__..."``), a unique
    ``NNN`` prefix (``"034"``), or a path to a ``.json``/``.body`` file anywhere."""
    path = Path(name_or_path)
    if path.suffix in (".json", ".body") and path.exists():
        return path.with_suffix(".json")
    stem = str(name_or_path).removesuffix(".json").removesuffix(".body")
    exact = CORPUS_DIR / f"{stem}.json"
    if exact.exists():
        return exact
    matches = sorted(CORPUS_DIR.glob(f"{stem}*.json"))
    if len(matches) == 1:
        return matches[0]
    found = ", ".join(m.stem for m in matches) or "nothing"
    raise FileNotFoundError(f"no single corpus entry matches {name_or_path!r} (found {found})")


@cache
def load_recording(metadata: Path) -> Recording:
    meta = json.loads(metadata.read_text())
    response = meta["response"]
    body = metadata.with_suffix(".body").read_bytes()
    headers: dict[str, str] = {}
    for name, values in (response.get("headers") or {}).items():
        if name.lower() in _DROPPED_ON_REPLAY:
            continue
        headers[name.lower()] = values[-1] if isinstance(values, list) else str(values)
    if "content-type" not in headers:
        headers["content-type"] = _guess_content_type(body)
    return Recording(metadata.stem, int(response["status"]), headers, body)


def _guess_content_type(body: bytes) -> str:
    if body.startswith(b"data:") or body.startswith(b"event:"):
        return "text/event-stream"
    try:
        json.loads(body)
    except ValueError:
        return "text/plain; charset=utf-8"
    return "application/json"


@lru_cache(maxsize=1)
def _models() -> tuple[dict[str, Any], ...]:
    listing = json.loads((CORPUS_DIR / MODELS_FILE).read_text())
    return tuple(listing["data"])


def models() -> list[dict[str, Any]]:
    """The live model list (corpus 073), as fresh dicts the caller may modify."""
    return [dict(m) for m in _models()]


def find_model(model_id: str) -> dict[str, Any] | None:
    return next((dict(m) for m in _models() if m["id"] == model_id), None)
