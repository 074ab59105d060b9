"""What the live chat endpoint refuses beyond its schema, each error worded as recorded.

Sources, per rule (corpus numbers in ``tests/fixtures/groq-recorded``):

- decommissioned models: 400 ``model_decommissioned`` (047, 048), not 404. The retired ids
  are those of the 2024 list (074) missing from the 2026 one (073), plus the models of
  recordings made before they were retired (007/016 deepseek-r1, 045 gemma2, 048 saba).
- a guard model with tools: 400 without a ``code`` (049).
- ``max_tokens`` above the model's ``max_completion_tokens``: not in the corpus; the wording
  is the live one quoted in public issue logs (``param: max_tokens``).
- prompt plus ``max_tokens`` beyond the context window: 400 ``context_length_exceeded`` with
  ``param: messages`` (070).
- a request larger than the tokens-per-minute limit: 413 of type ``tokens`` (067-069).
- reasoning combinations (``reasoning_format`` with ``include_reasoning``, ``raw`` with JSON
  mode or tools) and per-family ``reasoning_effort`` values: the 400s are documented
  (console.groq.com/docs/reasoning), their wording is not recorded: ours is assumed.
- flex at capacity: 498 ``capacity_exceeded`` (console.groq.com/docs/flex-processing and
  /docs/errors; the message text is assumed).
Schema errors carry no ``param`` (071).

One departure: the prompt of ``llama-3.1-8b-instant``, the model the app and CLI tests use,
is not measured against the context window and the tokens-per-minute limit, so a UI test can
still paste a megabyte and see it sent (test_app_chat); every other model refuses it as live.
"""

from __future__ import annotations

from typing import Any

from tests.loopback import wire

DECOMMISSIONED = frozenset(
    {
        "gemma-7b-it",
        "llama3-70b-8192",
        "llama3-8b-8192",
        "mixtral-8x7b-32768",
        "gemma2-9b-it",
        "mistral-saba-24b",
        "deepseek-r1-distill-llama-70b",
    }
)
GUARD_MODELS = ("meta-llama/llama-guard", "meta-llama/llama-prompt-guard")
REASONING_FORMATS = ("hidden", "raw", "parsed")
SERVICE_TIERS = ("auto", "on_demand", "flex", "performance")
ORGANIZATION = "org_01loopback0000000000000000"
SIZE_UNCHECKED = frozenset({"llama-3.1-8b-instant"})

FLEX_CAPACITY_EXCEEDED = wire.ApiError(
    498,
    "Flex tier capacity exceeded. This is a temporary condition; please retry later or "
    "use the on_demand service tier.",
    code="capacity_exceeded",
)


def decommissioned(model: str) -> wire.ApiError:
    """Corpus 047/048, word for word."""
    return wire.ApiError(
        400,
        f"The model `{model}` has been decommissioned and is no longer supported. Please "
        "refer to https://console.groq.com/docs/deprecations for a recommendation on which "
        "model to use instead.",
        code="model_decommissioned",
    )


def efforts(model: str) -> tuple[str, ...] | None:
    """The ``reasoning_effort`` values of a reasoning family, None for other models."""
    if "qwen3" in model:
        return ("none", "default")
    if "gpt-oss" in model:
        return ("low", "medium", "high")
    return None


def check_request(body: dict[str, Any], model: dict[str, Any], prompt_tokens: int) -> None:
    """Raise the live error for a request the model's limits or rules refuse."""
    model_id = str(model["id"])
    if body.get("tools") and model_id.startswith(GUARD_MODELS):
        raise wire.ApiError(400, "`tool calling` is not supported with this model")
    _check_reasoning(body, model_id)
    tier = body.get("service_tier")
    if tier is not None and tier not in SERVICE_TIERS:
        raise wire.ApiError(
            400, f"'service_tier' : value must be one of [{' '.join(SERVICE_TIERS)}]"
        )
    limit = model.get("max_completion_tokens")
    max_tokens = body.get("max_tokens") or body.get("max_completion_tokens")
    if isinstance(limit, int) and isinstance(max_tokens, int) and max_tokens > limit:
        raise wire.ApiError(
            400,
            f"`max_tokens` must be less than or equal to `{limit}`, the maximum value for "
            "`max_tokens` is less than the `context_window` for this model",
            param="max_tokens",
        )
    if model_id in SIZE_UNCHECKED:
        return
    requested = prompt_tokens + (max_tokens if isinstance(max_tokens, int) else 0)
    window = model.get("context_window")
    if isinstance(window, int) and requested > window:
        raise wire.ApiError(
            400,
            "Please reduce the length of the messages or completion.",
            param="messages",
            code="context_length_exceeded",
        )
    if requested > wire.LIMIT_TOKENS:
        raise request_too_large(model_id, requested)


def request_too_large(model: str, requested: int) -> wire.ApiError:
    """Corpus 067/068: a request that could never fit the tokens-per-minute limit."""
    return wire.ApiError(
        413,
        f"Request too large for model `{model}` in organization `{ORGANIZATION}` service tier "
        f"`on_demand` on tokens per minute (TPM): Limit {wire.LIMIT_TOKENS}, Requested "
        f"{requested}, please reduce your message size and try again. Visit "
        "https://console.groq.com/docs/rate-limits for more information.",
        type="tokens",
        code="rate_limit_exceeded",
    )


def _check_reasoning(body: dict[str, Any], model: str) -> None:
    reasoning_format = body.get("reasoning_format")
    if reasoning_format is not None and reasoning_format not in REASONING_FORMATS:
        raise wire.ApiError(
            400, f"'reasoning_format' : value must be one of [{' '.join(REASONING_FORMATS)}]"
        )
    if reasoning_format is not None and body.get("include_reasoning") is not None:
        raise wire.ApiError(
            400, "`reasoning_format` and `include_reasoning` cannot be used together"
        )
    if reasoning_format == "raw":
        response_format = body.get("response_format") or {}
        if response_format.get("type") in ("json_object", "json_schema"):
            raise wire.ApiError(
                400,
                "`reasoning_format` raw is not supported with JSON mode",
                param="reasoning_format",
            )
        if body.get("tools"):
            raise wire.ApiError(
                400, "`reasoning_format` raw is not supported with tools", param="reasoning_format"
            )
    effort = body.get("reasoning_effort")
    allowed = efforts(model)
    if effort is not None and allowed is not None and effort not in allowed:
        raise wire.ApiError(
            400,
            f"`reasoning_effort` must be one of {', '.join(allowed)} for model `{model}`",
            param="reasoning_effort",
        )
