"""Tool calls the loopback "model" makes: when a request forces them, and their arguments."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.loopback import wire


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str


def forced_tool_calls(body: dict[str, Any]) -> list[ToolCall]:
    """Tool calls the request forces: ``tool_choice`` "required" or a named function.

    "auto" answers in text, as a model usually does when a plain reply will do. Parallel
    calls (two tools) need ``parallel_tool_calls`` not false - the API default is true.
    """
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("function")]
    choice = body.get("tool_choice")
    if not tools or choice in (None, "none", "auto"):
        return []
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        chosen = [t for t in tools if t["function"].get("name") == name]
        if not chosen:
            raise wire.ApiError(
                400, f"tool_choice names function `{name}`, which is not in tools",
                param="tool_choice",
            )  # fmt: skip
    elif choice == "required":
        parallel = body.get("parallel_tool_calls") is not False and len(tools) >= 2
        chosen = tools[:2] if parallel else tools[:1]
    else:
        return []
    return [
        ToolCall(wire.tool_call_id(), t["function"]["name"], _arguments(t["function"]))
        for t in chosen
    ]


def forced_function_call(body: dict[str, Any]) -> ToolCall | None:
    """The deprecated ``functions`` + ``function_call: {"name": ...}`` form."""
    choice = body.get("function_call")
    functions = [f for f in body.get("functions") or [] if isinstance(f, dict)]
    if not isinstance(choice, dict) or not functions:
        return None
    function = next((f for f in functions if f.get("name") == choice.get("name")), functions[0])
    return ToolCall(wire.tool_call_id(), str(function.get("name")), _arguments(function))


def _arguments(function: dict[str, Any]) -> str:
    """Arguments a model might produce for the function's JSON schema, as a JSON string
    with the spaces the live models emit (corpus 038: ``{"city": "Detroit"}``)."""
    schema = function.get("parameters") or {}
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return "{}"
    return json.dumps({name: _sample(prop) for name, prop in properties.items()})


def _sample(schema: object) -> object:
    if not isinstance(schema, dict):
        return "example"
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    samples: dict[str, object] = {
        "integer": 1, "number": 1.5, "boolean": True, "array": [], "object": {}, "null": None,
    }  # fmt: skip
    return samples.get(kind, "example") if isinstance(kind, str) else "example"
