"""Request validation with the limits the API reference states.

A value outside the documented range raises :class:`InvalidRequestParameter` naming the
parameter and the allowed range before anything is sent: a user learns what to fix at once
instead of paying a round trip (and, for audio, an upload) to be told by the server.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from groq_tui.api.errors import InvalidRequestParameter, UnsupportedAudioFormat

AUDIO_EXTENSIONS = ("flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm")
"""The upload formats the audio endpoints accept."""

AUDIO_RESPONSE_FORMATS = ("json", "text", "verbose_json")
TIMESTAMP_GRANULARITIES = ("word", "segment")
MESSAGE_ROLES = ("system", "user", "assistant", "tool")
MAX_STOP_SEQUENCES = 4
MAX_TOOLS = 128
TOOL_CHOICE_MODES = ("none", "auto", "required")

AudioResponseFormat = Literal["json", "text", "verbose_json"]

REASONING_FORMATS = ("hidden", "raw", "parsed")
REASONING_EFFORTS = ("none", "default", "low", "medium", "high")
SERVICE_TIERS = ("auto", "on_demand", "flex", "performance")
JSON_MODES = ("json_object", "json_schema")
SEARCH_DOMAIN_LISTS = ("include_domains", "exclude_domains")

ReasoningFormat = Literal["hidden", "raw", "parsed"]
ReasoningEffort = Literal["none", "default", "low", "medium", "high"]
ServiceTier = Literal["auto", "on_demand", "flex", "performance"]


def reasoning_efforts(model: str) -> tuple[str, ...]:
    """The ``reasoning_effort`` values a model family accepts (Groq's reasoning docs).

    Qwen3 models switch thinking off or on (``none``/``default``); gpt-oss models think at
    ``low``/``medium``/``high``. Other models: every value the API defines (the server
    decides).
    """
    name = model.lower()
    if "qwen3" in name:
        return ("none", "default")
    if "gpt-oss" in name:
        return ("low", "medium", "high")
    return REASONING_EFFORTS


def check_range(param: str, value: float | None, low: float, high: float) -> None:
    """Raise unless ``value`` is None or a finite number within [low, high]."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRequestParameter(param, f"must be a number between {low:g} and {high:g}")
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidRequestParameter(param, f"must be between {low:g} and {high:g}, got {value:g}")


def _check_int(param: str, value: Any, low: int | None = None, high: int | None = None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequestParameter(param, f"must be a whole number, got {value!r}")
    if low is not None and value < low:
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise InvalidRequestParameter(param, f"must be {bound}, got {value}")
    if high is not None and value > high:
        raise InvalidRequestParameter(param, f"must be between {low} and {high}, got {value}")


def check_messages(messages: Sequence[Mapping[str, Any]]) -> None:
    """Check the conversation has the shape the API requires (roles, tool links)."""
    if isinstance(messages, str | bytes) or not isinstance(messages, Sequence):
        raise InvalidRequestParameter("messages", "must be a list of message objects")
    if not messages:
        raise InvalidRequestParameter("messages", "must contain at least one message")
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, Mapping):
            raise InvalidRequestParameter(where, "must be an object with 'role' and 'content'")
        role = message.get("role")
        if role not in MESSAGE_ROLES:
            raise InvalidRequestParameter(
                f"{where}.role", f"must be one of {', '.join(MESSAGE_ROLES)}, got {role!r}"
            )
        if role == "tool" and not message.get("tool_call_id"):
            raise InvalidRequestParameter(
                f"{where}.tool_call_id", "is required on a tool message (the call it answers)"
            )
        if role == "assistant":
            if message.get("content") is None and not (
                message.get("tool_calls") or message.get("function_call")
            ):
                raise InvalidRequestParameter(
                    f"{where}.content", "an assistant message needs content or tool_calls"
                )
        elif "content" not in message or message["content"] is None:
            raise InvalidRequestParameter(f"{where}.content", f"is required on a {role} message")


def check_stop(stop: str | Sequence[str] | None) -> None:
    """At most four stop sequences, each a string."""
    if stop is None or isinstance(stop, str):
        return
    stops = list(stop)
    if len(stops) > MAX_STOP_SEQUENCES:
        raise InvalidRequestParameter(
            "stop", f"at most {MAX_STOP_SEQUENCES} sequences are allowed, got {len(stops)}"
        )
    if not all(isinstance(s, str) for s in stops):
        raise InvalidRequestParameter("stop", "every stop sequence must be a string")


def check_tools(tools: Sequence[Mapping[str, Any]] | None, tool_choice: Any) -> None:
    """At most 128 function tools; tool_choice none/auto/required or a named function."""
    if tools is not None:
        if len(tools) > MAX_TOOLS:
            raise InvalidRequestParameter(
                "tools", f"at most {MAX_TOOLS} tools are allowed, got {len(tools)}"
            )
        for i, tool in enumerate(tools):
            if not isinstance(tool, Mapping) or tool.get("type") != "function":
                raise InvalidRequestParameter(
                    f"tools[{i}]", "only {'type': 'function', 'function': {...}} is supported"
                )
            function = tool.get("function")
            if not isinstance(function, Mapping) or not function.get("name"):
                raise InvalidRequestParameter(f"tools[{i}].function.name", "is required")
    if tool_choice is None:
        return
    if isinstance(tool_choice, str):
        if tool_choice not in TOOL_CHOICE_MODES:
            raise InvalidRequestParameter(
                "tool_choice",
                f"must be one of {', '.join(TOOL_CHOICE_MODES)} or a named function, "
                f"got {tool_choice!r}",
            )
        return
    function = tool_choice.get("function") if isinstance(tool_choice, Mapping) else None
    if not isinstance(function, Mapping) or not function.get("name"):
        raise InvalidRequestParameter(
            "tool_choice",
            'a named choice must look like {"type": "function", "function": {"name": "..."}}',
        )


def check_chat_params(body: Mapping[str, Any]) -> None:
    """Validate a chat request body; raises before anything is sent."""
    if not body.get("model"):
        raise InvalidRequestParameter("model", "is required (for example llama-3.3-70b-versatile)")
    check_messages(body.get("messages", ()))
    check_range("temperature", body.get("temperature"), 0, 2)
    check_range("top_p", body.get("top_p"), 0, 1)
    check_range("frequency_penalty", body.get("frequency_penalty"), -2, 2)
    check_range("presence_penalty", body.get("presence_penalty"), -2, 2)
    n = body.get("n")
    if n is not None and n != 1:
        raise InvalidRequestParameter("n", f"must be 1 (the only value the API supports), got {n}")
    _check_int("max_tokens", body.get("max_tokens"), 1)
    _check_int("seed", body.get("seed"))
    check_stop(body.get("stop"))
    check_tools(body.get("tools"), body.get("tool_choice"))
    top_logprobs = body.get("top_logprobs")
    _check_int("top_logprobs", top_logprobs, 0, 20)
    if top_logprobs is not None and not body.get("logprobs"):
        raise InvalidRequestParameter("top_logprobs", "requires logprobs=True")
    stream_options = body.get("stream_options")
    if stream_options is not None and not body.get("stream"):
        raise InvalidRequestParameter("stream_options", "is only allowed with stream=True")
    response_format = body.get("response_format")
    if response_format is not None and (
        not isinstance(response_format, Mapping) or "type" not in response_format
    ):
        raise InvalidRequestParameter(
            "response_format", 'must be an object such as {"type": "json_object"}'
        )
    logit_bias = body.get("logit_bias")
    if logit_bias is not None:
        if not isinstance(logit_bias, Mapping):
            raise InvalidRequestParameter("logit_bias", "must map token ids to biases")
        for token, bias in logit_bias.items():
            check_range(f"logit_bias[{token}]", bias, -100, 100)
    check_reasoning(body)
    check_service_tier(body.get("service_tier"))
    check_search_settings(body.get("search_settings"))
    if body.get("functions") is not None or body.get("function_call") is not None:
        warnings.warn(
            "functions and function_call are deprecated by the API; use tools and tool_choice",
            DeprecationWarning,
            stacklevel=4,
        )


def _one_of(param: str, value: Any, allowed: Sequence[str]) -> None:
    if value is not None and value not in allowed:
        raise InvalidRequestParameter(param, f"must be one of {', '.join(allowed)}, got {value!r}")


def check_reasoning(body: Mapping[str, Any]) -> None:
    """``reasoning_format``, ``include_reasoning`` and ``reasoning_effort``, with the
    combinations the service refuses with a 400 refused here instead."""
    reasoning_format = body.get("reasoning_format")
    include_reasoning = body.get("include_reasoning")
    effort = body.get("reasoning_effort")
    _one_of("reasoning_format", reasoning_format, REASONING_FORMATS)
    if include_reasoning is not None and not isinstance(include_reasoning, bool):
        raise InvalidRequestParameter(
            "include_reasoning", f"must be true or false, got {include_reasoning!r}"
        )
    if include_reasoning is not None and reasoning_format is not None:
        raise InvalidRequestParameter(
            "include_reasoning",
            "cannot be combined with reasoning_format; send one of the two",
        )
    if reasoning_format == "raw":
        response_format = body.get("response_format")
        mode = response_format.get("type") if isinstance(response_format, Mapping) else None
        if mode in JSON_MODES:
            raise InvalidRequestParameter(
                "reasoning_format",
                f"raw cannot be combined with JSON mode (response_format {mode}); "
                "use parsed or hidden",
            )
        if body.get("tools"):
            raise InvalidRequestParameter(
                "reasoning_format", "raw cannot be combined with tools; use parsed or hidden"
            )
    if effort is not None:
        model = body.get("model")
        allowed = reasoning_efforts(model if isinstance(model, str) else "")
        if effort not in allowed:
            family = "" if allowed == REASONING_EFFORTS else f" for {model}"
            raise InvalidRequestParameter(
                "reasoning_effort", f"must be one of {', '.join(allowed)}{family}, got {effort!r}"
            )


def check_service_tier(service_tier: Any) -> None:
    """One of auto, on_demand, flex, performance."""
    _one_of("service_tier", service_tier, SERVICE_TIERS)


def check_search_settings(settings: Any) -> None:
    """The built-in web search's settings: domain lists of strings, a country name."""
    if settings is None:
        return
    if not isinstance(settings, Mapping):
        raise InvalidRequestParameter(
            "search_settings", 'must be an object such as {"include_domains": ["arxiv.org"]}'
        )
    for name in SEARCH_DOMAIN_LISTS:
        domains = settings.get(name)
        if domains is None:
            continue
        if isinstance(domains, str | bytes) or not isinstance(domains, Sequence):
            raise InvalidRequestParameter(
                f"search_settings.{name}", "must be a list of domains such as ['arxiv.org']"
            )
        for domain in domains:
            if not isinstance(domain, str) or not domain.strip() or " " in domain.strip():
                raise InvalidRequestParameter(
                    f"search_settings.{name}", f"must hold domain names, got {domain!r}"
                )
    country = settings.get("country")
    if country is not None and (not isinstance(country, str) or not country.strip()):
        raise InvalidRequestParameter(
            "search_settings.country", f"must be a country name, got {country!r}"
        )
    images = settings.get("include_images")
    if images is not None and not isinstance(images, bool):
        raise InvalidRequestParameter(
            "search_settings.include_images", f"must be true or false, got {images!r}"
        )


def audio_extension(filename: str) -> str:
    """The lower-case extension of ``filename`` if the service accepts it, else raise."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in AUDIO_EXTENSIONS:
        shown = f".{ext}" if ext else "no extension"
        raise UnsupportedAudioFormat(
            "file",
            f"{filename!r} has {shown}; the service accepts "
            f"{', '.join(AUDIO_EXTENSIONS)} (convert it first, e.g. with ffmpeg)",
        )
    return ext


def is_language_code(value: str) -> bool:
    """Whether ``value`` looks like an ISO-639-1 code: two ASCII letters (``en``, ``de``)."""
    return len(value) == 2 and value.isascii() and value.isalpha()


def check_audio_params(
    *,
    model: str,
    response_format: str | None,
    temperature: float | None,
    timestamp_granularities: Sequence[str] | None,
    language: str | None,
) -> None:
    """Validate an audio request; raises before the file is uploaded."""
    if not model:
        raise InvalidRequestParameter("model", "is required (for example whisper-large-v3)")
    if response_format is not None and response_format not in AUDIO_RESPONSE_FORMATS:
        raise InvalidRequestParameter(
            "response_format",
            f"must be one of {', '.join(AUDIO_RESPONSE_FORMATS)}, got {response_format!r}",
        )
    check_range("temperature", temperature, 0, 1)
    if timestamp_granularities:
        if response_format != "verbose_json":
            raise InvalidRequestParameter(
                "timestamp_granularities", "requires response_format='verbose_json'"
            )
        for granularity in timestamp_granularities:
            if granularity not in TIMESTAMP_GRANULARITIES:
                raise InvalidRequestParameter(
                    "timestamp_granularities",
                    f"each must be 'word' or 'segment', got {granularity!r}",
                )
    if language is not None and not is_language_code(language):
        raise InvalidRequestParameter(
            "language", f"must be an ISO-639-1 code such as 'en' or 'de', got {language!r}"
        )
