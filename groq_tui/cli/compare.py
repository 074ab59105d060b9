"""``groq-tui compare``: one prompt to several models at once; replies and a stats table."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any

from groq_tui.api import InvalidRequestParameter
from groq_tui.cli.chat import NoPrompt, read_prompt
from groq_tui.cli.common import EXIT_USAGE, client_from, describe_error, fail
from groq_tui.config import Settings
from groq_tui.domain import ChatParameters, ReplyStats, Usage
from groq_tui.services.compare import (
    MAX_COLUMNS,
    ColumnDone,
    ColumnFailed,
    CompareRun,
)
from groq_tui.store.codec import usage_to_json


def parameters_from(args: argparse.Namespace) -> ChatParameters:
    """The shared chat parameters the flags ask for."""
    defaults = ChatParameters()
    return ChatParameters(
        temperature=defaults.temperature if args.temperature is None else args.temperature,
        top_p=defaults.top_p if args.top_p is None else args.top_p,
        max_tokens=args.max_tokens,
        frequency_penalty=args.frequency_penalty or 0.0,
        presence_penalty=args.presence_penalty or 0.0,
        seed=args.seed,
        stop=list(args.stop or []),
        json_mode=args.json_mode,
        system_prompt=args.system or "",
        reasoning_effort=args.reasoning_effort,
        reasoning_format=args.reasoning_format,
        include_reasoning=args.include_reasoning,
        service_tier=args.service_tier,
    )


def _row(model: str, stats: ReplyStats | None, usage: Usage | None = None) -> list[str]:
    if stats is None:
        return [model, "-", "-", "-", "-", "-", "-"]
    tps = stats.tokens_per_second
    ttft = stats.time_to_first_token
    reasoning = usage.reasoning_tokens if usage is not None else None
    thinking = stats.thinking_time
    return [
        model,
        f"{ttft:.3f}s" if ttft is not None else "-",
        f"{tps:.0f}" if tps is not None else "-",
        str(stats.completion_tokens),
        str(reasoning) if reasoning is not None else "-",
        f"{thinking:.3f}s" if thinking is not None else "-",
        f"{stats.duration:.3f}s",
    ]


def stats_table(rows: list[list[str]]) -> str:
    """An aligned plain-text table with a header row (``reasoning``: the reasoning tokens
    the server counted; ``thinking``: seconds from the first reasoning to the answer)."""
    header = ["model", "TTFT", "tok/s", "tokens", "reasoning", "thinking", "total"]
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                  for i, cell in enumerate(row)).rstrip()
        for row in table
    ]  # fmt: skip
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines) + "\n"


async def run_compare(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``groq-tui compare``; returns the exit code."""
    models: list[str] = args.model or []
    if not 2 <= len(models) <= MAX_COLUMNS:
        return fail(
            f"give 2 to {MAX_COLUMNS} models with -m (got {len(models)}), e.g. "
            "-m llama-3.1-8b-instant -m llama-3.3-70b-versatile",
            EXIT_USAGE,
        )
    try:
        prompt = read_prompt(args)
        parameters = parameters_from(args)
        from groq_tui.api.params import check_chat_params

        check_chat_params(
            {"model": models[0], "messages": [{"role": "user", "content": prompt}],
             **parameters.request_params()}
        )  # fmt: skip
    except InvalidRequestParameter as exc:
        return fail(describe_error(exc), EXIT_USAGE)
    except NoPrompt as exc:
        return fail(str(exc), EXIT_USAGE)
    async with client_from(settings) as client:
        run = CompareRun(client, None, models, parameters, settings.base_url)
        turn = await run.add_prompt(prompt)
        results: dict[int, ColumnDone | ColumnFailed] = {}
        async with contextlib.aclosing(run.run_turn(turn)) as events:
            async for event in events:
                if isinstance(event, ColumnDone | ColumnFailed):
                    results[event.column] = event
    answered = [i for i, r in results.items() if isinstance(r, ColumnDone)]
    if args.json:
        document: dict[str, Any] = {"prompt": prompt, "results": []}
        for index, model in enumerate(models):
            result = results.get(index)
            entry: dict[str, Any] = {"model": model}
            if isinstance(result, ColumnDone):
                usage = result.message.usage
                entry["content"] = result.message.content
                entry["reasoning"] = result.message.reasoning
                entry["stats"] = {
                    "time_to_first_token": result.stats.time_to_first_token,
                    "tokens_per_second": result.stats.tokens_per_second,
                    "completion_tokens": result.stats.completion_tokens,
                    "reasoning_tokens": None if usage is None else usage.reasoning_tokens,
                    "thinking_time": result.stats.thinking_time,
                    "total_time": result.stats.duration,
                    "usage": None if usage is None else usage_to_json(usage),
                }
            elif result is not None:
                entry["error"] = result.error
                entry["partial_content"] = result.message.content
            document["results"].append(entry)
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        rows = []
        for index, model in enumerate(models):
            result = results.get(index)
            if isinstance(result, ColumnDone):
                sys.stdout.write(f"== {model} ==\n{result.message.content.rstrip()}\n\n")
                rows.append(_row(model, result.stats, result.message.usage))
        if rows:  # with every model failed, a table header alone says nothing
            sys.stdout.write(stats_table(rows))
    for index, model in enumerate(models):
        result = results.get(index)
        if isinstance(result, ColumnFailed):
            sys.stderr.write(f"groq-tui: {model}: {result.error}\n")
    return 0 if answered else 1
