"""The SSE events of one streamed chat reply, encoded as the live service frames them.

Content and reasoning deltas use a pre-encoded prefix and suffix, so a 10,000-chunk stream
costs one small ``json.dumps`` per piece.
"""

from __future__ import annotations

from typing import Any

from tests.loopback import wire


class ChunkEncoder:
    """Encodes the SSE events of one stream (one completion id, model and fingerprint)."""

    def __init__(
        self, model: str, completion_id: str, created: int, fingerprint: str, request_id: str
    ) -> None:
        self.model = model
        self.request_id = request_id
        head = wire.dumps(
            {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": fingerprint,
            }
        )[:-1]
        self._head = head
        self._content_prefix = f'data: {head},"choices":[{{"index":0,"delta":{{"content":'.encode()
        self._content_suffix = b'},"logprobs":null,"finish_reason":null}]}\n\n'
        self._reasoning_prefix = (
            f'data: {head},"choices":[{{"index":0,"delta":{{"reasoning":'.encode()
        )
        self._channel_suffix = b',"channel":"analysis"' + self._content_suffix

    def content(self, piece: str) -> bytes:
        return self._content_prefix + wire.dumps(piece).encode() + self._content_suffix

    def reasoning(self, piece: str, channel: str | None) -> bytes:
        """A reasoning delta, with gpt-oss's ``"channel": "analysis"`` (053) or without (035)."""
        suffix = self._channel_suffix if channel else self._content_suffix
        return self._reasoning_prefix + wire.dumps(piece).encode() + suffix

    def chunk(self, delta: dict[str, Any], finish_reason: str | None = None, **extra: Any) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        tail = wire.dumps({"choices": [choice], **extra})[1:]
        return f"data: {self._head},{tail}\n\n".encode()

    def first(self, content: str | None = "", seed: int | None = None) -> bytes:
        x_groq: dict[str, Any] = {"id": self.request_id}
        if seed is not None:
            x_groq["seed"] = seed
        return self.chunk({"role": "assistant", "content": content}, x_groq=x_groq)

    def last(
        self,
        finish_reason: str,
        usage_: dict[str, Any],
        include_usage: bool,
        breakdown: dict[str, Any] | None = None,
    ) -> bytes:
        """The final chunk: empty delta, finish_reason, usage in ``x_groq`` (and top-level
        ``usage`` too when ``stream_options.include_usage`` asked, as in corpus 051; a
        compound model's ``usage_breakdown`` beside it, as in 017)."""
        x_groq: dict[str, Any] = {"id": self.request_id, "usage": usage_}
        if breakdown is not None:
            x_groq["usage_breakdown"] = breakdown
        extra: dict[str, Any] = {"x_groq": x_groq}
        if include_usage:
            extra["usage"] = usage_
        return self.chunk({}, finish_reason, **extra)

    def usage_only(self, usage_: dict[str, Any], service_tier: str = "on_demand") -> bytes:
        """The extra ``choices: []`` chunk sent for ``include_usage`` (corpus 051/052/055)."""
        tail = wire.dumps({"choices": [], "usage": usage_, "service_tier": service_tier})[1:]
        return f"data: {self._head},{tail}\n\n".encode()
