"""Response models for the Groq (OpenAI-compatible) API.

Every model accepts fields it does not know (``extra="allow"``): the live service sends far
more than its reference documents (``x_groq``, ``queue_time``, ``reasoning``,
``usage_breakdown``, ``service_tier``, ``executed_tools`` ...) and adds fields over time.
A new field must never break parsing, so only the fields the app relies on are declared and
almost all of them have defaults.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from groq_tui.api.ratelimit import RateLimits


class APIObject(BaseModel):
    """Base of every response model: unknown fields are kept, never rejected.

    Each model's validator is built when it first validates, not as this module is imported:
    building all of them took about 55 ms of the app's start, before the model list could
    load. :func:`prepare_reply_types` builds the ones a reply needs ahead of it.
    """

    model_config = ConfigDict(extra="allow", protected_namespaces=(), defer_build=True)


class APIResponse(APIObject):
    """A top-level response object: remembers the HTTP metadata it came with."""

    _rate_limits: RateLimits = PrivateAttr(default_factory=RateLimits)
    _request_id: str | None = PrivateAttr(default=None)

    @property
    def rate_limits(self) -> RateLimits:
        """The x-ratelimit-* and retry-after headers of the response this object came in."""
        return self._rate_limits

    @property
    def request_id(self) -> str | None:
        """The server's x-request-id, useful in bug reports."""
        return self._request_id


# --- chat completions -------------------------------------------------------------------


class FunctionCall(APIObject):
    """A function name and its JSON-encoded arguments, as the model produced them."""

    name: str = ""
    arguments: str = ""


class ToolCall(APIObject):
    """A whole tool call made by the model."""

    id: str = ""
    type: str = "function"
    function: FunctionCall = Field(default_factory=FunctionCall)


class PromptTokensDetails(APIObject):
    """What the prompt's tokens were made of (recording 004)."""

    cached_tokens: int = 0
    """Prompt tokens served from the prompt cache (billed at a lower rate)."""


class CompletionTokensDetails(APIObject):
    """What the completion's tokens were made of (recordings 003, 013, 032, 053)."""

    reasoning_tokens: int = 0
    """Tokens the model spent reasoning before (or instead of) answering."""


class Usage(APIObject):
    """Token counts and the server's own timings (seconds) for one request."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    queue_time: float | None = None
    prompt_time: float | None = None
    completion_time: float | None = None
    total_time: float | None = None
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None

    @property
    def reasoning_tokens(self) -> int | None:
        """``completion_tokens_details.reasoning_tokens``, when the server sent it."""
        details = self.completion_tokens_details
        return None if details is None else details.reasoning_tokens

    @property
    def cached_tokens(self) -> int | None:
        """``prompt_tokens_details.cached_tokens``, when the server sent it."""
        details = self.prompt_tokens_details
        return None if details is None else details.cached_tokens


class ModelUsage(APIObject):
    """One model's share of a compound system's usage."""

    model: str = ""
    usage: Usage | None = None


class UsageBreakdown(APIObject):
    """Per-model usage of a compound system (recordings 008, 017); ``models`` may be null."""

    models: list[ModelUsage] | None = None


class XGroq(APIObject):
    """Groq's own extension object.

    ``id`` on the first chunk (and on non-streamed replies), ``seed`` where the server chose
    one, ``usage`` (and ``usage_breakdown`` for compound models) on the last stream chunk,
    ``error`` when a stream failed (SDK types), ``usage`` with dram/sram cache counts on
    non-streamed replies is kept as extra fields.
    """

    id: str | None = None
    seed: int | None = None
    usage: Usage | None = None
    usage_breakdown: UsageBreakdown | None = None
    error: str | None = None


# --- built-in tools of compound models -----------------------------------------------------


class SearchResult(APIObject):
    """One web search hit of a built-in search tool."""

    title: str | None = None
    url: str | None = None
    content: str | None = None
    score: float | None = None


class SearchResults(APIObject):
    """The hits (and image URLs) of a built-in search tool."""

    results: list[SearchResult] | None = None
    images: list[str] | None = None


class BrowserResult(APIObject):
    """A page a built-in browser tool visited."""

    title: str | None = None
    url: str | None = None
    content: str | None = None
    live_view_url: str | None = None


class CodeResult(APIObject):
    """What a built-in code interpreter run produced (text, an image, charts)."""

    text: str | None = None
    png: str | None = None


class ExecutedTool(APIObject):
    """A built-in tool a compound model ran on the server (web search, code, browsing).

    In a stream the same ``index`` arrives more than once: first with the arguments, then
    again with the output and results (recording 017); the later piece wins field by field.
    """

    index: int = 0
    type: str = ""
    arguments: str = ""
    output: str | None = None
    search_results: SearchResults | None = None
    browser_results: list[BrowserResult] | None = None
    code_results: list[CodeResult] | None = None

    @property
    def sources(self) -> list[SearchResult | BrowserResult]:
        """The search hits and visited pages, in the order the server listed them."""
        found: list[SearchResult | BrowserResult] = []
        if self.search_results is not None and self.search_results.results:
            found.extend(self.search_results.results)
        if self.browser_results:
            found.extend(self.browser_results)
        return found


class ChatCompletionMessage(APIObject):
    """The assistant message of a non-streamed completion."""

    role: str = "assistant"
    content: str | None = None
    reasoning: str | None = None
    """The model's reasoning (``reasoning_format="parsed"``, and gpt-oss by default)."""
    tool_calls: list[ToolCall] | None = None
    function_call: FunctionCall | None = None
    executed_tools: list[ExecutedTool] | None = None
    """Built-in tools a compound model ran before answering (recording 008)."""


