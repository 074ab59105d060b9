"""The built-in tools a compound model ran for a reply, under the reply: foldable, with sources.

Each run shows its kind and what it was asked (a search's query, the code it ran), the pages
it found or visited as links (title and URL: a click opens them, as the terminal allows),
and its output (a search's text, the code's printout), shortened. The list starts folded
to one line: ``3 tool runs · 5 sources``.
"""

from __future__ import annotations

import json

from rich.style import Style
from rich.text import Text
from textual.widgets import Collapsible, Static

from groq_tui.domain import ExecutedTool
from groq_tui.safe_text import visible_controls

OUTPUT_LINES = 12
"""Lines of a tool's output shown (the rest is in the export)."""


def _arguments(tool: ExecutedTool) -> str:
    """What the tool was asked: a search's query or the code, else the arguments as sent."""
    try:
        arguments = json.loads(tool.arguments) if tool.arguments else {}
    except ValueError:
        return tool.arguments
    if isinstance(arguments, dict):
        for key in ("query", "code", "url"):
            value = arguments.get(key)
            if isinstance(value, str):
                return value
    return tool.arguments


def _shortened(text: str, lines: int = OUTPUT_LINES) -> str:
    kept = text.splitlines()
    if len(kept) <= lines:
        return text.rstrip()
    return "\n".join(kept[:lines]) + f"\n… ({len(kept) - lines} more lines)"


def tool_run_text(tool: ExecutedTool) -> Text:
    """One tool run as text: kind and request, its sources as links, its output."""
    text = Text()
    text.append(f"{visible_controls(tool.type or 'tool')}: ", style="bold")
    text.append(visible_controls(_arguments(tool)))
    for source in tool.sources:
        text.append("\n  • ")
        text.append(visible_controls(source.title), style="bold")
        text.append("  ")
        text.append(visible_controls(source.url), style=Style(link=source.url, underline=True))
    if tool.output and not tool.sources:
        text.append("\n")
        text.append(visible_controls(_shortened(tool.output)), style="dim")
    return text


def tools_title(tools: tuple[ExecutedTool, ...]) -> str:
    """``2 tool runs · 5 sources`` (the folded list's line)."""
    runs = f"{len(tools)} tool run" + ("s" if len(tools) != 1 else "")
    sources = sum(len(tool.sources) for tool in tools)
    if sources:
        runs += f" · {sources} source" + ("s" if sources != 1 else "")
    return runs


class ExecutedToolsList(Collapsible):
    """A reply's built-in tool runs, folded to one line until opened."""

    DEFAULT_CSS = """
    ExecutedToolsList { background: $boost; margin: 0 0 1 0; }
    ExecutedToolsList .tool-run { margin: 0 0 1 0; height: auto; }
    """

    def __init__(self, tools: tuple[ExecutedTool, ...], *, collapsed: bool = True) -> None:
        super().__init__(
            *(Static(tool_run_text(tool), classes="tool-run") for tool in tools),
            title=tools_title(tools),
            collapsed=collapsed,
        )
        self.tools = tools
