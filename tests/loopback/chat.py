"""``POST /openai/v1/chat/completions``: validation and replies shaped like the live service.

The reply text is an echo of the last user message (or ``LoopbackServer.reply_text``), cut
into token-sized pieces so that ``max_tokens``, ``stop``, JSON mode, tool calls and streaming
behave as they do live. Wire shapes follow corpus 030/031 (non-stream) and 051/034 (stream);
reasoning and compound models follow ``tests.loopback.reasoning``, the refusals beyond the
schema ``tests.loopback.rules``. Schema errors carry no ``param`` (071).
"""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass, field
from typing import Any

from tests.loopback import corpus, reasoning, rules, tools, wire
from tests.loopback.encoder import ChunkEncoder
from tests.loopback.markdown import markdown_reply, tokenize
from tests.loopback.reasoning import Reasoning
from tests.loopback.tools import ToolCall

# ``loopback-chunks-<N>[-rate-<R>]``: a markdown reply of N deltas (``loopback-reasoning-``:
# N reasoning deltas first, see ``tests.loopback.reasoning``).
_CHUNKS_MODEL = re.compile(r"loopback-(?:chunks|reasoning)-(\d+)(?:-rate-(\d+(?:\.\d+)?))?")
_CHAT_INCAPABLE = ("whisper-", "canopylabs/orpheus")
_ROLES = ("system", "user", "assistant", "tool", "function", "developer")


@dataclass(frozen=True)
class ChunksModel:
    n: int
    rate: float | None


def chunks_model(model: object) -> ChunksModel | None:
    """The ``loopback-{chunks,reasoning}-<N>[-rate-<R>]`` pseudo-model, if that is the id."""
    if not isinstance(model, str) or not (match := _CHUNKS_MODEL.fullmatch(model)):
        return None
    rate = float(match[2]) if match[2] else None
    return ChunksModel(int(match[1]), rate if rate else None)


# -- validation --------------------------------------------------------------------------------


def validate(body: object) -> dict[str, Any]:
    """Return the request body, or raise the ``ApiError`` the live API would answer with."""
    if not isinstance(body, dict):
        raise wire.ApiError(400, "'body' : value must be an object")
    for required in ("messages", "model"):
        if body.get(required) is None:
            raise wire.missing_property(required)
    _check_messages(body["messages"])
    n = body.get("n")
    if n is not None:
        _check_number(body, "n", 1, 1)
    _check_number(body, "temperature", 0, 2)
    _check_number(body, "top_p", 0, 1)
    _check_number(body, "frequency_penalty", -2, 2)
    _check_number(body, "presence_penalty", -2, 2)
    _check_number(body, "max_tokens", 1, None)
    _check_number(body, "max_completion_tokens", 1, None)
    _check_number(body, "top_logprobs", 0, 20)
    for name in ("response_format", "stream_options", "search_settings"):
        if body.get(name) is not None and not isinstance(body[name], dict):
            raise wire.ApiError(400, f"'{name}' : value must be an object")
    stop = body.get("stop")
    if isinstance(stop, list) and len(stop) > 4:
        raise wire.ApiError(400, "'stop' : array must have at most 4 items")
    if stop is not None and not isinstance(stop, str | list):
        raise wire.ApiError(400, "'stop' : value must be a string or an array")
    model = _check_model(body["model"])
    if model is not None:
        rules.check_request(body, model, _prompt_tokens(body["messages"]))
    return body


def _check_messages(messages: object) -> None:
    if not isinstance(messages, list):
        raise wire.ApiError(400, "'messages' : value must be an array")
    if not messages:
        raise wire.ApiError(400, "'messages' : minimum number of items is 1")
    for i, message in enumerate(messages):
        where = f"messages.{i}"
        if not isinstance(message, dict):
            raise wire.ApiError(400, f"'{where}' : value must be an object")
        role = message.get("role")
        if role not in _ROLES:
            raise wire.ApiError(400, f"'{where}.role' : value must be one of {list(_ROLES)}")
        content = message.get("content")
        if role in ("system", "user", "tool") and not isinstance(content, str | list):
            problem = (
                f"'{where}.content' : property 'content' is missing"
                if "content" not in message
                else f"'{where}.content' : value must be a string"
            )
            # Corpus 071's wording for a message that fails its role's schema.
            raise wire.ApiError(
                400,
                f"'{where}' : for 'role:{role}' the following must be satisfied[({problem})]",
            )


