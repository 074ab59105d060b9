"""Every recorded live response, replayed through the loopback server to the client and CLI.

The corpus (tests/fixtures/groq-recorded, provenance in its SOURCES.md) holds 78 responses
that other projects recorded from the live service: chats, streams, tool calls, reasoning
fields, errors, model lists, transcriptions. Each is served byte for byte with its recorded
status and headers; the client must read it as the service meant it, and the CLI must print
what a user expects.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from groq_tui.__main__ import main
from groq_tui.api import (
    APIStatusError,
    ChatCompletion,
    GroqClient,
    RateLimitError,
    StreamError,
)
from groq_tui.api.errors import _STATUS_ERRORS
from groq_tui.api.thinking import split_think
from tests.loopback import CORPUS_DIR, LoopbackServer, Reply

ENTRIES = sorted(path.stem for path in CORPUS_DIR.glob("[0-9][0-9][0-9]_*.json"))


def entries(*kinds: str) -> list[str]:
    return [name for name in ENTRIES if name.split("_", 1)[1].split("__", 1)[0] in kinds]


def body_of(name: str) -> bytes:
    return (CORPUS_DIR / f"{name}.body").read_bytes()


def meta_of(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CORPUS_DIR / f"{name}.json").read_text())
    return data


def reference_events(body: bytes) -> list[tuple[str, str]]:
    """(event, data) pairs by the plain reading of the format, independent of the client."""
    text = body.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    events = []
    for block in re.split(r"\n\n+", text):
        event, data = "", []
        for line in block.split("\n"):
            if line.startswith(":") or not line:
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
        if data:
            events.append((event, "\n".join(data)))
    return events


def reference_stream(body: bytes) -> dict[str, Any]:
    """What a stream adds up to: content, reasoning, tool calls, built-in tool runs, usage,
    error message."""
    content: list[str] = []
    reasoning: list[str] = []
    executed: dict[int, dict[str, Any]] = {}
    tools: dict[int, dict[str, Any]] = {}
    usage = None
    error = None
    for event, data in reference_events(body):
        if data == "[DONE]":
            break
        payload = json.loads(data)
        if event == "error" or "error" in payload:
            error = payload.get("error", payload)
            break
        usage = payload.get("usage") or (payload.get("x_groq") or {}).get("usage") or usage
        for choice in payload.get("choices", []):
            delta = choice.get("delta") or {}
            if delta.get("content"):
                content.append(delta["content"])
            if delta.get("reasoning"):
                reasoning.append(delta["reasoning"])
            for run in delta.get("executed_tools") or []:
                executed.setdefault(run["index"], {}).update(run)
            for piece in delta.get("tool_calls") or []:
                call = tools.setdefault(piece["index"], {"id": "", "name": "", "arguments": ""})
                call["id"] = piece.get("id") or call["id"]
                function = piece.get("function") or {}
                call["name"] += function.get("name") or ""
                call["arguments"] += function.get("arguments") or ""
    return {
        "content": "".join(content),
        "reasoning": "".join(reasoning),
        "executed_tools": [executed[i] for i in sorted(executed)],
        "tools": [tools[i] for i in sorted(tools)],
        "usage": usage,
        "error": error,
    }


def test_the_corpus_is_all_here() -> None:
    assert len(ENTRIES) == 78
    kinds = {name.split("_", 1)[1].split("__", 1)[0] for name in ENTRIES}
    assert kinds == {
        "chat", "chat_stream", "chat_stream_error", "error", "models_list",
        "model_retrieve", "audio_transcription",
    }  # fmt: skip


@pytest.fixture
async def client(loopback: LoopbackServer) -> Any:
    async with GroqClient(api_key="test-key", base_url=loopback.base_url, max_retries=0) as c:
        yield c


USER = [{"role": "user", "content": "replay"}]


@pytest.mark.parametrize("name", entries("chat"))
async def test_chat(client: GroqClient, loopback: LoopbackServer, name: str) -> None:
    loopback.enqueue(Reply.recorded(name))
    reply = await client.chat.completions.create(model="m", messages=USER)
    assert isinstance(reply, ChatCompletion)
    expected = json.loads(body_of(name))
    # Nothing is lost: every field the service sent, known or not, survives parsing.
    assert reply.model_dump(mode="json", exclude_unset=True) == expected
    message = expected["choices"][0]["message"]
    assert reply.text == (message.get("content") or "")
    assert reply.reasoning == (message.get("reasoning") or "")
    assert len(reply.executed_tools) == len(message.get("executed_tools") or [])
    calls = reply.choices[0].message.tool_calls or []
    assert [c.function.name for c in calls] == [
        c["function"]["name"] for c in message.get("tool_calls") or []
    ]
    if expected.get("usage"):
        assert reply.usage is not None
        assert reply.usage.total_tokens == expected["usage"]["total_tokens"]


@pytest.mark.parametrize("name", entries("chat_stream"))
async def test_chat_stream(client: GroqClient, loopback: LoopbackServer, name: str) -> None:
    loopback.enqueue(Reply.recorded(name))
    stream = await client.chat.completions.create(model="m", messages=USER, stream=True)
    chunks = [chunk async for chunk in stream]
    expected = reference_stream(body_of(name))
    assert chunks
    assert stream.completed
    assert stream.text == expected["content"]
    assert stream.reasoning == expected["reasoning"]  # typed, not dropped (issue 11)
    assert [
        run.model_dump(mode="json", exclude_unset=True) for run in stream.executed_tools
    ] == expected["executed_tools"]
    assert [
        {"id": c.id, "name": c.function.name, "arguments": c.function.arguments}
        for c in stream.tool_calls
    ] == expected["tools"]
    if expected["usage"]:
        assert stream.usage is not None
        assert stream.usage.model_dump(exclude_unset=True) == expected["usage"]


@pytest.mark.parametrize("name", entries("chat_stream_error"))
async def test_chat_stream_error(client: GroqClient, loopback: LoopbackServer, name: str) -> None:
    loopback.enqueue(Reply.recorded(name))
    stream = await client.chat.completions.create(model="m", messages=USER, stream=True)
    expected = reference_stream(body_of(name))
    received: list[str] = []
    with pytest.raises(StreamError) as info:
        async for chunk in stream:
            received.extend(c.delta.content or "" for c in chunk.choices)
    assert "".join(received) == expected["content"]  # what came before the error is delivered
    assert info.value.message == expected["error"]["message"]


@pytest.mark.parametrize("name", entries("error"))
@pytest.mark.parametrize("stream", [False, True])
async def test_error(client: GroqClient, loopback: LoopbackServer, name: str, stream: bool) -> None:
    status = meta_of(name)["response"]["status"]
    loopback.enqueue(Reply.recorded(name))
    with pytest.raises(APIStatusError) as info:
        await client.chat.completions.create(model="m", messages=USER, stream=stream)
    error = info.value
    assert error.status_code == status
    assert type(error) is _STATUS_ERRORS.get(status, APIStatusError)
    body = json.loads(body_of(name))["error"]
    assert error.message == body["message"]
    assert error.error_type == body.get("type")
    assert error.code == (str(body["code"]) if body.get("code") is not None else None)
    if isinstance(error, RateLimitError):
        headers = {k.lower() for k in (meta_of(name)["response"].get("headers") or {})}
        assert (error.retry_after is not None) == ("retry-after" in headers)


@pytest.mark.parametrize("name", entries("models_list"))
async def test_models_list(client: GroqClient, loopback: LoopbackServer, name: str) -> None:
    loopback.enqueue(Reply.recorded(name))
    listing = await client.models.list()
    expected = json.loads(body_of(name))
    assert [m.id for m in listing.data] == [m["id"] for m in expected["data"]]
    assert listing.model_dump(mode="json", exclude_unset=True) == expected


@pytest.mark.parametrize("name", entries("model_retrieve"))
async def test_model_retrieve(client: GroqClient, loopback: LoopbackServer, name: str) -> None:
    loopback.enqueue(Reply.recorded(name))
    expected = json.loads(body_of(name))
    model = await client.models.retrieve(expected["id"])
    assert model.model_dump(mode="json", exclude_unset=True) == expected


def _audio_format(body: bytes) -> str:
    try:
        document = json.loads(body)
    except ValueError:
        return "text"
    return "verbose_json" if "segments" in document else "json"


@pytest.mark.parametrize("name", entries("audio_transcription"))
async def test_transcription(
    client: GroqClient, loopback: LoopbackServer, name: str, tmp_path: Path
) -> None:
    audio = tmp_path / "speech.wav"
    audio.write_bytes(b"RIFF0000WAVE")  # the recorded reply does not look at the upload
    body = body_of(name)
    response_format = _audio_format(body)
    loopback.enqueue(Reply.recorded(name))
    result = await client.audio.transcriptions.create(
        file=audio,
        response_format=response_format,  # type: ignore[arg-type]
    )
    if response_format == "text":
        assert result.text == body.decode("utf-8")
    else:
        expected = json.loads(body)
        assert result.text == expected["text"]
        assert result.model_dump(mode="json", exclude_unset=True) == expected
        if response_format == "verbose_json":
            assert result.segments
            assert [s.start for s in result.segments] == [s["start"] for s in expected["segments"]]


# -- what the CLI makes of them ------------------------------------------------------------


@pytest.mark.parametrize("name", entries("chat_stream", "chat_stream_error"))
def test_cli_prints_streams(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    cli_env.enqueue(Reply.recorded(name))
    code = main(["chat", "replay"])
    out, err = capsys.readouterr()
    expected = reference_stream(body_of(name))
    # A <think> block opening the content is reasoning: not on stdout (issue 11).
    answer = split_think(expected["content"])[1]
    text_lines = answer + ("\n" if answer and not answer.endswith("\n") else "")
    assert out.startswith(text_lines)
    tool_lines = [json.loads(line) for line in out[len(text_lines) :].splitlines() if line]
    assert [t["name"] for t in tool_lines] == [t["name"] for t in expected["tools"]]
    if expected["error"]:
        assert code == 1
        assert expected["error"]["message"][:60] in err
    else:
        assert (code, err) == (0, "")


@pytest.mark.parametrize("name", entries("error"))
def test_cli_reports_errors_in_one_line(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    cli_env.enqueue(Reply.recorded(name))
    code = main(["chat", "--no-stream", "replay"])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err.startswith("groq-tui: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err
    message = json.loads(body_of(name))["error"]["message"]
    assert message.splitlines()[0][:60] in err


@pytest.mark.parametrize("name", entries("models_list"))
def test_cli_lists_models(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    cli_env.enqueue(Reply.recorded(name))
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    expected = [m["id"] for m in json.loads(body_of(name))["data"]]
    assert sorted(line.split()[0] for line in out.splitlines()) == sorted(expected)
