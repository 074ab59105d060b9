"""Text from a model or a server made safe to show on a terminal.

A reply is untrusted text: a prompt injection in a page a model read is enough to put
``ESC ]0;title BEL`` (set the window title), ``ESC [2J`` (wipe the screen) or OSC 52 (write
the user's clipboard) into it. Every path that shows such text neutralises it here first:
C0 controls other than newline and tab, DEL and the C1 controls are shown as visible
stand-ins, and the bidirectional overrides and isolates that can make text read differently
from what it is (the "Trojan Source" trick) are shown by name. Nothing is dropped: a reader
sees that the text held a control character, and which one.

No I/O, no Textual: the CLI, the services and the widgets share it.
"""

from __future__ import annotations

import re

_BIDI_CONTROLS = (0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069)

_TABLE: dict[int, str] = {
    code: chr(0x2400 + code) for code in range(0x20) if code not in (0x09, 0x0A)
}
"""C0 controls as Unicode's control pictures (``ESC`` → ``␛``)."""
_TABLE[0x7F] = "\u2421"  # ␡
_TABLE.update({code: f"\\x{code:02x}" for code in range(0x80, 0xA0)})
_TABLE.update({code: f"<U+{code:04X}>" for code in _BIDI_CONTROLS})

_UNSAFE = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_TABLE)) + "]")


def has_controls(text: str) -> bool:
    """Whether ``text`` holds anything :func:`visible_controls` would change."""
    # Every character it changes is a control (Cc) or a format character (Cf), which
    # ``isprintable`` rejects: the common printable line needs no regex search.
    return not text.isprintable() and _UNSAFE.search(text) is not None


def visible_controls(text: str) -> str:
    """``text`` with every terminal control shown as a visible stand-in.

    ``\\r\\n`` becomes ``\\n``; a lone ``\\r`` (which would let later text overwrite earlier
    text on the same line) is shown as ``␍``.

    Args:
        text: Text as it came from the model or the server.

    Returns:
        Text that moves the cursor only by newlines and tabs, and sets nothing.
    """
    if _UNSAFE.search(text) is None:
        return text
    return text.replace("\r\n", "\n").translate(_TABLE)


class ControlNeutralizer:
    """:func:`visible_controls` for a stream of pieces, with ``\\r\\n`` split across two."""

    def __init__(self) -> None:
        self._held_cr = False

    def feed(self, text: str) -> str:
        """The next piece, made safe; a trailing ``\\r`` waits for the next piece."""
        if self._held_cr:
            text = "\r" + text
            self._held_cr = False
        if text.endswith("\r"):
            self._held_cr = True
            text = text[:-1]
        return visible_controls(text)

    def flush(self) -> str:
        """The end of the stream: a held-back ``\\r`` shown as ``␍``."""
        if self._held_cr:
            self._held_cr = False
            return _TABLE[0x0D]
        return ""


_JSON_UNSAFE = re.compile("[\x7f-\x9f" + "".join(chr(code) for code in _BIDI_CONTROLS) + "]")


def json_without_controls(document: str) -> str:
    """A JSON text with the controls that JSON leaves raw (DEL, C1, bidi) written as
    ``\\uXXXX`` escapes: the data is unchanged, and showing the file cannot drive a
    terminal (JSON already escapes the C0 controls)."""
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", document)
