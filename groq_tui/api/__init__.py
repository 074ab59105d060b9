"""The async Groq API client (httpx + pydantic only; no Textual, no settings files).

Its names are imported on first use (PEP 562): a part of the client such as
:mod:`groq_tui.api.params` or :mod:`groq_tui.api.errors` can be imported without loading httpx
and every API model (the app's first frame needs the parameter limits, not the client).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from groq_tui.lazy_names import lazy_names

# httpx imports its own command line client whenever click, rich and pygments are installed
# (the local engine's packages and Textual bring them): about 20 ms of every start-up here,
# for a command this package never runs. Its import falls back to a stub without it.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

if TYPE_CHECKING:
    from groq_tui.api.client import (
        DEFAULT_BASE_URL as DEFAULT_BASE_URL,
        DEFAULT_MAX_RETRIES as DEFAULT_MAX_RETRIES,
        DEFAULT_TIMEOUT as DEFAULT_TIMEOUT,
        GroqClient as GroqClient,
    )
    from groq_tui.api.errors import (
        APIConnectionError as APIConnectionError,
        APIError as APIError,
        APIResponseError as APIResponseError,
        APIStatusError as APIStatusError,
        APITimeoutError as APITimeoutError,
        AuthenticationError as AuthenticationError,
        BadRequestError as BadRequestError,
        ConflictError as ConflictError,
        FlexCapacityError as FlexCapacityError,
        GroqError as GroqError,
        InternalServerError as InternalServerError,
        InvalidRequestParameter as InvalidRequestParameter,
        NotFoundError as NotFoundError,
        PermissionDeniedError as PermissionDeniedError,
        RateLimitError as RateLimitError,
        RequestTimeoutError as RequestTimeoutError,
        RequestTooLargeError as RequestTooLargeError,
        StreamError as StreamError,
        StreamInterrupted as StreamInterrupted,
        StreamTimeout as StreamTimeout,
        UnprocessableEntityError as UnprocessableEntityError,
        UnsupportedAudioFormat as UnsupportedAudioFormat,
    )
    from groq_tui.api.params import (
        REASONING_EFFORTS as REASONING_EFFORTS,
        REASONING_FORMATS as REASONING_FORMATS,
        SERVICE_TIERS as SERVICE_TIERS,
        reasoning_efforts as reasoning_efforts,
    )
    from groq_tui.api.ratelimit import (
        RateLimits as RateLimits,
        parse_go_duration as parse_go_duration,
    )
    from groq_tui.api.streaming import (
        ChatStream as ChatStream,
    )
    from groq_tui.api.thinking import (
        ThinkSplitter as ThinkSplitter,
        split_think as split_think,
    )
    from groq_tui.api.types import (
        ChatCompletion as ChatCompletion,
        ChatCompletionChunk as ChatCompletionChunk,
        CompletionTokensDetails as CompletionTokensDetails,
        ExecutedTool as ExecutedTool,
        Model as Model,
        ModelList as ModelList,
        PromptTokensDetails as PromptTokensDetails,
        SearchResult as SearchResult,
        ToolCall as ToolCall,
        Transcription as Transcription,
        TranscriptionSegment as TranscriptionSegment,
        TranscriptionWord as TranscriptionWord,
        Usage as Usage,
    )

_LAZY = {
    "client": ("DEFAULT_BASE_URL", "DEFAULT_MAX_RETRIES", "DEFAULT_TIMEOUT", "GroqClient"),
    "errors": (
        "APIConnectionError",
        "APIError",
        "APIResponseError",
        "APIStatusError",
        "APITimeoutError",
        "AuthenticationError",
        "BadRequestError",
        "ConflictError",
        "FlexCapacityError",
        "GroqError",
        "InternalServerError",
        "InvalidRequestParameter",
        "NotFoundError",
        "PermissionDeniedError",
        "RateLimitError",
        "RequestTimeoutError",
        "RequestTooLargeError",
        "StreamError",
        "StreamInterrupted",
        "StreamTimeout",
        "UnprocessableEntityError",
        "UnsupportedAudioFormat",
    ),
    "params": ("REASONING_EFFORTS", "REASONING_FORMATS", "SERVICE_TIERS", "reasoning_efforts"),
    "ratelimit": ("RateLimits", "parse_go_duration"),
    "streaming": ("ChatStream",),
    "thinking": ("ThinkSplitter", "split_think"),
    "types": (
        "ChatCompletion",
        "ChatCompletionChunk",
        "CompletionTokensDetails",
        "ExecutedTool",
        "Model",
        "ModelList",
        "PromptTokensDetails",
        "SearchResult",
        "ToolCall",
        "Transcription",
        "TranscriptionSegment",
        "TranscriptionWord",
        "Usage",
    ),
}
"""The names imported on first use, by the module of this package that holds them."""


__getattr__ = lazy_names(__name__, _LAZY)


__all__ = sorted(name for names in _LAZY.values() for name in names)
