"""Reasoning, service tiers and built-in tools, through the client.

Every reasoning and compound recording of the corpus is replayed byte for byte and must come
out typed (reasoning, channel, executed tools, token details, tier), not dropped; the default
loopback server's reasoning models are read the same way; the parameters are refused before
sending where the service would refuse them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from groq_tui.api import (
    BadRequestError,
    ChatCompletion,
    FlexCapacityError,
    GroqClient,
    InvalidRequestParameter,
    ThinkSplitter,
    reasoning_efforts,
    split_think,
)
from tests.loopback import CORPUS_DIR, LoopbackServer, Reply
from tests.test_corpus_replay import reference_events

USER = [{"role": "user", "content": "What is 2+2?"}]
STREAMS = ["053", "054", "035", "016", "017", "019"]
COMPLETIONS = ["012", "013", "032", "056", "060", "003", "004", "008", "009"]


def recording(prefix: str) -> tuple[str, bytes]:
    (path,) = CORPUS_DIR.glob(f"{prefix}_*.body")
    return path.stem, path.read_bytes()


def delta_values(body: bytes, key: str) -> list[Any]:
    """Every ``choices[0].delta[key]`` of a recorded stream, by a reading of its own."""
    found = []
    for _, data in reference_events(body):
        if data == "[DONE]":
            break
        for choice in json.loads(data).get("choices", []):
            if key in choice["delta"]:
                found.append(choice["delta"][key])
    return found


@pytest.fixture
async def client(loopback: LoopbackServer) -> AsyncIterator[GroqClient]:
    async with GroqClient(api_key="test-key", base_url=loopback.base_url, max_retries=2) as c:
        yield c


# -- the recordings --------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", STREAMS)
async def test_recorded_streams_keep_their_reasoning(
    client: GroqClient, loopback: LoopbackServer, prefix: str
) -> None:
    name, body = recording(prefix)
    loopback.enqueue(Reply.recorded(name))
    stream = await client.chat.completions.create(model="m", messages=USER, stream=True)
    channels = [
        chunk.choices[0].delta.channel
        async for chunk in stream
        if chunk.choices and chunk.choices[0].delta.reasoning
    ]
    expected = "".join(r or "" for r in delta_values(body, "reasoning"))
    assert stream.reasoning == expected
    if prefix in ("053", "019"):  # gpt-oss marks its reasoning deltas
        assert expected and set(channels) == {"analysis"}
    if prefix in ("054", "016"):  # qwen3 / deepseek-r1 think inside the content
        assert stream.text.startswith("<think>") and "</think>" in stream.text
    else:
        assert stream.reasoning, f"{name} carries reasoning deltas"


async def test_recorded_gpt_oss_stream_types_usage_details_and_tier(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.enqueue(Reply.recorded("053"))
    stream = await client.chat.completions.create(model="m", messages=USER, stream=True)
    await stream.until_done()
    assert stream.usage is not None and stream.usage.reasoning_tokens == 46
    assert stream.usage.completion_tokens_details is not None
    assert stream.service_tier == "on_demand"
    assert stream.x_groq_id == "req_01k7fpjnh5e1xtsyw4v8bmxj6d"
    assert stream.text == "".join(c or "" for c in delta_values(recording("053")[1], "content"))


async def test_recorded_compound_stream_merges_its_tool_runs(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.enqueue(Reply.recorded("017"))
    stream = await client.chat.completions.create(model="m", messages=USER, stream=True)
    await stream.until_done()
    (tool,) = stream.executed_tools  # index 0 twice: started, then finished
    assert tool.type == "search"
    assert json.loads(tool.arguments) == {"query": "What is the weather in San Francisco today?"}
    assert tool.output is not None and tool.output.startswith("Title: Weather in San Francisco")
    assert tool.search_results is not None and tool.search_results.results
    first = tool.sources[0]
    assert (first.title, first.url) == ("Weather in San Francisco", "https://www.weatherapi.com/")
    assert stream.usage is not None and stream.usage.total_tokens == 5362
    assert stream.text.startswith("The weather in San Francisco today is partly cloudy")


@pytest.mark.parametrize("prefix", COMPLETIONS)
async def test_recorded_completions_keep_their_reasoning(
    client: GroqClient, loopback: LoopbackServer, prefix: str
) -> None:
    name, body = recording(prefix)
    loopback.enqueue(Reply.recorded(name))
    reply = await client.chat.completions.create(model="m", messages=USER)
    assert isinstance(reply, ChatCompletion)
    expected = json.loads(body)
    message = expected["choices"][0]["message"]
    assert reply.reasoning == (message.get("reasoning") or "")
    assert reply.service_tier == expected.get("service_tier")
    details = (expected.get("usage") or {}).get("completion_tokens_details")
    assert reply.usage is not None
    assert reply.usage.reasoning_tokens == (details["reasoning_tokens"] if details else None)
    cached = (expected["usage"].get("prompt_tokens_details") or {}).get("cached_tokens")
    assert reply.usage.cached_tokens == cached
    assert len(reply.executed_tools) == len(message.get("executed_tools") or [])
    if prefix in ("012", "060"):  # qwen3 without reasoning_format: <think> in the content
        assert reply.text.startswith("<think>") and not reply.reasoning
    if prefix == "008":
        (tool,) = reply.executed_tools
        assert tool.type == "search" and tool.sources and tool.sources[0].url
        assert reply.usage_breakdown is not None and reply.usage_breakdown.models


async def test_models_type_their_limits(client: GroqClient) -> None:
    listing = await client.models.list()
    qwen = next(m for m in listing.data if m.id == "qwen/qwen3-32b")
    assert (qwen.active, qwen.context_window, qwen.max_completion_tokens) == (True, 131072, 40960)


# -- the default loopback server's reasoning models ------------------------------------------


async def test_gpt_oss_streams_its_reasoning_first(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    stream = await client.chat.completions.create(
        model="openai/gpt-oss-20b", messages=USER, stream=True, reasoning_effort="low"
    )
    kinds = []
    async for chunk in stream:
        for choice in chunk.choices:
            if choice.delta.reasoning:
                assert choice.delta.channel == "analysis"
                kinds.append("reasoning")
            elif choice.delta.content:
                kinds.append("content")
    assert kinds == sorted(kinds, reverse=True) and "reasoning" in kinds and "content" in kinds
    assert "2+2" in stream.reasoning
    assert stream.text == "Echo: What is 2+2?"
    assert stream.usage is not None and stream.usage.reasoning_tokens
    assert loopback.requests[-1].json["reasoning_effort"] == "low"


async def test_qwen3_thinks_in_the_content_unless_parsed(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.reasoning_text = "Two and two make four."
    default = await client.chat.completions.create(model="qwen/qwen3-32b", messages=USER)
    assert default.text == "<think>\nTwo and two make four.\n</think>\n\nEcho: What is 2+2?"
    assert default.reasoning == "" and default.usage is not None
    assert default.usage.completion_tokens_details is None  # as in 060
    parsed = await client.chat.completions.create(
        model="qwen/qwen3-32b", messages=USER, reasoning_format="parsed"
    )
    assert (parsed.reasoning, parsed.text) == ("Two and two make four.", "Echo: What is 2+2?")
    hidden = await client.chat.completions.create(
        model="qwen/qwen3-32b", messages=USER, reasoning_format="hidden"
    )
    assert (hidden.reasoning, hidden.text) == ("", "Echo: What is 2+2?")
    assert hidden.usage is not None and hidden.usage.reasoning_tokens
    off = await client.chat.completions.create(
        model="qwen/qwen3-32b", messages=USER, reasoning_effort="none"
    )
    assert (off.reasoning, off.text) == ("", "Echo: What is 2+2?")


async def test_compound_reports_its_search_within_the_allowed_domains(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    settings = {"include_domains": ["arxiv.org", "nature.com"], "exclude_domains": ["nature.com"]}
    stream = await client.chat.completions.create(
        model="groq/compound", messages=USER, stream=True, search_settings=settings
    )
    await stream.until_done()
    (tool,) = stream.executed_tools
    assert [s.url for s in tool.sources] == ["https://arxiv.org/search/1"]
    assert stream.reasoning and stream.text == "Echo: What is 2+2?"
    assert loopback.requests[-1].json["search_settings"] == settings
    reply = await client.chat.completions.create(model="groq/compound", messages=USER)
    assert reply.executed_tools and reply.executed_tools[0].output
    assert reply.usage_breakdown is not None


async def test_tier_is_sent_and_echoed(client: GroqClient, loopback: LoopbackServer) -> None:
    reply = await client.chat.completions.create(
        model="llama-3.1-8b-instant", messages=USER, service_tier="performance"
    )
    assert reply.service_tier == "performance"
    assert loopback.requests[-1].json["service_tier"] == "performance"


async def test_flex_at_capacity_fails_fast_with_what_to_do(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    loopback.flex_capacity = False
    with pytest.raises(FlexCapacityError) as info:
        await client.chat.completions.create(
            model="llama-3.1-8b-instant", messages=USER, service_tier="flex"
        )
    assert info.value.status_code == 498 and info.value.code == "capacity_exceeded"
    assert "on_demand" in str(info.value)
    assert len(loopback.requests) == 1  # not retried, although the client retries twice
    again = await client.chat.completions.create(
        model="llama-3.1-8b-instant", messages=USER, service_tier="on_demand"
    )
    assert again.service_tier == "on_demand"


# -- refused before sending ------------------------------------------------------------------

JSON_MODE = {"type": "json_object"}
TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}


@pytest.mark.parametrize(
    ("model", "params", "param", "words"),
    [
        ("qwen/qwen3-32b", {"reasoning_format": "raw", "response_format": JSON_MODE},
         "reasoning_format", "JSON mode"),
        ("qwen/qwen3-32b", {"reasoning_format": "raw", "tools": [TOOL]},
         "reasoning_format", "tools"),
        ("openai/gpt-oss-20b", {"reasoning_format": "parsed", "include_reasoning": True},
         "include_reasoning", "reasoning_format"),
        ("qwen/qwen3-32b", {"reasoning_effort": "high"}, "reasoning_effort", "none, default"),
        ("openai/gpt-oss-120b", {"reasoning_effort": "none"}, "reasoning_effort", "low, medium"),
        ("qwen/qwen3-32b", {"reasoning_format": "shown"}, "reasoning_format", "hidden, raw"),
        ("llama-3.1-8b-instant", {"service_tier": "fast"}, "service_tier", "flex"),
        ("groq/compound", {"search_settings": {"include_domains": "arxiv.org"}},
         "search_settings.include_domains", "list"),
        ("groq/compound", {"search_settings": {"country": 7}}, "search_settings.country",
         "country"),
    ],
)  # fmt: skip
async def test_refused_combinations_name_the_parameter(
    client: GroqClient,
    loopback: LoopbackServer,
    model: str,
    params: dict[str, Any],
    param: str,
    words: str,
) -> None:
    with pytest.raises(InvalidRequestParameter) as info:
        await client.chat.completions.create(model=model, messages=USER, **params)
    assert info.value.param == param
    assert words in str(info.value)
    assert loopback.requests == []  # nothing was sent


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"reasoning_format": "raw", "response_format": JSON_MODE}, "reasoning_format"),
        ({"reasoning_format": "raw", "tools": [TOOL]}, "reasoning_format"),
        ({"reasoning_format": "parsed", "include_reasoning": False}, None),
        ({"reasoning_effort": "high"}, "reasoning_effort"),
    ],
)
async def test_the_server_refuses_what_the_client_refuses(
    client: GroqClient, loopback: LoopbackServer, params: dict[str, Any], param: str | None
) -> None:
    """The same combinations sent past the client's checks: the loopback server answers 400."""
    body = {"model": "qwen/qwen3-32b", "messages": USER, **params}
    with pytest.raises(BadRequestError) as info:
        await client.send("POST", "/chat/completions", json=body, max_retries=0)
    assert info.value.status_code == 400
    assert info.value.param == param
    assert info.value.error_type == "invalid_request_error"


