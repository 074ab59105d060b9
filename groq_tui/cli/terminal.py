"""The CLI's output on a terminal: model and server text cannot drive the terminal.

Written to a pipe or a file, text goes out exactly as received (a script gets what the model
sent). Written to a terminal, escape sequences in it would be obeyed: a reply could set the
window title, wipe the screen or, through OSC 52, write the clipboard. There every control
character is shown as a visible stand-in (:mod:`groq_tui.safe_text`), unless ``--raw``.
"""

from __future__ import annotations

import io
import sys
from typing import TextIO

from groq_tui.safe_text import ControlNeutralizer


class SafeTerminalWriter(io.TextIOBase):
    """A text stream that passes everything to ``terminal`` with controls made visible."""

    def __init__(self, terminal: TextIO) -> None:
        super().__init__()
        self.terminal = terminal
        """The stream underneath, for the program's own control sequences (progress)."""
        self._neutralizer = ControlNeutralizer()

    def write(self, text: str) -> int:
        self.terminal.write(self._neutralizer.feed(text))
        return len(text)

    def flush(self) -> None:
        self.terminal.flush()

    def close_stream(self) -> None:
        """The end of the output: a held-back carriage return shown, and flushed."""
        self.terminal.write(self._neutralizer.flush())
        self.terminal.flush()

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.terminal.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.terminal.encoding


def protect_terminal(*, raw: bool = False) -> None:
    """Make stdout and stderr safe where they are terminals (not with ``raw``)."""
    if raw:
        return
    if sys.stdout.isatty() and not isinstance(sys.stdout, SafeTerminalWriter):
        sys.stdout = SafeTerminalWriter(sys.stdout)
    if sys.stderr.isatty() and not isinstance(sys.stderr, SafeTerminalWriter):
        sys.stderr = SafeTerminalWriter(sys.stderr)


def release_terminal() -> None:
    """Undo :func:`protect_terminal` (the end of a command)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(stream, SafeTerminalWriter):
            stream.close_stream()
            setattr(sys, name, stream.terminal)


def control_stream(stream: TextIO) -> TextIO:
    """The stream to write the program's own control sequences to (``\\r`` progress)."""
    return stream.terminal if isinstance(stream, SafeTerminalWriter) else stream
