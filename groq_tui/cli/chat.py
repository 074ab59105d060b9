"""``groq-tui chat``: one prompt in, the reply streamed to stdout."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from groq_tui.api import ChatCompletion, ChatStream, GroqClient, InvalidRequestParameter, ToolCall
from groq_tui.cli.common import client_from, describe_error_async, exit_code_for, fail
from groq_tui.config import Settings
from groq_tui.domain import ReplyStats
from groq_tui.services.stats import stats_from


def read_prompt(args: argparse.Namespace) -> str:
    """The prompt from the argument, or stdin for '-' or when no argument is given."""
    if args.prompt is not None and args.prompt != "-":
        prompt: str = args.prompt
    elif args.prompt is None and sys.stdin.isatty():
        raise InvalidRequestParameter("prompt", "give a prompt as an argument or on stdin")
    else:
        prompt = sys.stdin.read()
    if not prompt.strip():
        raise InvalidRequestParameter("prompt", "is empty; give some text to send")
    return prompt


def _load_tools(path: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
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
    if args.logit_bias:
        try:
            params["logit_bias"] = json.loads(args.logit_bias)
        except ValueError as exc:
            raise InvalidRequestParameter("logit_bias", f"is not valid JSON: {exc}") from exc
    return {key: value for key, value in params.items() if value is not None}


def _tool_call_line(call: ToolCall) -> str:
    try:
        arguments: Any = json.loads(call.function.arguments or "{}")
    except ValueError:
        arguments = call.function.arguments
    return json.dumps({"name": call.function.name, "arguments": arguments}, ensure_ascii=False)


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


async def run_chat(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``groq-tui chat``; returns the exit code."""
    try:
        prompt = read_prompt(args)
        params = chat_params(args)
    except InvalidRequestParameter as exc:
        from groq_tui.cli.common import describe_error

        return fail(describe_error(exc), exit_code_for(exc))
    messages: list[dict[str, Any]] = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": prompt})
    model = args.model or settings.model
    out = _Output()
    async with client_from(settings) as client:
        try:
            if args.json or args.no_stream:
                await _complete(client, model, messages, params, args, out)
            else:
                await _stream(client, model, messages, params, args, out)
        except Exception as exc:
            out.end_line()
            message = await describe_error_async(exc, client, settings)
            return fail(message, exit_code_for(exc))
    return 0


async def _complete(
    client: GroqClient,
    model: str,
    messages: list[dict[str, Any]],
    params: dict[str, Any],
    args: argparse.Namespace,
    out: _Output,
) -> None:
    started = time.perf_counter()
    reply: ChatCompletion = await client.chat.completions.create(
        model=model, messages=messages, **params
    )
    ended = time.perf_counter()
    if args.json:
        out.write(reply.model_dump_json(indent=2, exclude_unset=True) + "\n")
    else:
        out.write(reply.text)
        out.end_line()
        message = reply.choices[0].message if reply.choices else None
        for call in (message.tool_calls or []) if message else []:
            out.write(_tool_call_line(call) + "\n")
    if args.verbose:
        stats = stats_from(started, None, ended, reply.usage, 0)
        _report(stats, reply.rate_limits.remaining_requests, reply.rate_limits.remaining_tokens)


async def _stream(
    client: GroqClient,
    model: str,
    messages: list[dict[str, Any]],
    params: dict[str, Any],
    args: argparse.Namespace,
    out: _Output,
) -> None:
    if args.include_usage:
        params = {**params, "stream_options": {"include_usage": True}}
    started = time.perf_counter()
    first: float | None = None
    deltas = 0
    stream: ChatStream = await client.chat.completions.create(
        model=model, messages=messages, stream=True, **params
    )
    async with stream:
        async for chunk in stream:
            for choice in chunk.choices:
                if choice.index == 0 and choice.delta.content:
                    if first is None:
                        first = time.perf_counter()
                    deltas += 1
                    out.write(choice.delta.content)
    out.end_line()
    for call in stream.tool_calls:
        out.write(_tool_call_line(call) + "\n")
    if args.verbose:
        stats = stats_from(started, first, time.perf_counter(), stream.usage, deltas)
        _report(stats, stream.rate_limits.remaining_requests, stream.rate_limits.remaining_tokens)


def _report(stats: ReplyStats, requests_left: int | None, tokens_left: int | None) -> None:
    line = stats.summary()
    if requests_left is not None or tokens_left is not None:
        line += f" · remaining {requests_left} requests, {tokens_left} tokens"
    sys.stderr.write(line + "\n")
