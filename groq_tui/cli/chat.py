"""``groq-tui chat``: one prompt in, the reply streamed to stdout."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from groq_tui.api import GroqClient, InvalidRequestParameter
from groq_tui.cli.common import client_from, describe_error_async, exit_code_for, fail
from groq_tui.config import Settings
from groq_tui.domain import ReplyDelta, ReplyParameters, ToolCall
from groq_tui.services.reply import ReplyEnded, ReplyRequest, read_reply


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
    if args.include_usage and not (args.json or args.no_stream):
        params["stream_options"] = {"include_usage": True}
    request = ReplyRequest(
        model=args.model or settings.model,
        messages=messages,
        parameters=ReplyParameters(extra=params),
        stream=not (args.json or args.no_stream),
    )
    out = _Output()
    async with client_from(settings) as client:
        try:
            await _reply(client, request, args, out)
        except Exception as exc:
            out.end_line()
            message = await describe_error_async(exc, client, settings)
            return fail(message, exit_code_for(exc))
    return 0


async def _reply(
    client: GroqClient, request: ReplyRequest, args: argparse.Namespace, out: _Output
) -> None:
    """Print the reply as it comes (or, with --json, the server's whole response)."""
    ended: ReplyEnded | None = None
    async with contextlib.aclosing(read_reply(client, request)) as events:
        async for event in events:
            if isinstance(event, ReplyDelta):
                if not args.json:
                    out.write(event.text)
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
    if args.verbose:
        line = ended.stats.summary(ended.usage)
        if ended.remaining_requests is not None or ended.remaining_tokens is not None:
            line += (
                f" · remaining {ended.remaining_requests} requests, {ended.remaining_tokens} tokens"
            )
        sys.stderr.write(line + "\n")
