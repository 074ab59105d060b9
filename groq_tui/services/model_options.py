"""What a model's requests can carry, for the parameter panel: reasoning controls per family,
service tiers, compound models' search settings, the max_tokens bound, and the combinations the
service refuses.

The values and the refusals are the client's own (:mod:`groq_tui.api.params`): the panel
offers what the client would send and refuses what the client would refuse, with the same
message, before anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from groq_tui.api.errors import InvalidRequestParameter
from groq_tui.api.params import (
    REASONING_EFFORTS,
    REASONING_FORMATS,
    SERVICE_TIERS,
    check_reasoning,
    check_search_settings,
    check_service_tier,
    reasoning_efforts,
)
from groq_tui.domain import ChatParameters

if TYPE_CHECKING:
    from groq_tui.api.types import Model

__all__ = [
    "DEFAULT_MAX_TOKENS_LIMIT",
    "SERVICE_TIERS",
    "ReasoningControls",
    "max_tokens_limit",
    "reasoning_controls",
    "refusal",
    "takes_search_settings",
]

DEFAULT_MAX_TOKENS_LIMIT = 8192
"""The max_tokens slider's end for a model whose limits the server did not give."""

_REASONING_FAMILIES = ("gpt-oss", "qwen3", "deepseek-r1", "compound")
"""Model names that take the reasoning parameters (Groq's reasoning docs)."""

_SEARCHING_FAMILY = "compound"
"""Model names with the built-in web search, which take ``search_settings`` (``groq/compound``,
``groq/compound-mini``, ``compound-beta`` and their successors)."""


@dataclass(frozen=True, slots=True)
class ReasoningControls:
    """The reasoning parameters a model takes, with the values its family accepts."""

    efforts: tuple[str, ...]
    """``reasoning_effort`` values (empty: the model takes none)."""
    formats: tuple[str, ...] = REASONING_FORMATS
    """``reasoning_format`` values."""


def reasoning_controls(model: str) -> ReasoningControls | None:
    """The reasoning parameters ``model`` takes, or None for a model that does not reason."""
    name = model.lower()
    if not any(family in name for family in _REASONING_FAMILIES):
        return None
    efforts = reasoning_efforts(model)
    # A family the client does not list allows every value: offer none rather than guess.
    return ReasoningControls(() if efforts == REASONING_EFFORTS else efforts)


def takes_search_settings(model: str) -> bool:
    """Whether ``model`` searches the web itself and takes ``search_settings``."""
    return _SEARCHING_FAMILY in model.lower()


def refusal(
    model: str, parameters: ChatParameters, tools: Sequence[dict[str, Any]] | None = None
) -> str | None:
    """Why the service would refuse these reasoning, tier and search settings (the client's
    own message, naming the parameter), or None when it would take them."""
    body = {"model": model, **parameters.reply_parameters(list(tools or ())).to_request()}
    try:
        check_reasoning(body)
        check_service_tier(body.get("service_tier"))
        check_search_settings(body.get("search_settings"))
    except InvalidRequestParameter as exc:
        return str(exc)
    return None


def max_tokens_limit(model: Model | None) -> int:
    """The most ``max_tokens`` a model takes: its ``max_completion_tokens``, else its
    context window (from /models), else :data:`DEFAULT_MAX_TOKENS_LIMIT`."""
    if model is not None:
        for limit in (model.max_completion_tokens, model.context_window):
            if limit:
                return limit
    return DEFAULT_MAX_TOKENS_LIMIT
