"""The loopback server itself, seen through raw httpx: live wire formats, scripting, faults.

The client tests trust this server to behave like the Groq API, so its own behaviour is
pinned here against the recorded corpus rather than against the project's client.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf

from tests.loopback import (
    CORPUS_DIR,
    LoopbackServer,
    RecordedRequest,
    Reply,
    UploadedFile,
    closed_port_url,
    markdown_reply,
)

MODEL = "llama-3.1-8b-instant"
USER = [{"role": "user", "content": "hello there"}]
RATE_HEADERS = (
    "x-ratelimit-limit-requests",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-reset-requests",
    "x-ratelimit-reset-tokens",
)
ROOT = Path(__file__).resolve().parent.parent


class _AnyInt:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, int) and not isinstance(other, bool)


ANY_INT = _AnyInt()
GRANULARITIES = "timestamp_granularities[]"


@pytest.fixture
def http(loopback: LoopbackServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": "Bearer test-key"}
    with httpx.Client(base_url=loopback.base_url, headers=headers, timeout=5) as client:
        yield client


def chat(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post("/chat/completions", json={"model": MODEL, "messages": USER, **body})


def sse(text: str) -> list[tuple[str | None, str]]:
    """(event name, data) per event - a minimal reader for the server's own ``\\n`` framing."""
    found = []
    for block in text.split("\n\n"):
        lines = [line for line in block.split("\n") if line]
        if not lines:
            continue
        event = next((line[7:] for line in lines if line.startswith("event: ")), None)
        data = "\n".join(line[6:] for line in lines if line.startswith("data: "))
        found.append((event, data))
    return found


def chunks(text: str) -> list[dict[str, Any]]:
    return [json.loads(data) for _, data in sse(text) if data != "[DONE]"]


def content(text: str) -> str:
    return "".join(
        c["choices"][0]["delta"].get("content") or "" for c in chunks(text) if c["choices"]
    )


