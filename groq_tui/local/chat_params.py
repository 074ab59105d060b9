"""A Groq chat request checked and turned into a llama.cpp server request.

Each parameter is either passed through because llama.cpp honours it (sampling, penalties,
seed, stop, logit bias, log probabilities, JSON mode and schemas via its grammar engine, tools
when the model's chat template supports them) or refused with the service's 400 error. A
parameter the engine cannot honour is never silently dropped: a user who asks for something
must learn that they did not get it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from groq_tui.local.errors import EngineError, invalid, unsupported

PASSED_THROUGH = (
    "temperature",
    "top_p",
    "seed",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "logprobs",
    "top_logprobs",
)
"""Parameters llama.cpp's server implements with the API's meaning, sent on as given."""

_REFUSED = {
    "reasoning_format": "the local models do not produce separate reasoning",
    "reasoning_effort": "the local models do not produce separate reasoning",
    "include_reasoning": "the local models do not produce separate reasoning",
    "functions": "use 'tools' instead (functions is deprecated)",
    "function_call": "use 'tool_choice' instead (function_call is deprecated)",
    "search_settings": "the engine has no built-in web search",
    "exclude_domains": "the engine has no built-in web search",
    "include_domains": "the engine has no built-in web search",
    "documents": "the engine has no document retrieval",
    "citation_options": "the engine has no document retrieval",
    "compound_custom": "the engine has no compound systems",
    "metadata": "the engine stores nothing",
    "store": "the engine stores nothing",
}
"""Service parameters the engine knows but cannot honour, with the reason it gives."""

_ROLES = ("system", "user", "assistant", "tool")
_LOCAL_SERVICE_TIERS = (None, "auto", "on_demand")


@dataclass(frozen=True, slots=True)
class ChatCapabilities:
    """What a loaded chat model can do, as llama.cpp reports it.

    Attributes:
        model_id: The id clients use for the model.
        supports_tools: Whether its chat template renders tools and tool calls.
    """

    model_id: str
    supports_tools: bool


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """A checked request, ready for llama.cpp.

    Attributes:
        payload: The body for llama.cpp's chat completions handler.
        stream: Whether the client asked for server-sent events.
        include_usage: Whether it asked for the extra usage chunk (stream_options).
    """

    payload: dict[str, Any]
    stream: bool
    include_usage: bool


def _number(param: str, value: Any, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid(param, f"must be a number between {low:g} and {high:g}")
    if not math.isfinite(value) or not low <= value <= high:
        raise invalid(param, f"must be between {low:g} and {high:g}, got {value:g}")


def _integer(param: str, value: Any, low: int | None = None, high: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(param, f"must be an integer, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        bound = f"at least {low}" if high is None else f"between {low} and {high}"
        raise invalid(param, f"must be {bound}, got {value}")


def check_messages(messages: Any) -> None:
    """Check roles and content; only text content is accepted (no image or audio parts).

    Raises:
        EngineError: A message is malformed or carries content the model cannot read.
    """
    if isinstance(messages, str | bytes) or not isinstance(messages, Sequence) or not messages:
        raise invalid("messages", "must be a non-empty list of messages")
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, Mapping):
            raise invalid(where, "must be an object with 'role' and 'content'")
        if message.get("role") not in _ROLES:
            raise invalid(f"{where}.role", f"must be one of {', '.join(_ROLES)}")
        content = message.get("content")
        if content is None or isinstance(content, str):
            continue
        if not isinstance(content, Sequence):
            raise invalid(f"{where}.content", "must be a string or a list of content parts")
        for part in content:
            kind = part.get("type") if isinstance(part, Mapping) else None
            if kind != "text":
                raise unsupported(
                    f"{where}.content",
                    f"the local chat models read text only, not {kind or 'this'} content parts",
                )


def _check_sampling(body: Mapping[str, Any]) -> None:
    for param, low, high in (
        ("temperature", 0, 2),
        ("top_p", 0, 1),
        ("presence_penalty", -2, 2),
        ("frequency_penalty", -2, 2),
    ):
        if body.get(param) is not None:
            _number(param, body[param], low, high)
    if body.get("seed") is not None:
        _integer("seed", body["seed"])
    stop = body.get("stop")
    if stop is not None and not isinstance(stop, str):
        if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
            raise invalid("stop", "must be a string or a list of strings")
        if len(stop) > 4:
            raise invalid("stop", f"at most 4 sequences are allowed, got {len(stop)}")
    logit_bias = body.get("logit_bias")
    if logit_bias is not None:
        if not isinstance(logit_bias, Mapping):
            raise invalid("logit_bias", "must map token ids to biases")
        for token, bias in logit_bias.items():
            if not str(token).isdigit():
                raise invalid("logit_bias", f"keys must be token ids, got {token!r}")
            _number(f"logit_bias[{token}]", bias, -100, 100)
    if body.get("top_logprobs") is not None:
        _integer("top_logprobs", body["top_logprobs"], 0, 20)
        if not body.get("logprobs"):
            raise invalid("top_logprobs", "requires logprobs=true")


def _max_tokens(body: Mapping[str, Any]) -> int | None:
    value = body.get("max_completion_tokens")
    param = "max_completion_tokens"
    if value is None:
        value, param = body.get("max_tokens"), "max_tokens"
    if value is None:
        return None
    _integer(param, value, 1)
    return int(value)


def _response_format(body: Mapping[str, Any]) -> dict[str, Any] | None:
    response_format = body.get("response_format")
    if response_format is None:
        return None
    kind = response_format.get("type") if isinstance(response_format, Mapping) else None
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        if not isinstance(spec, Mapping) or not isinstance(spec.get("schema"), Mapping):
            raise invalid("response_format", "json_schema needs {'json_schema': {'schema': {...}}}")
        return {"type": "json_schema", "json_schema": dict(spec)}
    raise invalid("response_format", "type must be one of text, json_object, json_schema")


def _tools(body: Mapping[str, Any], capabilities: ChatCapabilities) -> dict[str, Any]:
    tools = body.get("tools")
    tool_choice = body.get("tool_choice")
    if not tools and tool_choice not in (None, "none", "auto"):
        raise invalid("tool_choice", "asks for a tool call but no tools were given")
    if not tools or tool_choice == "none":
        # No tools, or tools the model is told not to call: the answer is the same as without.
        return {}
    if not isinstance(tools, list):
        raise invalid("tools", "must be a list of tools")
    if not capabilities.supports_tools:
        raise unsupported(
            "tools",
            f"the chat template of `{capabilities.model_id}` cannot render tools; "
            "add a GGUF model whose template supports tool calls",
        )
    fields: dict[str, Any] = {"tools": tools}
    if tool_choice is not None:
        fields["tool_choice"] = tool_choice
    if body.get("parallel_tool_calls") is not None:
        fields["parallel_tool_calls"] = bool(body["parallel_tool_calls"])
    return fields


def _stream_flags(body: Mapping[str, Any]) -> tuple[bool, bool]:
    stream = body.get("stream") or False
    if not isinstance(stream, bool):
        raise invalid("stream", "must be true or false")
    options = body.get("stream_options")
    if options is None:
        return stream, False
    if not stream:
        raise invalid("stream_options", "is only allowed with stream=true")
    if not isinstance(options, Mapping):
        raise invalid("stream_options", "must be an object")
    for key in options:
        if key != "include_usage":
            raise unsupported(f"stream_options.{key}", "only include_usage is implemented")
    return stream, bool(options.get("include_usage"))


def _refuse_unknown(body: Mapping[str, Any]) -> None:
    known = {
        *PASSED_THROUGH,
        "model",
        "messages",
        "n",
        "max_tokens",
        "max_completion_tokens",
        "response_format",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "stream",
        "stream_options",
        "user",
        "service_tier",
    }
    for param, value in body.items():
        if param in known or value is None or (param == "store" and value is False):
            continue
        raise unsupported(param, _REFUSED.get(param, "it is not a parameter the engine knows"))
    n = body.get("n")
    if n is not None and n != 1:
        raise invalid("n", f"must be 1 (the only value supported), got {n!r}")
    if body.get("service_tier") not in _LOCAL_SERVICE_TIERS:
        raise unsupported("service_tier", "the engine has a single on-demand tier")


def build_chat_request(body: Mapping[str, Any], capabilities: ChatCapabilities) -> ChatRequest:
    """Check a chat request and build what llama.cpp's handler is given.

    ``user`` is accepted and not passed on: it labels the end user for abuse monitoring,
    which has no meaning on a loopback engine.

    Args:
        body: The JSON body the client sent.
        capabilities: What the requested model can do.

    Returns:
        The request for llama.cpp, with the streaming choices the response must honour.

    Raises:
        EngineError: A parameter is invalid or cannot be honoured (status 400).
    """
    _refuse_unknown(body)
    check_messages(body.get("messages"))
    _check_sampling(body)
    stream, include_usage = _stream_flags(body)
    payload: dict[str, Any] = {"messages": list(body["messages"])}
    payload.update({k: body[k] for k in PASSED_THROUGH if body.get(k) is not None})
    max_tokens = _max_tokens(body)
    if max_tokens is not None:
        payload["max_tokens"] = max_tokens
    response_format = _response_format(body)
    if response_format is not None:
        payload["response_format"] = response_format
    payload.update(_tools(body, capabilities))
    if stream:
        # Usage always travels with the stream: the final chunk's x_groq.usage needs it.
        payload["stream"] = True
        payload["stream_options"] = {"include_usage": True}
    return ChatRequest(payload=payload, stream=stream, include_usage=include_usage)


def requested_model(body: Any) -> str:
    """The ``model`` of a request body, checked to be a non-empty string.

    Raises:
        EngineError: The body is not an object or names no model.
    """
    if not isinstance(body, Mapping):
        raise EngineError("the request body must be a JSON object", code="invalid_body")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise invalid("model", "is required")
    return model
