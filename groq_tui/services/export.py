"""Exports of a conversation: Markdown to read, JSON to process."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from groq_tui.domain import Conversation, Message, MessageStatus
from groq_tui.safe_text import json_without_controls, visible_controls

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
        if message.content:
            lines.append(message.content.rstrip())
        for call in message.tool_calls or []:
            function = call.get("function", {})
            lines += ["", f"**Tool call** `{function.get('name', '?')}`", "", "```json"]
            lines.append(_pretty_arguments(function.get("arguments", "")))
            lines.append("```")
        if message.error:
            lines += ["", f"> **Error:** {message.error}"]
        stats = message.stats or {}
        if message.role == "assistant" and stats:
            lines += ["", f"<sub>{_stats_line(stats)}</sub>"]
    # A Markdown file is read in terminals too (cat, less -R): no control of a reply in it.
    return visible_controls("\n".join(lines).rstrip() + "\n")


def _pretty_arguments(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments or "{}"), indent=2, ensure_ascii=False)
    except ValueError:
        return arguments


def _stats_line(stats: dict[str, Any]) -> str:
    parts = []
    if stats.get("time_to_first_token") is not None:
        parts.append(f"TTFT {stats['time_to_first_token']:.2f}s")
    if stats.get("tokens_per_second") is not None:
        parts.append(f"{stats['tokens_per_second']:.0f} tok/s")
    if stats.get("completion_tokens") is not None:
        parts.append(f"{stats['completion_tokens']} tokens")
    return " · ".join(parts)


def to_json(conversation: Conversation, messages: Sequence[Message]) -> str:
    """The conversation with every saved field, as one JSON document."""
    document = {
        "title": conversation.title,
        "model": conversation.model,
        "kind": conversation.kind,
        "created_at": conversation.created_at,
        "updated_at": conversation.updated_at,
        "parameters": conversation.parameters.to_dict(),
        "messages": [
            {
                "role": m.role,
                "content": m.content,
                "model": m.model,
                "status": m.status.value,
                "created_at": m.created_at,
                "name": m.name,
                "tool_call_id": m.tool_call_id,
                "tool_calls": m.tool_calls,
                "parameters": m.parameters,
                "usage": m.usage,
                "stats": m.stats,
                "error": m.error,
                "reply_group": m.reply_group,
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
        lines += ["", f"## Prompt {turn + 1}", "", prompt.content.rstrip()]
        rows: list[tuple[str, dict[str, Any], dict[str, Any], str]] = []
        for column in run.columns:
            reply = column.replies[turn] if turn < len(column.replies) else None
            heading = f"### {column.model}"
            if column.overrides.describe():
                heading += f" ({column.overrides.describe()})"
            lines += ["", heading, ""]
            if reply is None:
                lines.append("*no reply*")
                rows.append((column.model, {}, {}, "no reply"))
                continue
            if reply.content:
                lines.append(reply.content.rstrip())
            if reply.error:
                lines += ["", f"> **Error:** {reply.error}"]
            rows.append((column.model, reply.stats or {}, reply.usage or {}, reply.status.value))
        lines += ["", "| model | TTFT | tok/s | tokens | server total | state |",
                  "|---|---:|---:|---:|---:|---|"]  # fmt: skip
        for model, stats, usage, state in rows:
            ttft = stats.get("time_to_first_token")
            tps = stats.get("tokens_per_second")
            tokens = usage.get("completion_tokens", stats.get("completion_tokens"))
            total = usage.get("total_time")
            lines.append(
                f"| {model} | {'-' if ttft is None else f'{ttft:.3f}s'} | "
                f"{'-' if tps is None else f'{tps:.0f}'} | {'-' if tokens is None else tokens} | "
                f"{'-' if total is None else f'{total:.3f}s'} | {state} |"
            )
    return visible_controls("\n".join(lines).rstrip() + "\n")