def wav_bytes(seconds: float = 2.0, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    t = np.arange(int(seconds * rate)) / rate
    sf.write(buffer, (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), rate, format="WAV")
    return buffer.getvalue()


# -- models ------------------------------------------------------------------------------------


def test_models_list_is_the_recorded_one(http: httpx.Client) -> None:
    response = http.get("/models")
    assert response.status_code == 200
    recorded = json.loads((CORPUS_DIR / "073_models_list__models-list-2026.body").read_text())
    assert response.json() == recorded
    assert response.headers["content-type"] == "application/json"
    assert response.text.endswith("}\n") and ", " not in response.text[:40]  # compact + newline
    assert response.headers["x-request-id"].startswith("req_01")
    assert all(name in response.headers for name in RATE_HEADERS)


def test_remaining_requests_count_down(http: httpx.Client) -> None:
    first = int(http.get("/models").headers["x-ratelimit-remaining-requests"])
    second = http.get("/models").headers
    assert int(second["x-ratelimit-remaining-requests"]) == first - 1
    assert second["x-ratelimit-reset-requests"].endswith("s")  # Go duration, e.g. "12s"


def test_model_retrieve_with_a_slash(http: httpx.Client) -> None:
    model_id = "meta-llama/llama-4-scout-17b-16e-instruct"
    assert http.get(f"/models/{model_id}").json()["id"] == model_id
    encoded = http.get("/models/meta-llama%2Fllama-4-scout-17b-16e-instruct")  # the SDK's form
    assert encoded.json()["id"] == model_id


def test_unknown_model_retrieve_is_a_live_404(http: httpx.Client) -> None:
    response = http.get("/models/gpt-17")
    assert response.status_code == 404
    assert response.text == (
        '{"error":{"message":"The model `gpt-17` does not exist or you do not have access to '
        'it.","type":"invalid_request_error","code":"model_not_found"}}\n'
    )


def test_unknown_path(http: httpx.Client) -> None:
    response = http.post("/embeddingz", json={})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["message"].startswith("Unknown request URL: POST /openai/v1/embeddingz")
    assert error["type"] == "invalid_request_error"


# -- auth --------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
@pytest.mark.parametrize("stream", [False, True])
def test_bad_key_is_the_live_401(
    loopback: LoopbackServer, headers: dict[str, str], stream: bool
) -> None:
    body = {"model": MODEL, "messages": USER, "stream": stream}
    response = httpx.post(f"{loopback.base_url}/chat/completions", json=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"  # even for stream=true
    recorded = (CORPUS_DIR / "045_error__reqllm-gemma2-9b-it-basic.body").read_bytes()
    assert response.content == recorded
    assert response.headers["x-request-id"]
    assert not any(name in response.headers for name in RATE_HEADERS)


def test_server_without_key_accepts_anyone() -> None:
    with LoopbackServer(api_key=None) as open_server:
        response = httpx.get(f"{open_server.base_url}/models")
    assert response.status_code == 200


# -- chat validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "param", "words"),
    [
        ({"model": None}, "model", "'model' : property 'model' is missing"),
        ({"messages": None}, "messages", "'messages' : property 'messages' is missing"),
        ({"messages": []}, "messages", "minimum"),
        ({"n": 2}, "n", "'n' : number must be at most 1"),
        ({"temperature": 2.5}, "temperature", "at most 2"),
        ({"temperature": -1}, "temperature", "at least 0"),
        ({"top_p": 1.5}, "top_p", "at most 1"),
        ({"frequency_penalty": -3}, "frequency_penalty", "at least -2"),
        ({"presence_penalty": 3}, "presence_penalty", "at most 2"),
        ({"stop": list("abcde")}, "stop", "at most 4"),
        ({"temperature": "hot"}, "temperature", "must be a number"),
        ({"response_format": "json"}, "response_format", "must be an object"),
        ({"messages": [{"role": "system", "content": 3}]}, "messages.0", "for 'role:system'"),
    ],
)
def test_validation_errors(
    http: httpx.Client, change: dict[str, Any], param: str, words: str
) -> None:
    body = {"model": MODEL, "messages": USER, **change}
    response = http.post("/chat/completions", json={k: v for k, v in body.items() if v is not None})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "param" not in error  # schema errors name the field in the message only (071)
    assert f"'{param}" in error["message"]
    assert words in error["message"]


def test_unknown_and_unsuitable_models(http: httpx.Client) -> None:
    missing = chat(http, model="llama-9")
    assert missing.status_code == 404
    assert missing.json()["error"] == {
        "message": "The model `llama-9` does not exist or you do not have access to it.",
        "type": "invalid_request_error",
        "code": "model_not_found",
    }
    whisper = chat(http, model="whisper-large-v3")
    assert whisper.status_code == 400
    assert "does not support chat" in whisper.json()["error"]["message"]


# -- chat replies ------------------------------------------------------------------------------


def test_non_stream_shape(http: httpx.Client) -> None:
    response = chat(http)
    body = response.json()
    assert list(body) == [
        "id", "object", "created", "model", "choices", "usage", "usage_breakdown",
        "system_fingerprint", "x_groq", "service_tier",
    ]  # fmt: skip
    assert body["id"].startswith("chatcmpl-") and body["object"] == "chat.completion"
    assert body["model"] == MODEL and body["service_tier"] == "on_demand"
    assert body["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Echo: hello there"},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ]
    assert list(body["usage"]) == [
        "queue_time", "prompt_tokens", "prompt_time", "completion_tokens", "completion_time",
        "total_tokens", "total_time",
    ]  # fmt: skip
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert body["x_groq"] == {"id": response.headers["x-request-id"], "seed": ANY_INT}
    assert body["usage_breakdown"] is None
    assert int(response.headers["x-ratelimit-remaining-tokens"]) < 6000


def test_reply_text_max_tokens_stop_seed_and_json_mode(
    http: httpx.Client, loopback: LoopbackServer
) -> None:
    loopback.reply_text = "one two three four five six"
    assert chat(http).json()["choices"][0]["message"]["content"] == loopback.reply_text
    short = chat(http, max_tokens=2).json()
    assert short["choices"][0] == {
        "index": 0,
        "message": {"role": "assistant", "content": "one two"},
        "logprobs": None,
        "finish_reason": "length",
    }
    assert short["usage"]["completion_tokens"] == 2
    stopped = chat(http, stop=["five", "four"]).json()["choices"][0]
    assert (stopped["message"]["content"], stopped["finish_reason"]) == ("one two three ", "stop")
    assert chat(http, seed=42).json()["x_groq"]["seed"] == 42
    as_json = chat(http, response_format={"type": "json_object"}).json()
    assert json.loads(as_json["choices"][0]["message"]["content"]) == {"echo": loopback.reply_text}
    logprobs = chat(http, logprobs=True, top_logprobs=2).json()["choices"][0]
    assert logprobs["logprobs"] is None


