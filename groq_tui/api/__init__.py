"""The async Groq API client (httpx + pydantic only; no Textual, no settings files).

Its names are imported on first use (PEP 562): a part of the client such as
:mod:`groq_tui.api.params` or :mod:`groq_tui.api.errors` can be imported without loading httpx
and every API model (the app's first frame needs the parameter limits, not the client).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from groq_tui.lazy_names import lazy_names

if TYPE_CHECKING:
    from groq_tui.api.client import (
        DEFAULT_BASE_URL,
        DEFAULT_MAX_RETRIES,
        DEFAULT_TIMEOUT,
        GroqClient,
    )
    from groq_tui.api.errors import (
        APIConnectionError,
        APIError,
        APIResponseError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConflictError,
        FlexCapacityError,
        GroqError,
        InternalServerError,
        InvalidRequestParameter,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        RequestTimeoutError,
        RequestTooLargeError,
        StreamError,
        StreamInterrupted,
        StreamTimeout,
        UnprocessableEntityError,
        UnsupportedAudioFormat,
    )
    from groq_tui.api.params import (
        REASONING_EFFORTS,
        REASONING_FORMATS,
        SERVICE_TIERS,
        reasoning_efforts,
    )
    from groq_tui.api.ratelimit import RateLimits, parse_go_duration
    from groq_tui.api.streaming import ChatStream
    from groq_tui.api.thinking import ThinkSplitter, split_think
    from groq_tui.api.types import (
        ChatCompletion,
        ChatCompletionChunk,
        CompletionTokensDetails,
        ExecutedTool,
        Model,
        ModelList,
        PromptTokensDetails,
        SearchResult,
        ToolCall,
        Transcription,
        TranscriptionSegment,
        TranscriptionWord,
        Usage,
    )

_LAZY = {
    "DEFAULT_BASE_URL": "client",
    "DEFAULT_MAX_RETRIES": "client",
    "DEFAULT_TIMEOUT": "client",
    "GroqClient": "client",
    "APIConnectionError": "errors",
    "APIError": "errors",
    "APIResponseError": "errors",
    "APIStatusError": "errors",
    "APITimeoutError": "errors",
    "AuthenticationError": "errors",
    "BadRequestError": "errors",
    "ConflictError": "errors",
    "FlexCapacityError": "errors",
    "GroqError": "errors",
    "InternalServerError": "errors",
    "InvalidRequestParameter": "errors",
    "NotFoundError": "errors",
    "PermissionDeniedError": "errors",
    "RateLimitError": "errors",
    "RequestTimeoutError": "errors",
    "RequestTooLargeError": "errors",
    "StreamError": "errors",
    "StreamInterrupted": "errors",
    "StreamTimeout": "errors",
    "UnprocessableEntityError": "errors",
    "UnsupportedAudioFormat": "errors",
    "REASONING_EFFORTS": "params",
    "REASONING_FORMATS": "params",
    "SERVICE_TIERS": "params",
    "reasoning_efforts": "params",
    "RateLimits": "ratelimit",
    "parse_go_duration": "ratelimit",
    "ChatStream": "streaming",
    "ThinkSplitter": "thinking",
    "split_think": "thinking",
    "ChatCompletion": "types",
    "ChatCompletionChunk": "types",
    "CompletionTokensDetails": "types",
    "ExecutedTool": "types",
    "Model": "types",
    "ModelList": "types",
    "PromptTokensDetails": "types",
    "SearchResult": "types",
    "ToolCall": "types",
    "Transcription": "types",
    "TranscriptionSegment": "types",
    "TranscriptionWord": "types",
    "Usage": "types",
}
"""Each name, and the module of this package that holds it."""


__getattr__ = lazy_names(__name__, _LAZY)


__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "REASONING_EFFORTS",
    "REASONING_FORMATS",
    "SERVICE_TIERS",
    "APIConnectionError",
    "APIError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatStream",
    "CompletionTokensDetails",
    "ConflictError",
    "ExecutedTool",
    "FlexCapacityError",
    "GroqClient",
    "GroqError",
    "InternalServerError",
    "InvalidRequestParameter",
    "Model",
    "ModelList",
    "NotFoundError",
    "PermissionDeniedError",
    "PromptTokensDetails",
    "RateLimitError",
    "RateLimits",
    "RequestTimeoutError",
    "RequestTooLargeError",
    "SearchResult",
    "StreamError",
    "StreamInterrupted",
    "StreamTimeout",
    "ThinkSplitter",
    "ToolCall",
    "Transcription",
    "TranscriptionSegment",
    "TranscriptionWord",
    "UnprocessableEntityError",
    "UnsupportedAudioFormat",
    "Usage",
    "parse_go_duration",
    "reasoning_efforts",
    "split_think",
]
