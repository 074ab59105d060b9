"""How the loopback "model" reasons, shaped like the live reasoning and compound models.

Which shape a request gets depends on the model family and the reasoning parameters:

- gpt-oss (``openai/gpt-oss-*``): reasoning in a separate field by default - streamed as
  ``delta.reasoning`` with ``"channel": "analysis"`` before the content (053, 019), or as
  ``message.reasoning`` (056, 013); ``completion_tokens_details.reasoning_tokens`` in usage.
- qwen3 (``qwen/qwen3-*``): with no ``reasoning_format`` the reasoning comes inside the
  content between ``<think>`` tags (060, 054, 012), no token details; ``parsed`` gives the
  separate field without a channel (032, 035); ``reasoning_effort: none`` turns thinking off.
- any reasoning family: ``raw`` puts ``<think>`` in the content, ``hidden`` (or
  ``include_reasoning: false``) drops the reasoning but still counts its tokens,
  ``include_reasoning: true`` is ``parsed``.
- compound (``groq/compound*``): reasoning in the separate field, one web search run
  reported in ``executed_tools`` (008 non-streamed; 017 streamed, the same index sent twice:
  first with its arguments, then with the output and results), and ``usage_breakdown``.
- ``loopback-reasoning-<N>[-rate-<R>]``: N reasoning deltas (gpt-oss shape), then N content
  deltas, for benchmarks and for tests that need a long thinking phase.

Other models never reason, whatever the request says.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.loopback.markdown import markdown_reply, tokenize

Mode = Literal["field", "inline", "hidden"]
REASONING_MODEL = re.compile(r"loopback-reasoning-(\d+)(?:-rate-(\d+(?:\.\d+)?))?")


@dataclass
class Reasoning:
    """What a reply's reasoning looks like on the wire."""

    mode: Mode
    pieces: list[str]
    channel: str | None = None
    token_details: bool = True
    executed_tools: list[dict[str, Any]] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        return len(self.pieces)


def family(model: str) -> str | None:
    """``gpt-oss``, ``qwen3``, ``compound`` or None for a model that does not reason."""
    if "gpt-oss" in model or REASONING_MODEL.fullmatch(model):
        return "gpt-oss"
    if "qwen3" in model:
        return "qwen3"
    if model.startswith("groq/compound"):
        return "compound"
    return None


def _mode(body: dict[str, Any], kind: str) -> Mode | None:
    reasoning_format = body.get("reasoning_format")
    include = body.get("include_reasoning")
    if kind == "qwen3" and body.get("reasoning_effort") == "none":
        return None
    if reasoning_format == "raw":
        return "inline"
    if reasoning_format == "hidden" or include is False:
        return "hidden"
    if reasoning_format == "parsed" or include is True or kind != "qwen3":
        return "field"
    return "inline"  # qwen3 without reasoning_format: <think> in the content (060, 054)


def plan(body: dict[str, Any], question: str, reasoning_text: str | None) -> Reasoning | None:
    """The reasoning this request gets, or None."""
    model = str(body["model"])
    kind = family(model)
    if kind is None:
        return None
    mode = _mode(body, kind)
    if mode is None:
        return None
    if bench := REASONING_MODEL.fullmatch(model):
        pieces = markdown_reply(int(bench[1]))
    else:
        text = reasoning_text if reasoning_text is not None else _thought(question)
        pieces = tokenize(text)
    channel = "analysis" if kind == "gpt-oss" and mode == "field" else None
    # qwen3's default <think> content carries no completion_tokens_details (060, 054).
    details = not (kind == "qwen3" and mode == "inline")
    tools = _web_search(question, body.get("search_settings")) if kind == "compound" else []
    return Reasoning(mode, pieces, channel, details, tools)


def _thought(question: str) -> str:
    shown = question if len(question) <= 80 else question[:77] + "..."
    return (
        f'The user says: "{shown}". The answer is to echo it back, so I will reply with '
        "the same words, prefixed by Echo."
    )


def think_block(reasoning: Reasoning) -> list[str]:
    """The content pieces of an inline (``raw``) reasoning, before the answer (054)."""
    return ["<think>", "\n", *reasoning.pieces, "\n", "</think>", "\n\n"]


def _web_search(question: str, settings: object) -> list[dict[str, Any]]:
    """One search run, as compound-beta reported it in 008/017, its hits on the allowed
    domains of ``search_settings``."""
    options = settings if isinstance(settings, dict) else {}
    include = [d for d in options.get("include_domains") or [] if isinstance(d, str)]
    exclude = {d for d in options.get("exclude_domains") or [] if isinstance(d, str)}
    domains = [d for d in include or ["example.com", "example.org"] if d not in exclude]
    results = [
        {
            "title": f"Result {rank} for {question[:40]}",
            "url": f"https://{domain}/search/{rank}",
            "content": f"What {domain} says about {question[:40]}.",
            "score": round(0.97 - rank / 100, 7),
        }
        for rank, domain in enumerate(domains or ["example.net"], start=1)
    ]
    output = "\n\n".join(
        f"Title: {r['title']}\nURL: {r['url']}\nContent: {r['content']}\nScore: {r['score']}"
        for r in results
    )
    arguments = json.dumps({"query": question})
    return [
        {
            "index": 0,
            "type": "search",
            "arguments": arguments,
            "output": output,
            "search_results": {"results": results},
        }
    ]


def executed_tool_deltas(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The two deltas per tool of a compound stream (017): started, then finished."""
    deltas: list[dict[str, Any]] = []
    for tool in tools:
        started = {k: tool[k] for k in ("index", "type", "arguments")}
        deltas.append({"executed_tools": [{**started, "search_results": {"results": []}}]})
        deltas.append({"executed_tools": [tool]})
    return deltas


def usage_breakdown(usage: dict[str, Any]) -> dict[str, Any]:
    """Per-model usage of a compound reply (008, 017): the answering model does it all."""
    return {"models": [{"model": "llama-3.3-70b-versatile", "usage": usage}]}