def tool(name: str) -> dict[str, Any]:
    parameters = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "days": {"type": "integer"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
    }
    return {"type": "function", "function": {"name": name, "parameters": parameters}}


@pytest.mark.parametrize(
    ("tool_choice", "parallel", "names"),
    [
        ("required", None, ["weather", "time"]),  # parallel_tool_calls defaults to true
        ("required", False, ["weather"]),
        ({"type": "function", "function": {"name": "time"}}, None, ["time"]),
        ("auto", None, []),
    ],
)
def test_tool_calls(
    http: httpx.Client, tool_choice: Any, parallel: bool | None, names: list[str]
) -> None:
    extra = {} if parallel is None else {"parallel_tool_calls": parallel}
    body = chat(http, tools=[tool("weather"), tool("time")], tool_choice=tool_choice, **extra)
    choice = body.json()["choices"][0]
    if not names:
        assert choice["finish_reason"] == "stop" and choice["message"]["content"]
        return
    assert choice["finish_reason"] == "tool_calls"
    assert "content" not in choice["message"]  # like corpus 031
    calls = choice["message"]["tool_calls"]
    assert [c["function"]["name"] for c in calls] == names
    for call in calls:
        assert call["type"] == "function" and len(call["id"]) == 9
        arguments = json.loads(call["function"]["arguments"])
        assert arguments == {"city": "example", "days": 1, "unit": "celsius"}


def test_deprecated_function_call(http: httpx.Client) -> None:
    functions = [{"name": "lookup", "parameters": {"type": "object", "properties": {}}}]
    body = chat(http, functions=functions, function_call={"name": "lookup"}).json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "function_call"
    assert choice["message"]["function_call"] == {"name": "lookup", "arguments": "{}"}


