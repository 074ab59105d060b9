"""The loopback server's reasoning, compound and refusal behaviour, pinned to the recordings.

Seen through raw httpx (and, at the end, the official SDK), so that the client's own
reading cannot hide a departure from the live shapes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import groq
import httpx
import pytest

from tests.loopback import CORPUS_DIR, LoopbackServer
from tests.test_loopback_server import chunks

USER = [{"role": "user", "content": "What is 15*3?"}]


@pytest.fixture
def http(loopback: LoopbackServer) -> Iterator[httpx.Client]:
    headers = {"Authorization": "Bearer test-key"}
    with httpx.Client(base_url=loopback.base_url, headers=headers, timeout=10) as client:
        yield client


def chat(http: httpx.Client, model: str, **body: Any) -> httpx.Response:
    return http.post("/chat/completions", json={"model": model, "messages": USER, **body})


def recorded_body(prefix: str) -> Any:
    (path,) = CORPUS_DIR.glob(f"{prefix}_*.body")
    return json.loads(path.read_bytes())


def delta_keys(stream_text: str) -> list[list[str]]:
    return [list(c["choices"][0]["delta"]) for c in chunks(stream_text) if c["choices"]]


# -- reasoning ---------------------------------------------------------------------------------


def test_gpt_oss_stream_has_the_shape_of_053(http: httpx.Client) -> None:
    response = chat(
        http, "openai/gpt-oss-120b", stream=True, stream_options={"include_usage": True}
    )
    keys = delta_keys(response.text)
    # role+content, reasoning deltas with their channel, content deltas, the empty last delta
    assert keys[0] == ["role", "content"]
    thinking = [k for k in keys if k == ["reasoning", "channel"]]
    assert thinking and keys[1 : 1 + len(thinking)] == thinking
    assert keys[1 + len(thinking)] == ["content"] and keys[-1] == []
    events = chunks(response.text)
    assert {c["choices"][0]["delta"].get("channel") for c in events[1 : 1 + len(thinking)]} == {
        "analysis"
    }
    last, usage_only = events[-2], events[-1]
    details = last["x_groq"]["usage"]["completion_tokens_details"]
    assert details == {"reasoning_tokens": len(thinking)}
    assert usage_only["usage"]["completion_tokens_details"] == details
    assert usage_only["service_tier"] == "on_demand"
    assert events[0]["x_groq"]["seed"] >= 0  # seed always sent (019, 030)


def test_gpt_oss_completion_has_message_reasoning(http: httpx.Client) -> None:
    body = chat(http, "openai/gpt-oss-20b", reasoning_effort="high").json()
    message = body["choices"][0]["message"]
    assert list(message) == ["role", "content", "reasoning"]
    assert "15*3" in message["reasoning"] and message["content"] == "Echo: What is 15*3?"
    assert list(body["usage"])[-1] == "completion_tokens_details"  # key order of 032
    assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0


def test_qwen3_default_is_think_tags_in_the_content_like_060(
    http: httpx.Client, loopback: LoopbackServer
) -> None:
    loopback.reasoning_text = "Fifteen times three is forty-five."
    body = chat(http, "qwen/qwen3-32b").json()
    content = body["choices"][0]["message"]["content"]
    assert content == "<think>\nFifteen times three is forty-five.\n</think>\n\nEcho: What is 15*3?"
    assert "reasoning" not in body["choices"][0]["message"]
    assert "completion_tokens_details" not in body["usage"]
    recorded = recorded_body("060")["choices"][0]["message"]["content"]
    assert recorded.startswith("<think>\n") and "\n</think>\n\n" in recorded
    streamed = chat(http, "qwen/qwen3-32b", stream=True).text
    assert delta_keys(streamed)[1:3] == [["content"], ["content"]]  # as 054
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks(streamed))
    assert text == content


def test_parsed_raw_hidden_and_include_reasoning(http: httpx.Client) -> None:
    parsed = chat(http, "qwen/qwen3-32b", stream=True, reasoning_format="parsed").text
    assert ["reasoning"] in delta_keys(parsed)  # no channel for qwen3 (035)
    raw = chat(http, "openai/gpt-oss-20b", reasoning_format="raw").json()
    assert raw["choices"][0]["message"]["content"].startswith("<think>\n")
    for hidden in ({"reasoning_format": "hidden"}, {"include_reasoning": False}):
        body = chat(http, "openai/gpt-oss-20b", **hidden).json()
        assert "reasoning" not in body["choices"][0]["message"]
        assert body["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0
    included = chat(http, "qwen/qwen3-32b", include_reasoning=True).json()
    assert included["choices"][0]["message"]["reasoning"]


def test_other_models_never_reason(http: httpx.Client) -> None:
    body = chat(http, "llama-3.3-70b-versatile", reasoning_format="parsed").json()
    assert list(body["choices"][0]["message"]) == ["role", "content"]
    assert "completion_tokens_details" not in body["usage"]


def test_gpt_oss_tool_call_keeps_its_reasoning_like_003(http: httpx.Client) -> None:
    tool = {"type": "function", "function": {"name": "lookup", "parameters": {}}}
    body = chat(http, "openai/gpt-oss-120b", tools=[tool], tool_choice="required").json()
    message = body["choices"][0]["message"]
    assert set(message) == set(recorded_body("003")["choices"][0]["message"])
    assert body["choices"][0]["finish_reason"] == "tool_calls"


def test_reasoning_pseudo_model_for_long_thinking(http: httpx.Client) -> None:
    keys = delta_keys(chat(http, "loopback-reasoning-50", stream=True).text)
    assert keys.count(["reasoning", "channel"]) == 50
    assert keys.count(["content"]) == 50


# -- compound ----------------------------------------------------------------------------------


def test_compound_stream_reports_its_search_like_017(http: httpx.Client) -> None:
    response = chat(
        http, "groq/compound", stream=True, search_settings={"include_domains": ["arxiv.org"]}
    )
    events = chunks(response.text)
    tools = [
        c["choices"][0]["delta"]["executed_tools"]
        for c in events
        if c["choices"] and "executed_tools" in c["choices"][0]["delta"]
    ]
    assert len(tools) == 2  # the same index twice: started, then finished
    started, finished = tools[0][0], tools[1][0]
    assert started["index"] == finished["index"] == 0
    assert started["search_results"] == {"results": []} and "output" not in started
    assert [r["url"] for r in finished["search_results"]["results"]] == [
        "https://arxiv.org/search/1"
    ]
    recorded = recorded_body("008")["choices"][0]["message"]["executed_tools"][0]
    assert set(finished) == set(recorded)
    assert set(finished["search_results"]["results"][0]) == set(
        recorded["search_results"]["results"][0]
    )
    assert "usage_breakdown" in events[-1]["x_groq"]


def test_compound_completion_like_008(http: httpx.Client) -> None:
    body = chat(http, "groq/compound-mini").json()
    assert set(body["choices"][0]["message"]) == set(recorded_body("008")["choices"][0]["message"])
    assert body["usage_breakdown"]["models"][0]["usage"] == body["usage"]


# -- tiers -------------------------------------------------------------------------------------


def test_tiers_are_echoed_and_flex_can_fail_fast(
    http: httpx.Client, loopback: LoopbackServer
) -> None:
    assert chat(http, "llama-3.1-8b-instant", service_tier="flex").json()["service_tier"] == "flex"
    assert chat(http, "llama-3.1-8b-instant", service_tier="auto").json()["service_tier"] == (
        "on_demand"
    )
    loopback.flex_capacity = False
    response = chat(http, "llama-3.1-8b-instant", service_tier="flex", stream=True)
    assert response.status_code == 498
    assert response.json()["error"]["code"] == "capacity_exceeded"
    assert chat(http, "llama-3.1-8b-instant", service_tier="on_demand").status_code == 200


# -- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "model", "body"),
    [
        ("047", "llama3-70b-8192", {}),
        ("048", "mistral-saba-24b", {"stream": True}),
        (
            "049",
            "meta-llama/llama-guard-4-12b",
            {"tools": [{"type": "function", "function": {"name": "get_weather"}}]},
        ),
        ("070", "allam-2-7b", {"messages": [{"role": "user", "content": "word " * 5000}]}),
    ],
)
def test_refusals_are_the_recorded_ones(
    http: httpx.Client, prefix: str, model: str, body: dict[str, Any]
) -> None:
    response = http.post("/chat/completions", json={"model": model, "messages": USER, **body})
    assert response.status_code == 400
    assert response.json() == recorded_body(prefix)
    assert "x-ratelimit-limit-requests" not in response.headers


def test_a_request_larger_than_the_token_limit_is_the_413_of_067(http: httpx.Client) -> None:
    response = chat(http, "llama-3.3-70b-versatile", max_tokens=8000)
    assert response.status_code == 413
    error = response.json()["error"]
    recorded = recorded_body("067")["error"]
    assert (error["type"], error["code"]) == (recorded["type"], recorded["code"])
    assert error["message"].startswith("Request too large for model `llama-3.3-70b-versatile`")
    assert "Limit 6000, Requested 80" in error["message"]


def test_max_tokens_above_the_models_limit(http: httpx.Client) -> None:
    response = chat(http, "meta-llama/llama-guard-4-12b", max_tokens=2048)
    assert response.status_code == 400
    assert response.json()["error"] == {
        "message": "`max_tokens` must be less than or equal to `1024`, the maximum value for "
        "`max_tokens` is less than the `context_window` for this model",
        "type": "invalid_request_error",
        "param": "max_tokens",
    }


def test_reset_headers_are_written_as_the_service_writes_them(http: httpx.Client) -> None:
    value = chat(http, "llama-3.1-8b-instant").headers["x-ratelimit-reset-tokens"]
    seconds, _, fraction = value.removesuffix("ms").removesuffix("s").partition(".")
    assert seconds.isdigit() and (not fraction or fraction.isdigit())


# -- the official SDK reads it ----------------------------------------------------------------


def test_the_official_sdk_reads_reasoning_and_tools(loopback: LoopbackServer) -> None:
    with groq.Groq(api_key="test-key", base_url=loopback.origin, max_retries=0) as sdk:
        reply = sdk.chat.completions.create(model="openai/gpt-oss-120b", messages=USER)  # type: ignore[arg-type]
        assert reply.choices[0].message.reasoning
        assert reply.usage is not None and reply.usage.completion_tokens_details is not None
        compound = sdk.chat.completions.create(model="groq/compound", messages=USER)  # type: ignore[arg-type]
        tools = compound.choices[0].message.executed_tools
        assert tools and tools[0].search_results is not None
        with pytest.raises(groq.BadRequestError, match="decommissioned"):
            sdk.chat.completions.create(model="llama3-70b-8192", messages=USER)  # type: ignore[arg-type]