def _check_number(body: dict[str, Any], name: str, low: float, high: float | None) -> None:
    value = body.get(name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise wire.ApiError(400, f"'{name}' : value must be a number")
    if value < low:
        raise wire.ApiError(400, f"'{name}' : number must be at least {low}")
    if high is not None and value > high:
        raise wire.ApiError(400, f"'{name}' : number must be at most {high}")


def _check_model(model: object) -> dict[str, Any] | None:
    """The catalogue entry of a chat model (None for the pseudo-models), or raise."""
    if not isinstance(model, str):
        raise wire.ApiError(400, "'model' : value must be a string")
    if chunks_model(model):
        return None
    if model in rules.DECOMMISSIONED:
        raise rules.decommissioned(model)
    entry = corpus.find_model(model)
    if entry is None:
        raise wire.model_not_found(model)
    if model.startswith(_CHAT_INCAPABLE):
        raise wire.ApiError(
            400, f"The model `{model}` does not support chat completions", param="model"
        )
    return entry


# -- what the "model" answers ------------------------------------------------------------------


@dataclass
class Answer:
    """The generated reply, independent of whether it is streamed."""

    model: str
    pieces: list[str]
    finish_reason: str
    prompt_tokens: int
    tool_calls: list[ToolCall] = field(default_factory=list)
    function_call: ToolCall | None = None
    seed: int = field(default_factory=lambda: random.randrange(2**31))
    include_usage: bool = False
    reasoning: Reasoning | None = None
    service_tier: str = "on_demand"

    @property
    def content(self) -> str:
        return "".join(self.pieces)

    @property
    def completion_tokens(self) -> int:
        calls = [*self.tool_calls, *([self.function_call] if self.function_call else [])]
        thought = self.reasoning.tokens if self.reasoning and self.reasoning.mode != "inline" else 0
        tokens = len(self.pieces) + thought + sum(len(tokenize(c.arguments)) + 3 for c in calls)
        return max(1, tokens)

    @property
    def reasoning_tokens(self) -> int | None:
        """``completion_tokens_details.reasoning_tokens``, where the live model sends it."""
        if self.reasoning is None or not self.reasoning.token_details:
            return None
        return self.reasoning.tokens


def answer(
    body: dict[str, Any], reply_text: str | None, reasoning_text: str | None = None
) -> Answer:
    """Generate the reply to a validated request, honouring the parameters that shape it."""
    model: str = body["model"]
    seed = body.get("seed")
    tier = body.get("service_tier")
    result = Answer(
        model=model,
        pieces=[],
        finish_reason="stop",
        prompt_tokens=_prompt_tokens(body["messages"]),
        include_usage=_include_usage(body.get("stream_options")),
        service_tier=tier if tier in ("flex", "performance") else "on_demand",
    )
    if isinstance(seed, int) and not isinstance(seed, bool):
        result.seed = seed
    question = _last_user_text(body["messages"])
    result.reasoning = reasoning.plan(body, question, reasoning_text)
    calls = tools.forced_tool_calls(body)
    if calls:
        result.tool_calls = calls
        result.finish_reason = "tool_calls"
        return result
    if function_call := tools.forced_function_call(body):
        result.function_call = function_call
        result.finish_reason = "function_call"
        return result
    if bench := chunks_model(model):
        result.pieces = markdown_reply(bench.n)
        return result
    text = reply_text if reply_text is not None else "Echo: " + question
    if (body.get("response_format") or {}).get("type") in ("json_object", "json_schema"):
        text = json.dumps({"echo": text})
    text = _cut_at_stop(text, body.get("stop"))  # ends with finish_reason "stop", as live
    pieces = tokenize(text)
    limit = body.get("max_tokens") or body.get("max_completion_tokens")
    if isinstance(limit, int) and len(pieces) > limit:
        pieces = pieces[:limit]
        result.finish_reason = "length"
    if result.reasoning is not None and result.reasoning.mode == "inline":
        pieces = [*reasoning.think_block(result.reasoning), *pieces]
    result.pieces = pieces
    return result


def _include_usage(options: object) -> bool:
    return isinstance(options, dict) and bool(options.get("include_usage"))


def _text_of(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: keep the text ones
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return _text_of(message.get("content"))
    return ""


def _prompt_tokens(messages: list[dict[str, Any]]) -> int:
    return sum(4 + len(tokenize(_text_of(m.get("content")))) for m in messages)


def _cut_at_stop(text: str, stop: object) -> str:
    """The text before the first stop sequence (the sequence itself is not returned)."""
    sequences = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    cuts = [text.find(s) for s in sequences if isinstance(s, str) and s and s in text]
    return text[: min(cuts)] if cuts else text


# -- wire shapes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ids:
    """Identifiers shared by every chunk of one completion."""

    request_id: str = field(default_factory=wire.request_id)
    completion_id: str = field(default_factory=wire.completion_id)
    created: int = field(default_factory=wire.now)
    fingerprint: str = field(default_factory=wire.system_fingerprint)


def usage(
    prompt_tokens: int, completion_tokens: int, reasoning_tokens: int | None = None
) -> dict[str, Any]:
    """Usage in the live key order, with plausible timings (about 800 tokens/s), and the
    reasoning tokens last where a reasoning model sends them (032, 053)."""
    prompt_time = round(prompt_tokens * 0.00002, 9)
    completion_time = round(completion_tokens * 0.00125, 9)
    result: dict[str, Any] = {
        "queue_time": 0.012345678,
        "prompt_tokens": prompt_tokens,
        "prompt_time": prompt_time,
        "completion_tokens": completion_tokens,
        "completion_time": completion_time,
        "total_tokens": prompt_tokens + completion_tokens,
        "total_time": round(prompt_time + completion_time, 9),
    }
    if reasoning_tokens is not None:
        result["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
    return result


def result_usage(result: Answer) -> dict[str, Any]:
    return usage(result.prompt_tokens, result.completion_tokens, result.reasoning_tokens)


def _message(result: Answer) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant"}
    thought = result.reasoning
    if result.tool_calls and thought is not None and thought.mode == "field":
        message["reasoning"] = "".join(thought.pieces)  # gpt-oss calling a tool (003)
    if result.tool_calls:  # no "content" key at all, like corpus 031/038
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in result.tool_calls
        ]
    elif result.function_call:
        call = result.function_call
        message["function_call"] = {"name": call.name, "arguments": call.arguments}
    else:
        message["content"] = result.content
        if thought is not None and thought.mode == "field":
            message["reasoning"] = "".join(thought.pieces)  # 032, 056
        if thought is not None and thought.executed_tools:
            message["executed_tools"] = thought.executed_tools  # 008
    return message


def completion(result: Answer, ids: Ids) -> dict[str, Any]:
    """The non-streamed ``chat.completion`` object (key order of corpus 030)."""
    usage_ = result_usage(result)
    compound = result.reasoning is not None and bool(result.reasoning.executed_tools)
    return {
        "id": ids.completion_id,
        "object": "chat.completion",
        "created": ids.created,
        "model": result.model,
        "choices": [
            {
                "index": 0,
                "message": _message(result),
                "logprobs": None,
                "finish_reason": result.finish_reason,
            }
        ],
        "usage": usage_,
        "usage_breakdown": reasoning.usage_breakdown(usage_) if compound else None,
        "system_fingerprint": ids.fingerprint,
        "x_groq": {"id": ids.request_id, "seed": result.seed},  # seed always (030, 013)
        "service_tier": result.service_tier,
    }


def stream_events(result: Answer, ids: Ids) -> list[bytes]:
    """Every event of the streamed reply, ``data: [DONE]`` included."""
    encoder = ChunkEncoder(
        result.model, ids.completion_id, ids.created, ids.fingerprint, ids.request_id
    )
    calls = result.tool_calls
    events = [encoder.first(None if calls or result.function_call else "", result.seed)]
    thought = result.reasoning
    if thought is not None and thought.mode == "field":
        reasoning_events = [encoder.reasoning(p, thought.channel) for p in thought.pieces]
        # A compound model reports its tool runs mid-thought (017).
        half = len(reasoning_events) // 2
        tool_events = [
            encoder.chunk(delta) for delta in reasoning.executed_tool_deltas(thought.executed_tools)
        ]
        events.extend([*reasoning_events[:half], *tool_events, *reasoning_events[half:]])
    events.extend(encoder.content(piece) for piece in result.pieces)
    for index, call in enumerate(calls):
        # id, type and name first; then the arguments in pieces the client must join.
        head = {"id": call.id, "type": "function",
                "function": {"name": call.name, "arguments": ""}, "index": index}  # fmt: skip
        events.append(encoder.chunk({"tool_calls": [head]}))
        for piece in tokenize(call.arguments):
            delta = {"index": index, "function": {"arguments": piece}}
            events.append(encoder.chunk({"tool_calls": [delta]}))
    if function := result.function_call:
        events.append(encoder.chunk({"function_call": {"name": function.name, "arguments": ""}}))
        events.extend(
            encoder.chunk({"function_call": {"arguments": piece}})
            for piece in tokenize(function.arguments)
        )
    usage_ = result_usage(result)
    breakdown = (
        reasoning.usage_breakdown(usage_)
        if thought is not None and thought.executed_tools
        else None
    )
    events.append(encoder.last(result.finish_reason, usage_, result.include_usage, breakdown))
    if result.include_usage:
        events.append(encoder.usage_only(usage_, result.service_tier))
    events.append(wire.SSE_DONE)
    return events