def test_stream_shape_matches_the_live_one(http: httpx.Client) -> None:
    response = chat(http, stream=True, seed=7)
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["x-ratelimit-remaining-requests"]
    events = sse(response.text)
    assert events[-1] == (None, "[DONE]")
    assert response.text.endswith("data: [DONE]\n\n")
    parsed = chunks(response.text)
    request_id = response.headers["x-request-id"]
    first, *middle, last = parsed
    assert first["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert first["x_groq"] == {"id": request_id, "seed": 7}
    assert len(middle) > 2 and all("x_groq" not in c for c in middle)
    assert content(response.text) == "Echo: hello there"
    assert last["choices"][0] == {
        "index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"
    }  # fmt: skip
    assert last["x_groq"]["id"] == request_id
    assert last["x_groq"]["usage"]["completion_tokens"] == len(middle)
    assert "usage" not in last  # only with stream_options.include_usage
    assert {c["id"] for c in parsed} == {first["id"]}
    assert list(first)[:5] == ["id", "object", "created", "model", "system_fingerprint"]


def test_stream_include_usage_adds_the_usage_chunk(http: httpx.Client) -> None:
    response = chat(http, stream=True, stream_options={"include_usage": True})
    *_, last, usage_only = chunks(response.text)
    assert last["usage"] == last["x_groq"]["usage"]
    assert usage_only["choices"] == []
    assert usage_only["usage"] == last["usage"]
    assert usage_only["service_tier"] == "on_demand"


def test_streamed_tool_calls_arrive_in_pieces(http: httpx.Client) -> None:
    response = chat(
        http, stream=True, tools=[tool("weather"), tool("time")], tool_choice="required"
    )
    parsed = chunks(response.text)
    assert parsed[0]["choices"][0]["delta"] == {"role": "assistant", "content": None}
    assert parsed[-1]["choices"][0]["finish_reason"] == "tool_calls"
    deltas = [d for c in parsed[1:-1] for d in c["choices"][0]["delta"]["tool_calls"]]
    heads = [d for d in deltas if "id" in d]
    assert [(h["index"], h["function"]["name"], h["type"]) for h in heads] == [
        (0, "weather", "function"),
        (1, "time", "function"),
    ]
    assert all(h["function"]["arguments"] == "" for h in heads)
    assert len(deltas) - len(heads) > 4  # arguments split over several deltas
    for index in (0, 1):
        arguments = "".join(d["function"]["arguments"] for d in deltas if d["index"] == index)
        assert json.loads(arguments)["city"] == "example"


def test_loopback_chunks_models(http: httpx.Client) -> None:
    streamed = chat(http, model="loopback-chunks-40", stream=True)
    assert content(streamed.text) == "".join(markdown_reply(40))
    assert len(chunks(streamed.text)) == 40 + 2
    whole = chat(http, model="loopback-chunks-40").json()
    assert whole["choices"][0]["message"]["content"] == "".join(markdown_reply(40))
    started = time.monotonic()
    paced = chat(http, model="loopback-chunks-20-rate-100", stream=True)
    assert time.monotonic() - started >= 0.15
    assert content(paced.text) == "".join(markdown_reply(20))


# -- markdown ----------------------------------------------------------------------------------


def test_markdown_reply_is_deterministic_markdown() -> None:
    pieces = markdown_reply(3000)
    assert len(pieces) == 3000 and all(pieces)
    assert pieces == markdown_reply(3000)
    assert max(len(p.strip()) for p in pieces) <= 6
    document = "".join(pieces)
    for feature in ("\n## ", "\n- ", "\n1. ", "\n| ", "```python\n", "**", "`inline code`"):
        assert feature in document
    assert document.count("```") % 2 == 0  # fences are never left open
    assert markdown_reply(3) == ["#", " Stream", "ing"]
    assert markdown_reply(0) == []


# -- scripted replies --------------------------------------------------------------------------


def test_queue_is_fifo_and_path_filtered(http: httpx.Client, loopback: LoopbackServer) -> None:
    loopback.enqueue(
        Reply.error(503, "models are down", path="/models"),
        Reply.json(200, {"first": True}),
        Reply.json(200, {"second": True}),
    )
    assert http.post("/chat/completions", json={}).json() == {"first": True}
    models = http.get("/models")
    assert (models.status_code, models.json()["error"]["message"]) == (503, "models are down")
    assert http.get("/anything").json() == {"second": True}
    assert http.get("/models").status_code == 200  # queue empty: default behaviour


def test_scripted_bodies(http: httpx.Client, loopback: LoopbackServer) -> None:
    loopback.enqueue(
        Reply.raw(200, " plain transcript", "text/plain", {"x-extra": "1"}),
        Reply.error(400, "bad", code="tool_use_failed", param="tools", failed_generation=""),
        Reply.json(201, [1, 2]),
    )
    raw = http.get("/a")
    assert (raw.text, raw.headers["content-type"], raw.headers["x-extra"]) == (
        " plain transcript", "text/plain", "1"
    )  # fmt: skip
    assert raw.headers["x-request-id"] and raw.headers["x-ratelimit-limit-tokens"]
    error = http.get("/b")
    assert error.text == (
        '{"error":{"message":"bad","type":"invalid_request_error","param":"tools",'
        '"code":"tool_use_failed","failed_generation":""}}\n'
    )
    assert "x-ratelimit-limit-tokens" not in error.headers
    assert http.get("/c").json() == [1, 2]


def test_rate_limited_reply(http: httpx.Client, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.rate_limited(retry_after=7, retry_after_ms=7000))
    response = chat(http)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.headers["retry-after-ms"] == "7000"
    assert response.headers["x-ratelimit-reset-tokens"] == "7s"
    assert all(name in response.headers for name in RATE_HEADERS)
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("tokens", "rate_limit_exceeded")
    assert error["message"].startswith(f"Rate limit reached for model `{MODEL}` in organization")
    assert "Please try again in 7s. Visit https://console.groq.com/docs/" in error["message"]


def test_sse_is_sent_verbatim_in_small_writes(http: httpx.Client, loopback: LoopbackServer) -> None:
    body = ": comment\r\n\r\ndata:{}\r\r" + "event: error\ndata: x\n\n"
    loopback.enqueue(Reply.sse(body, chunk_size=3, delay=0.001))
    with http.stream("POST", "/chat/completions", json={}) as response:
        pieces = list(response.iter_raw())
    assert response.headers["content-type"] == "text/event-stream"
    assert b"".join(pieces) == body.encode()


@pytest.mark.parametrize(
    "name",
    ["051_chat_stream__reqllm-llama-3-1-8b-instant-streaming", "021", "044"],
)
def test_recorded_replay(http: httpx.Client, loopback: LoopbackServer, name: str) -> None:
    loopback.enqueue(Reply.recorded(name))
    response = chat(http)
    path = next(CORPUS_DIR.glob(f"{name}*.body"))
    metadata = json.loads(path.with_suffix(".json").read_text())["response"]
    assert response.status_code == metadata["status"]
    assert response.content == path.read_bytes()
    assert "content-encoding" not in response.headers  # the stored body is decompressed
    recorded_headers = {k.lower(): v[-1] for k, v in (metadata["headers"] or {}).items()}
    for header in ("x-ratelimit-remaining-requests", "x-request-id", "content-type"):
        if header in recorded_headers:
            assert response.headers[header] == recorded_headers[header]


def test_recorded_rejects_ambiguous_names() -> None:
    with pytest.raises(FileNotFoundError, match="no single corpus entry"):
        Reply.recorded("0")


def test_stream_chunks_is_fast_and_complete(http: httpx.Client, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.stream_chunks(10_000))
    # How fast (typically ~0.1 s) is measured in benchmarks/bench_timings.py.
    with http.stream("POST", "/chat/completions", json={"model": MODEL}) as response:
        text = response.read().decode()
    parsed = chunks(text)
    assert len(parsed) == 10_002
    assert content(text) == "".join(markdown_reply(10_000))
    assert parsed[-1]["x_groq"]["usage"]["completion_tokens"] == 10_000


def test_stream_chunks_can_be_paced(http: httpx.Client, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.stream_chunks(30, rate=200))
    arrivals = []
    started = time.monotonic()
    with http.stream("POST", "/chat/completions", json={}) as response:
        for _ in response.iter_raw():
            arrivals.append(time.monotonic() - started)
    assert arrivals[-1] >= 0.12  # 32 events at 200/s
    assert len(arrivals) > 5  # arrived progressively, not in one write


# -- faults, as a client sees them -------------------------------------------------------------


def stream_lines(http: httpx.Client, received: list[str], timeout: float = 5) -> None:
    """Read a stream line by line into ``received`` (kept even when the read fails)."""
    body = {"model": MODEL, "messages": USER, "stream": True}
    with http.stream("POST", "/chat/completions", json=body, timeout=timeout) as response:
        for line in response.iter_lines():
            if line:
                received.append(line)


def test_reset_mid_stream(http: httpx.Client, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.fault("reset_mid_stream", after_chunks=4))
    received: list[str] = []
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        stream_lines(http, received)
    assert len(received) == 4
    assert "data: [DONE]" not in received


def test_stall_mid_stream(http: httpx.Client, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.fault("stall_mid_stream", after_chunks=2, stall_seconds=5))
    received: list[str] = []
    with pytest.raises(httpx.ReadTimeout):  # the client's 0.3 s, not the 5 s stall's end
        stream_lines(http, received, timeout=0.3)
    assert len(received) == 2


def test_stall_ends_with_the_rest_of_the_stream(
    http: httpx.Client, loopback: LoopbackServer
) -> None:
    loopback.enqueue(Reply.fault("stall_mid_stream", after_chunks=2, stall_seconds=0.2))
    received: list[str] = []
    stream_lines(http, received)
    assert received[-1] == "data: [DONE]"


def test_malformed_event(http: httpx.Client, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.fault("malformed_event", after_chunks=2))
    received: list[str] = []
    stream_lines(http, received)
    assert received[2:] == ["data: {not json", "data: [DONE]"]


def test_no_done(http: httpx.Client, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.fault("no_done", after_chunks=3))
    received: list[str] = []
    stream_lines(http, received)  # the body ends cleanly...
    assert len(received) == 3  # ...after three events, with no finish_reason and no [DONE]
    assert all('"finish_reason":null' in line for line in received)


@pytest.mark.parametrize("kind", ["error_event", "error_in_data"])
def test_error_inside_the_stream(http: httpx.Client, loopback: LoopbackServer, kind: Any) -> None:
    loopback.reply_text = "one two three four five six seven"
    loopback.enqueue(Reply.fault(kind, after_chunks=3))
    received: list[str] = []
    stream_lines(http, received)
    data_lines = [line for line in received if line.startswith("data: ")]
    assert len(data_lines) == 4
    error = json.loads(data_lines[-1][6:])["error"]
    # Recording 020's in-stream error, byte for byte.
    assert error == {
        "message": "Tool choice is required, but model did not call a tool",
        "type": "invalid_request_error",
        "code": "tool_use_failed",
        "failed_generation": "",
        "status_code": 400,
    }
    assert ("event: error" in received) is (kind == "error_event")


def test_close_before_response(http: httpx.Client, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.fault("close_before_response"))
    with pytest.raises(httpx.RemoteProtocolError):
        chat(http)
    assert loopback.requests[-1].json["model"] == MODEL  # the request was read first


@pytest.mark.parametrize(
    ("kind", "status", "error_type"),
    [
        ("http_500", 500, "internal_server_error"),
        ("http_502", 502, "internal_server_error"),
        ("http_503", 503, "service_unavailable"),
    ],
)
def test_server_errors(
    http: httpx.Client, loopback: LoopbackServer, kind: Any, status: int, error_type: str
) -> None:
    loopback.enqueue(Reply.fault(kind))
    response = chat(http, stream=True)
    assert response.status_code == status
    assert response.json()["error"]["type"] == error_type


def test_html_502(http: httpx.Client, loopback: LoopbackServer) -> None:
    loopback.enqueue(Reply.fault("html_502"))
    response = chat(http)
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert "<title>502 Bad Gateway</title>" in response.text


def test_unknown_fault_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        Reply.fault("explode")  # type: ignore[arg-type]


def test_connection_refused_url() -> None:
    for url in (closed_port_url(), LoopbackServer().unused_port_url):
        assert url.startswith("http://127.0.0.1:") and url.endswith("/openai/v1")
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{url}/models")


# -- recording ---------------------------------------------------------------------------------


def test_requests_are_recorded(http: httpx.Client, loopback: LoopbackServer) -> None:
    before = time.monotonic()
    http.get("/models?limit=2", headers={"X-Custom": "yes"})
    chat(http)
    first, second = loopback.requests
    assert isinstance(first, RecordedRequest)
    assert (first.method, first.path, first.query) == ("GET", "/openai/v1/models", {"limit": "2"})
    assert first.headers["x-custom"] == "yes" and first.json is None and first.body == b""
    assert second.json == {"model": MODEL, "messages": USER}
    assert json.loads(second.body) == second.json
    assert before <= first.received_at <= second.received_at


def test_reset_restores_defaults(loopback: LoopbackServer, http: httpx.Client) -> None:
    loopback.reply_text = "x"
    loopback.transcript_text = "y"
    loopback.max_upload_bytes = 1
    loopback.enqueue(Reply.json(200, {}))
    http.get("/models")
    loopback.reset()
    assert loopback.requests == [] and loopback.reply_text is None
    assert loopback.max_upload_bytes == 25 * 1024 * 1024
    assert loopback.transcript_text == "The quick brown fox jumps over the lazy dog."
    assert chat(http).json()["choices"][0]["message"]["content"] == "Echo: hello there"


# -- audio -------------------------------------------------------------------------------------


def transcribe(
    http: httpx.Client,
    *,
    data: bytes | None = None,
    filename: str = "speech.wav",
    endpoint: str = "/audio/transcriptions",
    granularities: list[str] | None = None,
    **fields: Any,
) -> httpx.Response:
    form = {"model": "whisper-large-v3", **fields}
    if granularities is not None:
        form[GRANULARITIES] = granularities
    files = {"file": (filename, wav_bytes() if data is None else data, "audio/wav")}
    return http.post(endpoint, data=form, files=files)


def test_multipart_is_recorded(http: httpx.Client, loopback: LoopbackServer) -> None:
    audio = wav_bytes()
    transcribe(
        http, data=audio, language="en", response_format="verbose_json",
        granularities=["word", "segment"],
    )  # fmt: skip
    sent = loopback.requests[-1]
    assert sent.form["model"] == ["whisper-large-v3"]
    assert sent.form["language"] == ["en"]
    assert sent.form["timestamp_granularities[]"] == ["word", "segment"]
    assert sent.files["file"] == UploadedFile("speech.wav", "audio/wav", audio)
    assert sent.json is None and len(sent.body) > len(audio)


def test_transcription_formats(http: httpx.Client, loopback: LoopbackServer) -> None:
    text = " " + loopback.transcript_text  # whisper's leading space, as in the corpus
    as_json = transcribe(http)
    assert as_json.json() == {"text": text, "x_groq": {"id": as_json.headers["x-request-id"]}}
    plain = transcribe(http, response_format="text")
    assert plain.text == text
    assert plain.headers["content-type"].startswith("text/plain")
    assert all(name in plain.headers for name in RATE_HEADERS)


def test_verbose_json_words_only_when_asked(http: httpx.Client, loopback: LoopbackServer) -> None:
    segments_only = transcribe(http, response_format="verbose_json").json()
    assert list(segments_only) == ["task", "language", "duration", "text", "segments", "x_groq"]
    assert segments_only["task"] == "transcribe" and segments_only["language"] == "English"
    assert segments_only["duration"] == 2
    first, second = segments_only["segments"]
    assert list(first) == [
        "id", "seek", "start", "end", "text", "tokens", "temperature", "avg_logprob",
        "compression_ratio", "no_speech_prob",
    ]  # fmt: skip
    assert first["start"] == 0 and second["end"] == 2 and first["end"] <= second["start"]
    assert (first["text"] + second["text"]).strip() == segments_only["text"].strip()
    words = transcribe(
        http, response_format="verbose_json", granularities=["word"]
    ).json()["words"]  # fmt: skip
    assert [w["word"] for w in words] == loopback.transcript_text.split()
    assert words[0]["start"] == 0 and words[-1]["end"] == 2


def test_translation(http: httpx.Client) -> None:
    body = transcribe(http, endpoint="/audio/translations", response_format="verbose_json")
    assert body.json()["task"] == "translate"


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"filename": "notes.txt"}, 400, "file must be one of the following types: [flac mp3"),
        ({"filename": "noext"}, 400, "file must be one of the following types"),
        ({"model": "llama-9"}, 404, "does not exist"),
        ({"model": MODEL}, 400, "does not support audio"),
        ({"temperature": "1.5"}, 400, "'temperature' : number must be at most 1"),
        ({"response_format": "srt"}, 400, "response_format"),
        ({"granularities": ["word"]}, 400, "verbose_json"),
        ({"data": b"RIFF\x00\x00\x00\x00not a wav" * 10}, 400, "valid media file"),
    ],
)
def test_audio_validation(
    http: httpx.Client, change: dict[str, Any], status: int, words: str
) -> None:
    response = transcribe(http, **change)
    assert response.status_code == status
    assert words in response.json()["error"]["message"]


