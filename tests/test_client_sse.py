"""The event-stream decoder under any chunking, and streams whatever their content type says.

The network delivers a stream in pieces cut anywhere: inside a UTF-8 sequence, between the CR
and LF of a line ending, inside ``data:``. A property-based test cuts recorded and generated
streams at random byte boundaries, with comments, ``id:``/``retry:`` lines, blank keep-alives
and every line ending, and checks the events are the ones of the uncut stream (issue 13).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from groq_tui.api import APIResponseError, GroqClient
from groq_tui.api.sse import ServerSentEvent, SSEDecoder
from tests.loopback import CORPUS_DIR, LoopbackServer, Reply
from tests.test_corpus_replay import entries, reference_events, reference_stream

STREAM_RECORDINGS = entries("chat_stream", "chat_stream_error")
USER = [{"role": "user", "content": "hi"}]


def decode(pieces: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events = [event for piece in pieces for event in decoder.feed(piece)]
    return events + decoder.flush()


def cut(data: bytes, points: list[int]) -> list[bytes]:
    bounds = [0, *sorted({p % (len(data) + 1) for p in points}), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


# -- recorded streams ------------------------------------------------------------------------


@pytest.mark.parametrize("name", STREAM_RECORDINGS)
def test_recorded_streams_decode_as_the_format_reads(name: str) -> None:
    body = (CORPUS_DIR / f"{name}.body").read_bytes()
    events = decode([body])
    assert [(e.event, e.data) for e in events] == reference_events(body)


@pytest.mark.parametrize("name", STREAM_RECORDINGS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(points=st.lists(st.integers(min_value=0), max_size=40))
def test_recorded_streams_cut_anywhere(name: str, points: list[int]) -> None:
    body = (CORPUS_DIR / f"{name}.body").read_bytes()
    assert decode(cut(body, points)) == decode([body])


def test_one_byte_at_a_time_through_multibyte_text_and_crlf() -> None:
    body = 'data: {"content":"é😀中"}\r\n\r\n: keep-alive\r\rdata: [DONE]\r\n\r\n'.encode()
    events = decode([body[i : i + 1] for i in range(len(body))])
    assert [e.data for e in events] == ['{"content":"é😀中"}', "[DONE]"]


# -- generated streams -----------------------------------------------------------------------

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\x00"),
    max_size=12,
)
ENDINGS = st.sampled_from(["\n", "\r", "\r\n"])


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[ServerSentEvent]]:
    """A stream with its expected events, built line by line."""
    lines: list[str] = []
    expected: list[ServerSentEvent] = []
    last_id = ""
    for _ in range(draw(st.integers(0, 6))):
        for _ in range(draw(st.integers(0, 2))):  # keep-alives: comments and blank lines
            lines.append(draw(st.sampled_from([": keep-alive", "", ":"])))
        event = draw(st.one_of(st.none(), TEXT.filter(lambda t: ":" not in t)))
        data = draw(st.lists(TEXT, min_size=1, max_size=3))
        event_id = draw(st.one_of(st.none(), TEXT))
        retry = draw(st.one_of(st.none(), st.integers(0, 10**6)))
        block = [f"data: {line}" for line in data]
        if event is not None:
            block.insert(draw(st.integers(0, len(block))), f"event: {event}")
        if event_id is not None:
            block.append(f"id: {event_id}")
            last_id = event_id
        if retry is not None:
            block.insert(0, f"retry: {retry}")
        lines.extend([*block, ""])
        expected.append(ServerSentEvent(event or "", "\n".join(data), last_id, retry))
    text = ""
    previous = ""
    for line in lines:
        # A CR followed by an empty line ended by LF would read as one CRLF: avoid writing
        # what the format itself cannot tell apart.
        ending = "\r" if previous == "\r" and not line else draw(ENDINGS)
        text += line + ending
        previous = ending
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + text).encode(), expected


@settings(max_examples=300, deadline=None)
@given(stream=streams(), points=st.lists(st.integers(min_value=0), max_size=30))
def test_generated_streams_cut_anywhere(
    stream: tuple[bytes, list[ServerSentEvent]], points: list[int]
) -> None:
    body, expected = stream
    assert decode([body]) == expected
    assert decode(cut(body, points)) == expected


def test_an_event_left_open_at_the_end_is_discarded() -> None:
    assert decode([b"data: complete\n\ndata: cut off"]) == [ServerSentEvent("", "complete")]
    assert decode([b"data: ends in CR\r\r"]) == [ServerSentEvent("", "ends in CR")]


# -- streams without the right content type (issue 13) ---------------------------------------


@pytest.fixture
async def client(loopback: LoopbackServer) -> AsyncIterator[GroqClient]:
    async with GroqClient(api_key="test-key", base_url=loopback.base_url, max_retries=0) as c:
        yield c


@pytest.mark.parametrize("content_type", ["", "text/plain", "application/octet-stream"])
async def test_an_untyped_stream_is_read_as_a_stream(
    client: GroqClient, loopback: LoopbackServer, content_type: str
) -> None:
    """Recording 029 was stored without headers; a proxy may strip or replace the type."""
    (path,) = CORPUS_DIR.glob("029_*.body")
    body = path.read_bytes()
    loopback.enqueue(Reply.raw(200, body, content_type))
    stream = await client.chat.completions.create(model="m", messages=USER, stream=True)
    await stream.until_done()
    expected = reference_stream(body)
    assert stream.completed
    assert stream.text == expected["content"] and stream.text
    assert stream.usage is not None
    assert stream.usage.model_dump(exclude_unset=True) == expected["usage"]


async def test_an_untyped_stream_cut_before_its_first_line_ends(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    (path,) = CORPUS_DIR.glob("029_*.body")
    loopback.enqueue(Reply.raw(200, b"\n" + path.read_bytes(), ""))
    stream = await client.chat.completions.create(model="m", messages=USER, stream=True)
    await stream.until_done()
    assert stream.completed and stream.text


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (json.dumps({"id": "chatcmpl-1", "choices": []}).encode(), "application/json"),
        (b"<html><title>Gateway</title></html>", ""),
        (b"", "text/plain"),
    ],
)
async def test_a_body_that_is_not_a_stream_still_fails_clearly(
    client: GroqClient, loopback: LoopbackServer, body: bytes, content_type: str
) -> None:
    loopback.enqueue(Reply.raw(200, body, content_type))
    with pytest.raises(APIResponseError, match="not an event stream") as info:
        await client.chat.completions.create(model="m", messages=USER, stream=True)
    assert body[:20].decode() in str(info.value)