def test_effort_values_per_family() -> None:
    assert reasoning_efforts("qwen/qwen3-32b") == ("none", "default")
    assert reasoning_efforts("openai/gpt-oss-120b") == ("low", "medium", "high")
    assert "medium" in reasoning_efforts("llama-3.3-70b-versatile")


async def test_valid_reasoning_parameters_are_sent_as_given(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    await client.chat.completions.create(
        model="openai/gpt-oss-120b",
        messages=USER,
        reasoning_effort="high",
        include_reasoning=False,
        service_tier="auto",
    )
    sent = loopback.requests[-1].json
    assert (sent["reasoning_effort"], sent["include_reasoning"], sent["service_tier"]) == (
        "high", False, "auto",
    )  # fmt: skip
    assert "reasoning_format" not in sent


# -- <think> in the content -----------------------------------------------------------------


def expected_split(content: str) -> tuple[str, str]:
    head, _, answer = content.partition("</think>")
    return head.removeprefix("<think>").strip("\n"), answer.lstrip("\n")


@pytest.mark.parametrize("prefix", ["054", "016"])
@pytest.mark.parametrize("size", [1, 3, 7, 64, 0])
def test_think_blocks_of_recorded_streams_split_under_any_cut(prefix: str, size: int) -> None:
    content = "".join(c or "" for c in delta_values(recording(prefix)[1], "content"))
    step = size or len(content)  # 0: the whole content in one piece
    pieces = [content[i : i + step] for i in range(0, len(content), step)]
    splitter = ThinkSplitter()
    parts = [splitter.feed(piece) for piece in pieces] + [splitter.flush()]
    reasoning = "".join(r for r, _ in parts)
    answer = "".join(a for _, a in parts)
    assert (reasoning, answer) == expected_split(content)
    assert reasoning and answer


@pytest.mark.parametrize("prefix", ["060", "012", "007"])
def test_think_blocks_of_recorded_completions(prefix: str) -> None:
    content = recording(prefix)[1] and json.loads(recording(prefix)[1])
    text = content["choices"][0]["message"]["content"]
    assert split_think(text) == expected_split(text)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Plain answer with <think> inside.", ("", "Plain answer with <think> inside.")),
        ("<think>\nstill thinking when cut", ("still thinking when cut", "")),
        ("  <thi", ("", "  <thi")),
        ("<think></think>Answer", ("", "Answer")),
        ("<think>a </thin", ("a </thin", "")),
    ],
)
def test_think_edge_cases(content: str, expected: tuple[str, str]) -> None:
    assert split_think(content) == expected
    splitter = ThinkSplitter()
    parts = [splitter.feed(ch) for ch in content] + [splitter.flush()]
    assert ("".join(r for r, _ in parts), "".join(a for _, a in parts)) == expected