def test_audio_without_a_file_or_model(http: httpx.Client) -> None:
    no_file = http.post("/audio/transcriptions", data={"model": "whisper-large-v3"}, files={})
    assert no_file.status_code == 400
    no_model = http.post("/audio/transcriptions", files={"file": ("a.wav", wav_bytes())})
    assert no_model.json()["error"] == {  # a schema error: no param (071)
        "message": "'model' : property 'model' is missing",
        "type": "invalid_request_error",
    }


def test_upload_over_the_limit_is_413(http: httpx.Client, loopback: LoopbackServer) -> None:
    loopback.max_upload_bytes = 1000
    response = transcribe(http)
    assert response.status_code == 413
    assert response.json() == {
        "error": {
            "message": "Request Entity Too Large",
            "type": "invalid_request_error",
            "code": "request_too_large",
        }
    }


def test_containers_soundfile_cannot_read_are_accepted(http: httpx.Client) -> None:
    response = transcribe(
        http, data=b"\x00\x00\x00\x18ftypM4A ", filename="memo.m4a", response_format="verbose_json"
    )
    assert response.status_code == 200
    assert response.json()["duration"] == 0


# -- standalone --------------------------------------------------------------------------------


def test_standalone_server_for_benchmarks() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.loopback", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline().strip()
        assert ready.startswith("READY http://127.0.0.1:") and ready.endswith("/openai/v1")
        base_url = ready.split(" ", 1)[1]
        body = {"model": "loopback-chunks-500", "messages": USER, "stream": True}
        response = httpx.post(f"{base_url}/chat/completions", json=body, timeout=10)
        assert content(response.text) == "".join(markdown_reply(500))
        assert response.text.endswith("data: [DONE]\n\n")
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


# -- fixtures -------------------------------------------------------------------------------


def test_every_test_gets_a_private_home(tmp_path: Path) -> None:
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        assert Path(os.environ[name]).is_relative_to(tmp_path)
    assert "GROQ_API_KEY" not in os.environ and "GROQ_BASE_URL" not in os.environ
