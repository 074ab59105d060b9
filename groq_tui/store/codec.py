"""The JSON shapes of the domain's records, as saved in the history (and exported).

The one place where :class:`ReplyParameters`, :class:`Usage`, :class:`ReplyStats`,
:class:`ToolCall`, :class:`ExecutedTool` and :class:`ChatParameters` become JSON values and
back. Reading is
lenient: keys this version does not know are kept where the record has room for them
(``extra``) and ignored elsewhere, so a history written by another version still opens.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from groq_tui.domain.conversation import ChatParameters
from groq_tui.domain.records import (
    NO_EXTRA,
    ExecutedTool,
    ReplyParameters,
    ReplyStats,
    ToolCall,
    ToolSource,
    Usage,
)

JSONObject = dict[str, Any]

_JSON_MODE = {"type": "json_object"}
_REPLY_PARAMETERS_KNOWN = frozenset(
    (
        "temperature",
        "top_p",
        "frequency_penalty",
        "presence_penalty",
        "max_tokens",
        "seed",
        "stop",
        "response_format",
        "tools",
    )
)
_USAGE_COUNTS = ("prompt_tokens", "completion_tokens", "total_tokens")
_USAGE_TIMES = ("queue_time", "prompt_time", "completion_time", "total_time")
_USAGE_KNOWN = frozenset(_USAGE_COUNTS + _USAGE_TIMES)


_SETTINGS_SAVED_WHEN_SET = (
    "reasoning_effort",
    "reasoning_format",
    "include_reasoning",
    "service_tier",
    "search_include_domains",
    "search_exclude_domains",
    "search_country",
)


def chat_parameters_to_json(parameters: ChatParameters) -> JSONObject:
    """A conversation's settings as saved (the reasoning, tier and search settings only when
    set, so that settings saved before they existed read the same)."""
    data = dataclasses.asdict(parameters)
    for name in _SETTINGS_SAVED_WHEN_SET:
        if data[name] is None or data[name] == []:
            del data[name]
    return data


def chat_parameters_from_json(data: JSONObject | None) -> ChatParameters:
    """Settings from :func:`chat_parameters_to_json` output, ignoring unknown keys."""
    if not data:
        return ChatParameters()
    known = {f.name: data[f.name] for f in dataclasses.fields(ChatParameters) if f.name in data}
    return ChatParameters(**known)


def reply_parameters_to_json(parameters: ReplyParameters) -> JSONObject:
    """A reply's request parameters as saved: the request fields that were sent."""
    return parameters.to_request()


def reply_parameters_from_json(data: JSONObject) -> ReplyParameters:
    """The request parameters back from their saved request fields."""
    get = data.get
    stop = get("stop") or ()
    json_mode = get("response_format") == _JSON_MODE
    extra: Mapping[str, Any] = NO_EXTRA
    if not data.keys() <= _REPLY_PARAMETERS_KNOWN:
        extra = {key: value for key, value in data.items() if key not in _REPLY_PARAMETERS_KNOWN}
    if "response_format" in data and not json_mode:
        extra = {**extra, "response_format": data["response_format"]}
    return ReplyParameters(
        get("temperature"),
        get("top_p"),
        get("frequency_penalty"),
        get("presence_penalty"),
        get("max_tokens"),
        get("seed"),
        (stop,) if isinstance(stop, str) else tuple(stop),
        json_mode,
        tuple(get("tools") or ()),
        extra,
    )


def usage_to_json(usage: Usage) -> JSONObject:
    """The server's usage object as it sent it (times it did not send are left out)."""
    data: JSONObject = {name: getattr(usage, name) for name in _USAGE_COUNTS}
    data.update(
        (name, value) for name in _USAGE_TIMES if (value := getattr(usage, name)) is not None
    )
    data.update(usage.extra)
    return data


def usage_from_json(data: JSONObject) -> Usage:
    """A usage record from the server's (or a saved) usage object; unknown keys go to extra."""
    # Positional and without a loop: a long conversation decodes one per reply as it opens.
    get = data.get
    return Usage(
        get("prompt_tokens") or 0,
        get("completion_tokens") or 0,
        get("total_tokens") or 0,
        get("queue_time"),
        get("prompt_time"),
        get("completion_time"),
        get("total_time"),
        NO_EXTRA
        if data.keys() <= _USAGE_KNOWN
        else {key: value for key, value in data.items() if key not in _USAGE_KNOWN},
    )


def stats_to_json(stats: ReplyStats) -> JSONObject:
    """A reply's client-side figures as saved (with tokens per second, for other readers)."""
    data: JSONObject = {
        "time_to_first_token": stats.time_to_first_token,
        "duration": stats.duration,
        "tokens_per_second": stats.tokens_per_second,
        "completion_tokens": stats.completion_tokens,
    }
    if stats.thinking_time is not None:
        data["thinking_time"] = stats.thinking_time
    return data


def stats_from_json(data: JSONObject) -> ReplyStats | None:
    """The figures back (None when none were saved; tokens per second is recomputed)."""
    duration = data.get("duration")
    if duration is None:
        return None
    return ReplyStats(
        data.get("time_to_first_token"),
        duration,
        data.get("completion_tokens") or 0,
        data.get("thinking_time"),
    )


def tool_calls_to_json(calls: tuple[ToolCall, ...]) -> list[JSONObject] | None:
    """Tool calls as the API shapes them, or None for none."""
    return [call.to_api() for call in calls] or None


def tool_calls_from_json(data: list[JSONObject]) -> tuple[ToolCall, ...]:
    """Tool calls back from their API shape."""
    calls = []
    for item in data:
        function = item.get("function") or {}
        calls.append(
            ToolCall(
                id=str(item.get("id") or ""),
                name=str(function.get("name") or ""),
                arguments=str(function.get("arguments") or ""),
                type=str(item.get("type") or "function"),
            )
        )
    return tuple(calls)


def executed_tool_from_json(data: JSONObject) -> ExecutedTool:
    """A built-in tool run from the server's object (or a saved one), which it keeps whole."""
    found: list[JSONObject] = []
    search = data.get("search_results")
    if isinstance(search, dict) and isinstance(search.get("results"), list):
        found.extend(search["results"])
    if isinstance(data.get("browser_results"), list):
        found.extend(data["browser_results"])
    sources = tuple(
        ToolSource(str(item.get("title") or item["url"]), str(item["url"]))
        for item in found
        if isinstance(item, dict) and item.get("url")
    )
    output = data.get("output")
    return ExecutedTool(
        type=str(data.get("type") or ""),
        arguments=str(data.get("arguments") or ""),
        output=None if output is None else str(output),
        sources=sources,
        data=data,
    )


def executed_tools_to_json(tools: tuple[ExecutedTool, ...]) -> list[JSONObject] | None:
    """Built-in tool runs as the server sent them, or None for none."""
    return [dict(tool.data) for tool in tools] or None


def executed_tools_from_json(data: list[JSONObject]) -> tuple[ExecutedTool, ...]:
    """Built-in tool runs back from their saved objects."""
    return tuple(executed_tool_from_json(item) for item in data if isinstance(item, dict))