class Choice(APIObject):
    """One choice of a completion (Groq only supports n=1)."""

    index: int = 0
    message: ChatCompletionMessage = Field(default_factory=ChatCompletionMessage)
    finish_reason: str | None = None
    logprobs: Any = None


class ChatCompletion(APIResponse):
    """A whole chat completion (``stream=False``)."""

    id: str = ""
    object: str = "chat.completion"
    created: int = 0
    model: str = ""
    system_fingerprint: str | None = None
    choices: list[Choice] = []
    usage: Usage | None = None
    usage_breakdown: UsageBreakdown | None = None
    x_groq: XGroq | None = None
    service_tier: str | None = None
    """The tier that served the request (auto, on_demand, flex, performance)."""

    @property
    def text(self) -> str:
        """The first choice's content, or "" when the model only called tools."""
        if not self.choices:
            return ""
        return self.choices[0].message.content or ""

    @property
    def reasoning(self) -> str:
        """The first choice's reasoning field, or "" when the server sent none."""
        if not self.choices:
            return ""
        return self.choices[0].message.reasoning or ""

    @property
    def executed_tools(self) -> list[ExecutedTool]:
        """The first choice's built-in tool runs (compound models), or []."""
        if not self.choices:
            return []
        return self.choices[0].message.executed_tools or []


class FunctionCallDelta(APIObject):
    """A piece of a tool call's function: the name first, then argument fragments."""

    name: str | None = None
    arguments: str | None = None


class ToolCallDelta(APIObject):
    """A piece of a streamed tool call, addressed by ``index``."""

    index: int = 0
    id: str | None = None
    type: str | None = None
    function: FunctionCallDelta | None = None


class ChoiceDelta(APIObject):
    """What one stream chunk adds to a choice."""

    role: str | None = None
    content: str | None = None
    reasoning: str | None = None
    channel: str | None = None
    """gpt-oss marks its reasoning deltas ``"analysis"`` (recordings 019, 053)."""
    tool_calls: list[ToolCallDelta] | None = None
    function_call: FunctionCallDelta | None = None
    executed_tools: list[ExecutedTool] | None = None


class ChunkChoice(APIObject):
    """One choice of a stream chunk."""

    index: int = 0
    delta: ChoiceDelta = Field(default_factory=ChoiceDelta)
    finish_reason: str | None = None
    logprobs: Any = None


class ChatCompletionChunk(APIObject):
    """One server-sent event of a streamed completion."""

    id: str = ""
    object: str = "chat.completion.chunk"
    created: int = 0
    model: str = ""
    system_fingerprint: str | None = None
    choices: list[ChunkChoice] = []
    usage: Usage | None = None
    x_groq: XGroq | None = None
    service_tier: str | None = None
    """Sent on the usage-only last chunk of ``include_usage`` streams (recording 053)."""

    @property
    def first_choice(self) -> ChunkChoice | None:
        """Choice 0, the one a reply is made of (None on a usage-only chunk)."""
        for choice in self.choices:
            if choice.index == 0:
                return choice
        return None


# --- models -----------------------------------------------------------------------------


class Model(APIResponse):
    """A model the server offers."""

    id: str
    object: str = "model"
    created: int = 0
    owned_by: str = ""
    active: bool | None = None
    """False for a model the server lists but no longer serves."""
    context_window: int | None = None
    """Prompt plus completion tokens the model can hold."""
    max_completion_tokens: int | None = None
    """The largest ``max_tokens`` the model accepts."""

    @property
    def is_audio(self) -> bool:
        """Whether this is a speech-to-text model (not offered for chat)."""
        return "whisper" in self.id.lower()

    @property
    def kind(self) -> ModelKind:
        """What the model does. /models does not say, so this goes by the id, as
        :attr:`is_audio` does: Groq's Orpheus and PlayAI voices and the offline engine's Piper
        voice speak; Llama Guard, Prompt Guard and gpt-oss-safeguard answer a chat request
        with a verdict, not a reply."""
        name = self.id.lower()
        if self.is_audio:
            return "speech to text"
        if any(part in name for part in _TEXT_TO_SPEECH):
            return "text to speech"
        return "moderation" if "guard" in name else "chat"


_TEXT_TO_SPEECH = ("tts", "orpheus", "piper")
"""Parts of a text-to-speech model's id."""
ModelKind = Literal["chat", "moderation", "speech to text", "text to speech"]
"""What a model does (:attr:`Model.kind`)."""


class ModelList(APIResponse):
    """The answer of GET /models."""

    object: str = "list"
    data: list[Model] = []


# --- audio ------------------------------------------------------------------------------


class TranscriptionWord(APIObject):
    """A word with its start and end time in seconds (verbose_json, word granularity)."""

    word: str
    start: float
    end: float


class TranscriptionSegment(APIObject):
    """A segment with its times in seconds (verbose_json)."""

    id: int = 0
    seek: int = 0
    start: float
    end: float
    text: str
    tokens: list[int] = []
    temperature: float | None = None
    avg_logprob: float | None = None
    compression_ratio: float | None = None
    no_speech_prob: float | None = None


class Transcription(APIResponse):
    """The answer of /audio/transcriptions and /audio/translations.

    For ``response_format="text"`` the server sends plain text; it arrives here as ``text``
    with the other fields empty, so callers handle one type whatever format they asked for.
    """

    text: str
    task: str | None = None
    language: str | None = None
    duration: float | None = None
    segments: list[TranscriptionSegment] | None = None
    words: list[TranscriptionWord] | None = None
    x_groq: XGroq | None = None


def prepare_reply_types() -> None:
    """Build the validators a reply streams through (deferred at import; blocking, about
    20 ms: call it from a worker thread once the app has started)."""
    for model in (ChatCompletionChunk, ChatCompletion):
        model.model_rebuild(force=True)
