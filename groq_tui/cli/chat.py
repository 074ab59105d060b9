"""``groq-tui chat``: one prompt in, the reply streamed to stdout.

stdout carries the answer alone, whatever the model sends: reasoning (``delta.reasoning``, or
a ``<think>`` block opening the content) goes to stderr with ``--show-reasoning`` and nowhere
otherwise. Only ``--reasoning-format raw``, given explicitly, prints the content exactly as
the server sent it, ``<think>`` block included.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from typing import Any

from groq_tui.api import FlexCapacityError, GroqClient, InvalidRequestParameter
from groq_tui.api.params import check_chat_params
from groq_tui.cli.common import (
    EXIT_FAILURE,
    EXIT_USAGE,
    client_from,
    describe_error,
    describe_error_async,
    exit_code_for,
    fail,
)
from groq_tui.cli.terminal import control_stream
from groq_tui.config import Settings
from groq_tui.domain import ExecutedTool, ReplyDelta, ReplyParameters, ReplyReasoning, ToolCall
from groq_tui.domain.conversation import search_settings
from groq_tui.services.reply import ReplyEnded, ReplyRequest, read_reply
from groq_tui.services.typed_path import typed_path

DIM = "\x1b[2m"
RESET = "\x1b[0m"
FLEX_AT_CAPACITY = (
    "the flex tier has no capacity right now (HTTP 498) - resend with --service-tier on_demand"
)

# The request fields the client's checks name, as the flags that set them.
_FLAGS = {
    "search_settings.include_domains": "--search-include",
    "search_settings.exclude_domains": "--search-exclude",
    "search_settings.country": "--search-country",
}
_FIELD_WORDS = re.compile(
    r"(?<![-\w])(reasoning_format|include_reasoning|reasoning_effort|service_tier|tool_choice|tools)\b"
    r"|JSON mode \(response_format [a-z_]+\)"
)


class NoPrompt(ValueError):
    """There is nothing to send (the prompt is an argument, not a flag: the message says so)."""


def read_prompt(args: argparse.Namespace) -> str:
    """The prompt from the argument, or stdin for '-' or when no argument is given.

    Raises:
        NoPrompt: No prompt was given, or it is empty.
    """
    if args.prompt is not None and args.prompt != "-":
        prompt: str = args.prompt
    elif args.prompt is None and sys.stdin.isatty():
        raise NoPrompt("no prompt: give it as an argument, or on stdin ('-' or a pipe)")
    else:
        prompt = sys.stdin.read()
    if not prompt.strip():
        raise NoPrompt("the prompt is empty: give some text to send")
    return prompt


def _load_tools(path: str) -> list[dict[str, Any]]:
    try:
        file = typed_path(path)
    except ValueError as exc:
        raise InvalidRequestParameter("tools", str(exc)) from exc
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidRequestParameter("tools", f"cannot read {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise InvalidRequestParameter("tools", f"{path} is not valid JSON: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("tools"), list):
        data = data["tools"]
    if not isinstance(data, list):
        raise InvalidRequestParameter("tools", f"{path} must hold a JSON list of tools")
    return data


def _tool_choice(value: str | None) -> str | dict[str, Any] | None:
    if value is None or value in ("none", "auto", "required"):
        return value
    return {"type": "function", "function": {"name": value}}


def chat_params(args: argparse.Namespace) -> dict[str, Any]:
    """The request parameters the flags ask for (only those given)."""
    params: dict[str, Any] = {
        "temperature": args.temperature,
        "top_p": args.top_p,
        "max_tokens": args.max_tokens,
        "seed": args.seed,
        "stop": args.stop,
        "frequency_penalty": args.frequency_penalty,
        "presence_penalty": args.presence_penalty,
        "tool_choice": _tool_choice(args.tool_choice),
        "parallel_tool_calls": args.parallel_tool_calls,
        "user": args.user,
        "logprobs": args.logprobs,
        "top_logprobs": args.top_logprobs,
    }
    if args.json_mode:
        params["response_format"] = {"type": "json_object"}
    if args.tools:
        params["tools"] = _load_tools(args.tools)
    elif args.tool_choice not in (None, "none", "auto"):
        raise InvalidRequestParameter(
            "tool_choice", f"{args.tool_choice} needs tool definitions: give --tools FILE.json"
        )
    params.update(
        (name, value)
        for name, value in (
            ("reasoning_effort", args.reasoning_effort),
            ("reasoning_format", args.reasoning_format),
            ("include_reasoning", args.include_reasoning),
            ("service_tier", args.service_tier),
            ("search_settings", _search_settings(args)),
        )
        if value is not None
    )
    if args.logit_bias:
        try:
            params["logit_bias"] = json.loads(args.logit_bias)
        except ValueError as exc:
            raise InvalidRequestParameter("logit_bias", f"is not valid JSON: {exc}") from exc
    return {key: value for key, value in params.items() if value is not None}


def _search_settings(args: argparse.Namespace) -> dict[str, Any] | None:
    """``search_settings`` from the --search-* flags, or None when none was given."""
    return search_settings(
        args.search_include or (), args.search_exclude or (), args.search_country
    )


def refusal(exc: InvalidRequestParameter) -> str:
    """The client's refusal, with the request fields it names given as the flags."""
    flag = _FLAGS.get(exc.param)
    if flag is not None:
        return f"invalid {flag}: {str(exc).split(': ', 1)[-1]}"
    return _FIELD_WORDS.sub(_as_flag, describe_error(exc))


