"""A file path as a person types or pastes it, made into a path.

Terminals paste a dragged-and-dropped file in their own ways: quoted (``'/home/me/my
talk.wav'``), with backslash-escaped spaces (``/home/me/my\\ talk.wav``) or as a URL
(``file:///home/me/my%20talk.wav``); people type ``~/talk.wav``. The workbench's path field
and the command line's file arguments all go through :func:`typed_path`.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

_ESCAPED = re.compile(r"\\(.)")


def typed_path(text: str) -> Path:
    """The path ``text`` stands for.

    Surrounding spaces and one pair of matching quotes are removed; a ``file://`` URL is
    percent-decoded (its host must be empty or ``localhost``); backslash escapes in an
    unquoted path are undone; ``~`` and ``~user`` are expanded.

    Raises:
        ValueError: ``text`` is empty, or a ``file://`` URL names another host.
    """
    text = text.strip()
    quoted = len(text) >= 2 and text[0] == text[-1] and text[0] in "'\""
    if quoted:
        text = text[1:-1]
    if text.lower().startswith("file://"):
        url = urlsplit(text)
        if url.netloc not in ("", "localhost"):
            raise ValueError(f"{text} is on another computer ({url.netloc})")
        text = unquote(url.path)
    elif not quoted and "\\" in text:
        text = _ESCAPED.sub(r"\1", text)
    if not text:
        raise ValueError("no path was given")
    return Path(text).expanduser()
