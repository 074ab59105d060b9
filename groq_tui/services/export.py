"""Exports of a conversation: Markdown to read, JSON to process.

A reply's reasoning goes in both: in Markdown as a collapsed ``<details>`` block before the
answer (GitHub and most viewers fold it; it stays readable as plain text), with the sources
of a compound model's built-in tools as links after the answer; in JSON whole, with the
built-in tool runs as the server sent them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from groq_tui.domain import Conversation, ExecutedTool, Message, MessageStatus, ReplyStats, Usage
from groq_tui.safe_text import json_without_controls, visible_controls
from groq_tui.store.codec import (
    chat_parameters_to_json,
    executed_tools_to_json,
    reply_parameters_to_json,
    stats_to_json,
    tool_calls_to_json,
    usage_to_json,
)

if TYPE_CHECKING:
    from groq_tui.services.compare import CompareRun

_ROLE_HEADINGS = {"system": "System", "user": "You", "assistant": "Assistant", "tool": "Tool"}


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def to_markdown(conversation: Conversation, messages: Sequence[Message]) -> str:
    """The conversation as a Markdown document, one section per message."""
    lines = [f"# {conversation.title}", ""]
    lines.append(f"*{_when(conversation.created_at)} · model `{conversation.model}`*")
    if conversation.parameters.system_prompt.strip():
        lines += ["", "> **System:** " + conversation.parameters.system_prompt.strip()]
    for message in messages:
        heading = _ROLE_HEADINGS.get(message.role, message.role)
        if message.role == "assistant" and message.model:
            heading += f" ({message.model})"
        if message.role == "tool" and message.name:
            heading += f": {message.name}"
        if message.status is not MessageStatus.COMPLETE:
            heading += f" [{message.status.value}]"
        lines += ["", f"## {heading}", ""]
        if message.reasoning.strip():
            lines += _reasoning_block(message.reasoning)
        if message.content:
            lines.append(demote_headings(message.content.rstrip(), 2))
        lines += _sources(message.executed_tools)
        for call in message.tool_calls:
            lines += ["", f"**Tool call** `{call.name or '?'}`", "", "```json"]
            lines.append(_pretty_arguments(call.arguments))
            lines.append("```")
        if message.error:
            lines += ["", f"> **Error:** {message.error}"]
        if message.role == "assistant" and message.stats is not None:
            lines += ["", f"<sub>{_stats_line(message.stats)}</sub>"]
    # A Markdown file is read in terminals too (cat, less -R): no control of a reply in it.
    return visible_controls("\n".join(lines).rstrip() + "\n")


def demote_headings(markdown: str, levels: int) -> str:
    """``markdown`` with its headings ``levels`` deeper (at most ``######``), so a reply's own
    ``# Title`` sits under the export's heading for its turn. Code blocks are left alone;
    underlined (setext) headings become ``#`` headings."""
    from markdown_it import MarkdownIt

    lines = markdown.split("\n")
    tokens = MarkdownIt("commonmark").parse(markdown)
    replaced: dict[int, tuple[int, str | None]] = {}  # first line -> (end, new line or None)
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.level != 0 or token.map is None:
            continue
        start, end = token.map
        level = min(6, int(token.tag[1]) + levels)
        text = tokens[index + 1].content
        replaced[start] = (end, f"{'#' * level} {text}".rstrip())
    out: list[str] = []
    number = 0
    while number < len(lines):
        if number in replaced:
            end, line = replaced[number]
            out.append(line or "")
            number = end
        else:
            out.append(lines[number])
            number += 1
    return "\n".join(out)


def _reasoning_block(reasoning: str) -> list[str]:
    """A folded block; the blank lines around the text let viewers render it as Markdown."""
    return ["<details><summary>Reasoning</summary>", "", reasoning.strip(), "", "</details>", ""]


def _sources(tools: tuple[ExecutedTool, ...]) -> list[str]:
    lines: list[str] = []
    for tool in tools:
        if not tool.sources:
            continue
        lines += ["", f"**Sources** ({tool.type or 'tool'})", ""]
        lines += [f"- [{_link_text(source.title)}]({_link_target(source.url)})"
                  for source in tool.sources]  # fmt: skip
    return lines


def _link_text(title: str) -> str:
    return title.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _link_target(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _pretty_arguments(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments or "{}"), indent=2, ensure_ascii=False)
    except ValueError:
        return arguments


def _stats_line(stats: ReplyStats) -> str:
    parts = []
    if stats.time_to_first_token is not None:
        parts.append(f"TTFT {stats.time_to_first_token:.2f}s")
    if stats.tokens_per_second is not None:
        parts.append(f"{stats.tokens_per_second:.0f} tok/s")
    parts.append(f"{stats.completion_tokens} tokens")
    if stats.thinking_time is not None:
        parts.append(f"thinking {stats.thinking_time:.2f}s")
    return " · ".join(parts)


def to_json(conversation: Conversation, messages: Sequence[Message]) -> str:
    """The conversation with every saved field, as one JSON document."""
    document = {
        "title": conversation.title,
        "model": conversation.model,
        "kind": conversation.kind,
        "created_at": conversation.created_at,
        # The open conversation's record is not bumped as messages are added (the store's
        # row is): its last change is at least its last message's.
        "updated_at": max([conversation.updated_at, *(m.created_at for m in messages)]),
        "parameters": chat_parameters_to_json(conversation.parameters),
        "models": conversation.models,
        "messages": [
            {
                "role": m.role,
                "content": m.content,
                "reasoning": m.reasoning,
                "executed_tools": executed_tools_to_json(m.executed_tools),
                "service_tier": m.service_tier,
                "model": m.model,
                "status": m.status.value,
                "created_at": m.created_at,
                "name": m.name,
                "tool_call_id": m.tool_call_id,
                "tool_calls": tool_calls_to_json(m.tool_calls),
                "parameters": None
                if m.parameters is None
                else reply_parameters_to_json(m.parameters),
                "usage": None if m.usage is None else usage_to_json(m.usage),
                "stats": None if m.stats is None else stats_to_json(m.stats),
                "error": m.error,
                "reply_group": m.reply_group,
                "column": m.column,
            }
            for m in messages
        ],
    }
    return json_without_controls(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def compare_to_markdown(run: CompareRun) -> str:
    """A comparison as Markdown: each prompt, each model's reply, and a stats table."""
    conversation = run.conversation
    lines = [f"# {conversation.title}", ""]
    models = [column.model for column in run.columns]
    lines.append(f"*{_when(conversation.created_at)} · models: {', '.join(models)}*")
    for turn, prompt in enumerate(run.prompts):
        lines += ["", f"## Prompt {turn + 1}", "", demote_headings(prompt.content.rstrip(), 2)]
        rows: list[tuple[str, ReplyStats | None, Usage | None, str]] = []
        for column in run.columns:
            reply = column.replies[turn] if turn < len(column.replies) else None
            heading = f"### {column.model}"
            if column.overrides.describe():
                heading += f" ({column.overrides.describe()})"
            lines += ["", heading, ""]
            if reply is None:
                lines.append("*no reply*")
                rows.append((column.model, None, None, "no reply"))
                continue
            if reply.reasoning.strip():
                lines += _reasoning_block(reply.reasoning)
            if reply.content:
                lines.append(demote_headings(reply.content.rstrip(), 3))
            if reply.error:
                lines += ["", f"> **Error:** {reply.error}"]
            rows.append((column.model, reply.stats, reply.usage, reply.status.value))
        lines += ["", "| model | TTFT | tok/s | tokens | server total | state |",
                  "|---|---:|---:|---:|---:|---|"]  # fmt: skip
        for model, stats, usage, state in rows:
            ttft = stats.time_to_first_token if stats else None
            tps = stats.tokens_per_second if stats else None
            tokens = (
                usage.completion_tokens if usage else stats.completion_tokens if stats else None
            )
            total = usage.total_time if usage else None
            lines.append(
                f"| {model} | {'-' if ttft is None else f'{ttft:.3f}s'} | "
                f"{'-' if tps is None else f'{tps:.0f}'} | {'-' if tokens is None else tokens} | "
                f"{'-' if total is None else f'{total:.3f}s'} | {state} |"
            )
    return visible_controls("\n".join(lines).rstrip() + "\n")