def _as_flag(match: re.Match[str]) -> str:
    word = match.group(1)
    return "--json-mode" if word is None else "--" + word.replace("_", "-")


def _tool_call_line(call: ToolCall) -> str:
    try:
        arguments: Any = json.loads(call.arguments or "{}")
    except ValueError:
        arguments = call.arguments
    return json.dumps({"name": call.name, "arguments": arguments}, ensure_ascii=False)


class _Output:
    """stdout for the reply; remembers whether the last thing written ended a line."""

    def __init__(self) -> None:
        self.at_line_start = True

    def write(self, text: str) -> None:
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()
            self.at_line_start = text.endswith("\n")

    def end_line(self) -> None:
        if not self.at_line_start:
            self.write("\n")


class _Reasoning:
    """stderr for the reasoning: dimmed on a terminal, plain when redirected."""

    def __init__(self) -> None:
        self.dim = sys.stderr.isatty()
        self.open = False
        self.at_line_start = True

    def write(self, text: str) -> None:
        if not text:
            return
        if not self.open:
            self.open = True
            if self.dim:  # the escape goes past the stand-ins that keep the model's text inert
                control_stream(sys.stderr).write(DIM)
        sys.stderr.write(text)
        sys.stderr.flush()
        self.at_line_start = text.endswith("\n")

    def close(self) -> None:
        """The reasoning is over (the answer begins, or the reply ended)."""
        if not self.open:
            return
        self.open = False
        if not self.at_line_start:
            sys.stderr.write("\n")
            self.at_line_start = True
        if self.dim:
            control_stream(sys.stderr).write(RESET)
        sys.stderr.flush()

    def tools(self, tools: tuple[ExecutedTool, ...]) -> None:
        """The built-in tools a compound model ran, with their sources."""
        for tool in tools:
            self.write(f"[{tool.type or 'tool'}] {tool.arguments}".rstrip() + "\n")
            for source in tool.sources:
                self.write(f"  {source.title} <{source.url}>\n")
        self.close()


async def run_chat(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``groq-tui chat``; returns the exit code."""
    stream = not (args.json or args.no_stream)
    try:
        prompt = read_prompt(args)
        params = chat_params(args)
        messages: list[dict[str, Any]] = []
        if args.system:
            messages.append({"role": "system", "content": args.system})
        messages.append({"role": "user", "content": prompt})
        if args.include_usage and stream:
            params["stream_options"] = {"include_usage": True}
        request = ReplyRequest(
            model=args.model or settings.model,
            messages=messages,
            parameters=ReplyParameters(extra=params),
            stream=stream,
        )
        # The client checks again when sending; here a refusal names the flags.
        check_chat_params(
            {"model": request.model, "messages": messages, "stream": stream, **params}
        )
    except InvalidRequestParameter as exc:
        return fail(refusal(exc), EXIT_USAGE)
    except NoPrompt as exc:
        return fail(str(exc), EXIT_USAGE)
    out = _Output()
    thoughts = _Reasoning() if args.show_reasoning else None
    async with client_from(settings) as client:
        try:
            await _reply(client, request, args, out, thoughts)
        except FlexCapacityError:
            out.end_line()
            return fail(FLEX_AT_CAPACITY, EXIT_FAILURE)
        except Exception as exc:
            out.end_line()
            if thoughts is not None:
                thoughts.close()
            message = await describe_error_async(exc, client, settings)
            return fail(message, exit_code_for(exc))
    return 0


async def _reply(
    client: GroqClient,
    request: ReplyRequest,
    args: argparse.Namespace,
    out: _Output,
    thoughts: _Reasoning | None,
) -> None:
    """Print the reply as it comes (or, with --json, the server's whole response)."""
    ended: ReplyEnded | None = None
    async with contextlib.aclosing(read_reply(client, request)) as events:
        async for event in events:
            if isinstance(event, ReplyDelta):
                if not args.json:
                    if thoughts is not None:
                        thoughts.close()
                    out.write(event.text)
            elif isinstance(event, ReplyReasoning):
                if thoughts is not None and not args.json:
                    thoughts.write(event.text)
            elif event.error is not None:
                raise event.error
            else:
                ended = event
    assert ended is not None, "read_reply ends with ReplyEnded"
    if args.json and ended.completion is not None:
        out.write(ended.completion.model_dump_json(indent=2, exclude_unset=True) + "\n")
    else:
        out.end_line()
        for call in ended.tool_calls:
            out.write(_tool_call_line(call) + "\n")
        if thoughts is not None:
            thoughts.tools(ended.executed_tools)
    if args.verbose:
        line = ended.stats.summary(ended.usage)
        if ended.service_tier is not None:
            line += f" · tier {ended.service_tier}"
        if ended.remaining_requests is not None or ended.remaining_tokens is not None:
            line += (
                f" · remaining {ended.remaining_requests} requests, {ended.remaining_tokens} tokens"
            )
        sys.stderr.write(line + "\n")
