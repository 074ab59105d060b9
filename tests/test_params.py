"""Validation before sending: every limit of the reference, with a message naming it."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from groq_tui.api import InvalidRequestParameter, UnsupportedAudioFormat
from groq_tui.api.params import audio_extension, check_audio_params, check_chat_params

USER = [{"role": "user", "content": "hi"}]


def body(**params: Any) -> dict[str, Any]:
    return {"model": "m", "messages": USER, **params}


@pytest.mark.parametrize(
    ("params", "param", "words"),
    [
        ({"temperature": 2.01}, "temperature", "between 0 and 2"),
        ({"temperature": -0.1}, "temperature", "between 0 and 2"),
        ({"temperature": float("nan")}, "temperature", "between 0 and 2"),
        ({"temperature": "hot"}, "temperature", "a number"),
        ({"top_p": 1.5}, "top_p", "between 0 and 1"),
        ({"frequency_penalty": -2.5}, "frequency_penalty", "between -2 and 2"),
        ({"presence_penalty": 3}, "presence_penalty", "between -2 and 2"),
        ({"n": 2}, "n", "must be 1"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop", "at most 4"),
        ({"top_logprobs": 21, "logprobs": True}, "top_logprobs", "between 0 and 20"),
        ({"top_logprobs": 3}, "top_logprobs", "requires logprobs"),
        ({"max_tokens": 0}, "max_tokens", "at least 1"),
        ({"max_tokens": 1.5}, "max_tokens", "whole number"),
        ({"seed": "x"}, "seed", "whole number"),
        ({"stream_options": {"include_usage": True}}, "stream_options", "stream=True"),
        ({"response_format": "json"}, "response_format", "json_object"),
        ({"tool_choice": "always"}, "tool_choice", "none, auto, required"),
        ({"tool_choice": {"type": "function"}}, "tool_choice", "named choice"),
        ({"logit_bias": {"50256": -101}}, "logit_bias[50256]", "between -100 and 100"),
        ({"model": ""}, "model", "required"),
        ({"messages": []}, "messages", "at least one"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages[0].role", "one of"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "messages[0].tool_call_id", "required"),
        ({"messages": [{"role": "user"}]}, "messages[0].content", "required"),
        ({"messages": [{"role": "assistant", "content": None}]}, "messages[0].content", "needs"),
    ],
)
def test_bad_values_name_the_parameter(params: dict[str, Any], param: str, words: str) -> None:
    with pytest.raises(InvalidRequestParameter) as info:
        check_chat_params(body(**params))
    assert info.value.param == param
    assert words in str(info.value)


def test_tools_limit_and_shape() -> None:
    tool = {"type": "function", "function": {"name": "f", "parameters": {}}}
    check_chat_params(body(tools=[tool] * 128, tool_choice="required"))
    with pytest.raises(InvalidRequestParameter, match="at most 128"):
        check_chat_params(body(tools=[tool] * 129))
    with pytest.raises(InvalidRequestParameter, match="only"):
        check_chat_params(body(tools=[{"type": "retrieval"}]))
    with pytest.raises(InvalidRequestParameter) as info:
        check_chat_params(body(tools=[{"type": "function", "function": {}}]))
    assert info.value.param == "tools[0].function.name"


def test_every_valid_parameter_passes() -> None:
    check_chat_params(
        body(
            messages=[
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": "weather?", "name": "ann"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c1",
                            "type": "function",
                            "function": {"name": "w", "arguments": "{}"},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
            ],
            temperature=0,
            top_p=1,
            frequency_penalty=-2,
            presence_penalty=2,
            max_tokens=10,
            n=1,
            seed=7,
            stop="END",
            stream=True,
            stream_options={"include_usage": True},
            response_format={"type": "json_object"},
            tool_choice={"type": "function", "function": {"name": "w"}},
            parallel_tool_calls=False,
            user="u1",
            logit_bias={"1": 5},
            logprobs=True,
            top_logprobs=20,
        )
    )


def test_deprecated_functions_warn_but_pass() -> None:
    with pytest.warns(DeprecationWarning, match="deprecated"):
        check_chat_params(body(functions=[{"name": "f"}], function_call={"name": "f"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_chat_params(body())


@pytest.mark.parametrize(
    "name",
    [f"a.{ext}" for ext in ("flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm")]
    + ["LOUD.WAV"],
)
def test_supported_audio_extensions(name: str) -> None:
    assert audio_extension(name) == name.rsplit(".", 1)[1].lower()


@pytest.mark.parametrize("name", ["notes.txt", "speech.aiff", "noext", "x.wav.zip"])
def test_unsupported_audio_extensions(name: str) -> None:
    with pytest.raises(UnsupportedAudioFormat, match="the service accepts flac, mp3"):
        audio_extension(name)


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"temperature": 1.2}, "temperature"),
        ({"response_format": "srt"}, "response_format"),
        ({"timestamp_granularities": ["word"]}, "timestamp_granularities"),
        (
            {"timestamp_granularities": ["word"], "response_format": "json"},
            "timestamp_granularities",
        ),
        (
            {"timestamp_granularities": ["char"], "response_format": "verbose_json"},
            "timestamp_granularities",
        ),
        ({"language": "english"}, "language"),
        ({"model": ""}, "model"),
    ],
)
def test_audio_limits(kwargs: dict[str, Any], param: str) -> None:
    args: dict[str, Any] = {
        "model": "whisper-large-v3",
        "response_format": None,
        "temperature": None,
        "timestamp_granularities": None,
        "language": None,
    }
    args.update(kwargs)
    with pytest.raises(InvalidRequestParameter) as info:
        check_audio_params(**args)
    assert info.value.param == param


def test_audio_verbose_json_with_both_granularities_passes() -> None:
    check_audio_params(
        model="whisper-large-v3",
        response_format="verbose_json",
        temperature=0.0,
        timestamp_granularities=["word", "segment"],
        language="de",
    )
