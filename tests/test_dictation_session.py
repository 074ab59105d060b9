"""DictationSession with fixed segments against the loopback server: parallel, in order."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import AsyncIterator

import numpy as np
import pytest
import soundfile as sf

from groq_tui.api import GroqClient, Transcription
from groq_tui.audio.segmenter import SpeechSegment
from groq_tui.services.dictation_session import (
    MAX_PROMPT_CHARS,
    DictationOptions,
    DictationSession,
    SegmentFailed,
    SegmentText,
    build_prompt,
    speech_text,
)
from tests.loopback import LoopbackServer, Reply

RATE = 16000


@pytest.fixture
async def client(loopback: LoopbackServer) -> AsyncIterator[GroqClient]:
    async with GroqClient(api_key="test-key", base_url=loopback.base_url, max_retries=0) as c:
        yield c


def segment(index: int, seconds: float, start: float = 0.0) -> SpeechSegment:
    t = np.arange(round(seconds * RATE)) / RATE
    samples = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    return SpeechSegment(
        index=index,
        start=start,
        end=start + seconds,
        samples=samples,
        speech=seconds,
        closed_at=time.monotonic(),
    )


def text_reply(text: str) -> Reply:
    return Reply.json(200, {"text": " " + text}, path="/audio/")


def slow_reply(text: str, seconds: float) -> Reply:
    body = json.dumps({"text": " " + text}).encode()
    return Reply.sse(body, chunk_size=len(body) // 2 + 1, delay=seconds, path="/audio/")


async def wait_for_requests(server: LoopbackServer, count: int) -> None:
    for _ in range(500):
        if len(server.requests) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} requests expected, {len(server.requests)} arrived")


async def until_answered(session: DictationSession) -> None:
    for _ in range(500):
        if not session.pending:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the segments in flight were not answered")


async def collect(session: DictationSession) -> list[SegmentText | SegmentFailed]:
    return [event async for event in session.events()]


async def test_segments_are_sent_in_parallel_and_delivered_in_order(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.enqueue(slow_reply("zero", 0.8), text_reply("one"), text_reply("two"))
    session = DictationSession(client, DictationOptions(language="en"))
    events = asyncio.create_task(collect(session))
    session.submit(segment(0, 1.0))
    await wait_for_requests(loopback, 1)  # the slow reply is this one's
    session.submit(segment(1, 2.0, start=1.5))
    await wait_for_requests(loopback, 2)  # scripted replies go by arrival: keep it known
    session.submit(segment(2, 1.5, start=4.0))
    session.close()
    delivered = await events

    assert [e.text for e in delivered if isinstance(e, SegmentText)] == ["zero", "one", "two"]
    assert [e.index for e in delivered] == [0, 1, 2]
    assert [(e.start, e.end) for e in delivered] == [(0.0, 1.0), (1.5, 3.5), (4.0, 5.5)]
    first, second, third = delivered
    assert isinstance(first, SegmentText) and isinstance(third, SegmentText)
    # all three were on the wire before the first answer came back...
    assert max(r.received_at for r in loopback.requests) < first.response_at
    # ...and the later texts, though answered first, waited for it
    assert second.response_at < first.response_at
    assert first.delivered_at <= second.delivered_at <= third.delivered_at
    assert session.text == "zero one two"


async def test_each_upload_is_the_segment_as_16khz_mono_flac(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    session = DictationSession(
        client, DictationOptions(model="whisper-large-v3-turbo", language="de", prompt="Groq")
    )
    session.submit(segment(0, 2.5))
    session.close()
    (event,) = await collect(session)
    assert isinstance(event, SegmentText)
    assert event.text == loopback.transcript_text
    (request,) = loopback.requests
    assert request.path.endswith("/audio/transcriptions")
    assert request.form == {
        "model": ["whisper-large-v3-turbo"],
        "language": ["de"],
        "prompt": ["Groq"],
        "response_format": ["verbose_json"],
    }
    upload = request.files["file"]
    assert upload.filename == "segment.flac"
    assert upload.content_type == "audio/flac"
    info = sf.info(io.BytesIO(upload.data))
    assert (info.format, info.samplerate, info.channels) == ("FLAC", 16000, 1)
    assert info.duration == pytest.approx(2.5, abs=0.001)


async def test_the_previous_text_is_the_next_prompt(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.enqueue(text_reply("Hello Anna."), text_reply("How is Grok?"), text_reply("Fine."))
    session = DictationSession(client, DictationOptions(prompt="Names: Anna, Grok."))
    events = asyncio.create_task(collect(session))
    for i in range(3):
        session.submit(segment(i, 1.0, start=2.0 * i))
        await wait_for_requests(loopback, i + 1)
        await until_answered(session)  # dictation's pace: answered before the next one ends
    session.close()
    await events
    prompts = [r.form["prompt"] for r in loopback.requests]
    assert prompts == [
        ["Names: Anna, Grok."],
        ["Names: Anna, Grok. Hello Anna."],
        ["Names: Anna, Grok. Hello Anna. How is Grok?"],
    ]


async def test_no_prompt_field_until_there_is_text(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    session = DictationSession(client, DictationOptions())
    session.submit(segment(0, 1.0))
    session.close()
    await collect(session)
    assert "prompt" not in loopback.requests[0].form
    assert "language" not in loopback.requests[0].form


async def test_translate_mode_uses_the_translations_endpoint(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.enqueue(text_reply("Good morning."), text_reply("Thank you."))
    session = DictationSession(client, DictationOptions(translate=True, prompt="Business talk"))
    events = asyncio.create_task(collect(session))
    session.submit(segment(0, 1.0))
    await wait_for_requests(loopback, 1)
    await until_answered(session)
    session.submit(segment(1, 1.0))
    session.close()
    delivered = await events
    assert [e.text for e in delivered if isinstance(e, SegmentText)] == [
        "Good morning.",
        "Thank you.",
    ]
    assert all(r.path.endswith("/audio/translations") for r in loopback.requests)
    assert loopback.requests[1].form == {
        "model": ["whisper-large-v3"],
        "prompt": ["Business talk Good morning."],
        "response_format": ["verbose_json"],
    }


async def test_a_failed_segment_keeps_its_place(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.enqueue(
        text_reply("before"),
        Reply.error(503, "Service Unavailable", "service_unavailable", path="/audio/"),
        text_reply("after"),
    )
    session = DictationSession(client, DictationOptions())
    events = asyncio.create_task(collect(session))
    for i in range(3):
        session.submit(segment(i, 1.0))
        await wait_for_requests(loopback, i + 1)
    session.close()
    first, failed, last = await events
    assert isinstance(first, SegmentText) and first.text == "before"
    assert isinstance(failed, SegmentFailed) and failed.index == 1
    assert not failed.fatal  # a passing outage: dictation goes on
    assert isinstance(last, SegmentText) and last.text == "after"
    assert session.text == "before after"


async def test_a_rejected_key_is_fatal(loopback: LoopbackServer) -> None:
    async with GroqClient(api_key="wrong", base_url=loopback.base_url, max_retries=0) as client:
        session = DictationSession(client, DictationOptions())
        session.submit(segment(0, 1.0))
        session.close()
        (event,) = await collect(session)
    assert isinstance(event, SegmentFailed) and event.fatal


async def test_cancel_abandons_what_is_in_flight(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.enqueue(slow_reply("never", 5))
    session = DictationSession(client, DictationOptions())
    events = asyncio.create_task(collect(session))
    session.submit(segment(0, 1.0))
    await wait_for_requests(loopback, 1)
    await session.cancel()
    assert await asyncio.wait_for(events, 2) == []


def test_build_prompt() -> None:
    assert build_prompt(None, "") is None
    assert build_prompt("  Groq ", "") == "Groq"
    assert build_prompt(None, " so far ") == "so far"
    assert build_prompt("Groq", "so far") == "Groq so far"
    long = " ".join(f"word{i}" for i in range(400))
    prompt = build_prompt("Vocabulary: Groq", long)
    assert prompt is not None
    assert len(prompt) <= MAX_PROMPT_CHARS
    assert prompt.startswith("Vocabulary: Groq word")  # the user's part first, never cut
    assert prompt.endswith("word399")  # the most recent text kept, cut at a word boundary
    assert build_prompt("x" * 900, "so far") == "x" * 900


def test_speech_text_drops_what_whisper_marks_as_not_speech() -> None:
    def result(*segments: tuple[str, float, float]) -> Transcription:
        return Transcription.model_validate(
            {
                "text": "".join(s[0] for s in segments),
                "segments": [
                    {"start": 0, "end": 1, "text": t, "no_speech_prob": p, "avg_logprob": lp}
                    for t, p, lp in segments
                ],
            }
        )

    assert speech_text(Transcription(text=" plain ")) == "plain"
    assert speech_text(result((" Hello.", 0.01, -0.2), (" World.", 0.3, -0.5))) == "Hello. World."
    assert speech_text(result((" Hello.", 0.01, -0.2), (" Thank you.", 0.9, -1.5))) == "Hello."
    assert (
        speech_text(
            result(
                (" Thank you.", 0.9, -1.5),
            )
        )
        == ""
    )
