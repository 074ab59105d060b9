"""What the server saw: every request, with its body parsed the way the live API parses it.

Tests assert on exactly what the client put on the wire, so the raw bytes are kept next to
the parsed JSON or multipart fields.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, MultipartReader, web
from aiohttp.streams import StreamReader


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart upload."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    """One request as received. ``headers`` has lower-cased names; ``form`` holds the text
    fields of a multipart body (every value of repeated names such as
    ``timestamp_granularities[]``), ``files`` its file parts."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any = None
    form: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    received_at: float = field(default_factory=time.monotonic)


async def record(request: web.Request, received_at: float) -> RecordedRequest:
    """Read the whole body and parse it as JSON or multipart/form-data, as appropriate."""
    body = await request.read()
    recorded = RecordedRequest(
        method=request.method,
        # The SDK sends ``meta-llama%2Fllama-4-...`` for model ids with a slash.
        path=unquote(request.rel_url.raw_path),
        query=dict(request.query),
        headers={name.lower(): value for name, value in request.headers.items()},
        body=body,
        received_at=received_at,
    )
    if request.content_type == "application/json" or _looks_like_json(body):
        try:
            recorded.json = json.loads(body)
        except ValueError:
            recorded.json = None
    elif request.content_type == "multipart/form-data":
        # A malformed body leaves form and files empty; the endpoint then reports the
        # missing fields, as live does.
        with contextlib.suppress(ValueError, RuntimeError):
            await _parse_multipart(request, body, recorded)
    return recorded


def _looks_like_json(body: bytes) -> bool:
    return body[:1] in (b"{", b"[")


async def _parse_multipart(request: web.Request, body: bytes, into: RecordedRequest) -> None:
    """Parse already-read bytes with aiohttp's own multipart reader.

    The body was read first so it can be recorded verbatim; a fresh stream is fed with it.
    Its buffer limit exceeds the body, so it never asks the connection to pause reading.
    """
    if request.protocol is None:  # the connection is already gone
        return
    stream = StreamReader(request.protocol, limit=len(body) + 1, loop=asyncio.get_running_loop())
    stream.feed_data(body)
    stream.feed_eof()
    reader = MultipartReader(request.headers, stream)
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        data = bytes(await part.read(decode=True))
        if part.filename is not None:
            content_type = part.headers.get("Content-Type")
            into.files[part.name] = UploadedFile(part.filename, content_type, data)
        else:
            into.form.setdefault(part.name, []).append(data.decode("utf-8", "replace"))
