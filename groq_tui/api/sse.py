"""An incremental ``text/event-stream`` decoder, by the rules of the HTML standard.

Bytes go in as the network delivers them, split anywhere (inside a UTF-8 sequence, between
a CR and its LF); complete events come out. Lines end at CR, LF or CRLF; a leading BOM is
dropped; ``:`` lines are comments; ``data:`` lines of one event are joined with LF; ``id:``
and ``retry:`` are kept; unknown fields are ignored; a blank line dispatches the event if
it has data; an event still open at the end of the body is discarded.

The client reads streams with it whatever the response's content type says, so that a
stream a proxy stripped of its header (recording 029 was stored without one) is still read
as one, as the official SDK does.
"""

from __future__ import annotations

import codecs
from typing import NamedTuple

SSE_FIELDS = (b"data:", b"event:", b"id:", b"retry:", b":")
"""How the first line of an event stream can start (after a BOM and blank lines)."""


class ServerSentEvent(NamedTuple):
    """One dispatched event: its type ("" for the default ``message``), data, id, retry."""

    event: str
    data: str
    id: str = ""
    retry: int | None = None


def looks_like_sse(head: bytes) -> bool:
    """Whether the first bytes of a body read as an event stream rather than JSON or HTML."""
    text = head.removeprefix(codecs.BOM_UTF8).lstrip(b"\r\n")
    return text.startswith(SSE_FIELDS)


class SSEDecoder:
    """Turns chunks of bytes into :class:`ServerSentEvent` values; one decoder per stream."""

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""  # an incomplete last line (possibly ending in a lone CR)
        self._started = False
        self._event = ""
        self._data: list[str] = []
        self._last_id = ""
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """The events that ``chunk`` completes, in order."""
        text = self._pending + self._text.decode(chunk)
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        if "\r" in text:
            # A CR at the very end may be the first half of a CRLF: keep it for the next chunk.
            held = "\r" if text.endswith("\r") else ""
            if held:
                text = text[:-1]
            lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            self._pending = lines.pop() + held
        else:
            lines = text.split("\n")
            self._pending = lines.pop()
        events: list[ServerSentEvent] = []
        for line in lines:
            event = self._line(line)
            if event is not None:
                events.append(event)
        return events

    def flush(self) -> list[ServerSentEvent]:
        """The end of the body: a last line ended by the body ends here too.

        By the standard an event without its closing blank line is not dispatched, so this
        returns [] unless that blank line was only waiting on a held CR.
        """
        text = self._pending + self._text.decode(b"", final=True)
        self._pending = ""
        if not text.endswith("\r"):
            return []  # an unterminated line, or nothing: the open event is discarded
        events: list[ServerSentEvent] = []
        for line in text[:-1].replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            event = self._line(line)
            if event is not None:
                events.append(event)
        return events

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line[0] == ":":
            return None
        name, _, value = line.partition(":")
        if value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event, retry = self._data, self._event, self._retry
        self._data, self._event, self._retry = [], "", None
        if not data:
            return None
        return ServerSentEvent(event, "\n".join(data), self._last_id, retry)
