"""llama.cpp's chat answers reshaped into what the Groq service sends.

The differences that matter to a client: the model is named by its id (llama.cpp names the
file), usage carries the service's timings (``queue_time``, ``prompt_time``,
``completion_time``, ``total_time``, in seconds), every answer has ``x_groq.id``, a stream's
finishing chunk carries ``x_groq.usage``, the first chunk's ``delta.content`` is ``""`` and
reasoning arrives as ``reasoning`` (llama.cpp says ``reasoning_content``).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from typing import Any

from groq_tui.local.errors import from_llama_error

_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_request_id() -> str:
    """A request id in the service's style (``req_`` and 26 characters)."""
    return "req_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(26))


def groq_usage(
    usage: Mapping[str, Any] | None, timings: Mapping[str, Any] | None, queue_time: float
) -> dict[str, Any]:
    """The service's usage object from llama.cpp's token counts and timings.

    Args:
        usage: llama.cpp's ``usage`` (token counts).
        timings: llama.cpp's ``timings`` (milliseconds for the prompt and the generation).
        queue_time: Seconds the request waited for the model.
    """
    usage = usage or {}
    timings = timings or {}
    prompt_time = float(timings.get("prompt_ms") or 0.0) / 1000
    completion_time = float(timings.get("predicted_ms") or 0.0) / 1000
    prompt_tokens = int(usage.get("prompt_tokens") or 0)
    completion_tokens = int(usage.get("completion_tokens") or 0)
    return {
        "queue_time": round(queue_time, 6),
        "prompt_tokens": prompt_tokens,
        "prompt_time": round(prompt_time, 6),
        "completion_tokens": completion_tokens,
        "completion_time": round(completion_time, 6),
        "total_tokens": prompt_tokens + completion_tokens,
        "total_time": round(prompt_time + completion_time, 6),
    }


def _rename_reasoning(part: dict[str, Any]) -> None:
    if "reasoning_content" in part:
        reasoning = part.pop("reasoning_content")
        if reasoning:
            part["reasoning"] = reasoning


def _merge_tool_call(calls: dict[int, dict[str, Any]], piece: Mapping[str, Any]) -> None:
    call = calls.setdefault(
        int(piece.get("index") or 0),
        {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
    )
    if piece.get("id"):
        call["id"] = piece["id"]
    if piece.get("type"):
        call["type"] = piece["type"]
    function = piece.get("function") or {}
    call["function"]["name"] += function.get("name") or ""
    call["function"]["arguments"] += function.get("arguments") or ""


def assemble_completion(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """Add up llama.cpp's stream chunks into the non-streamed answer it would have given.

    Generating through the stream lets a non-streamed request be stopped part-way (a client
    gone, the engine stopping), which llama.cpp's one-shot call cannot.

    Returns:
        A ``chat.completion`` with llama.cpp's ``usage`` and ``timings``, or the first error
        object met.
    """
    answer: dict[str, Any] = {"object": "chat.completion"}
    content: list[str] = []
    reasoning: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    logprobs: list[Any] = []
    finish_reason: str | None = None
    for chunk in chunks:
        if "error" in chunk:
            return chunk
        for key in ("id", "created", "model", "system_fingerprint", "usage", "timings"):
            if key in chunk:
                answer[key] = chunk[key]
        for choice in chunk.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            content.append(delta.get("content") or "")
            reasoning.append(delta.get("reasoning_content") or "")
            for piece in delta.get("tool_calls") or ():
                _merge_tool_call(calls, piece)
            logprobs.extend((choice.get("logprobs") or {}).get("content") or ())
            finish_reason = choice.get("finish_reason") or finish_reason
    message: dict[str, Any] = {"role": "assistant", "content": "".join(content) or None}
    if any(reasoning):
        message["reasoning_content"] = "".join(reasoning)
    if calls:
        message["tool_calls"] = [calls[index] for index in sorted(calls)]
    elif message["content"] is None:
        message["content"] = ""
    answer["choices"] = [
        {
            "index": 0,
            "message": message,
            "logprobs": {"content": logprobs} if logprobs else None,
            "finish_reason": finish_reason,
        }
    ]
    return answer


def shape_completion(
    raw: Mapping[str, Any], *, model_id: str, request_id: str, queue_time: float
) -> dict[str, Any]:
    """A non-streamed ``chat.completion`` in the service's shape.

    Raises:
        EngineError: llama.cpp answered with an error object.
    """
    if "error" in raw:
        raise from_llama_error(raw)
    answer = {key: value for key, value in raw.items() if key not in ("timings", "usage")}
    answer["model"] = model_id
    choices = [dict(choice) for choice in raw.get("choices", ())]
    for choice in choices:
        message = dict(choice.get("message") or {})
        _rename_reasoning(message)
        choice["message"] = message
        choice.setdefault("logprobs", None)
    answer["choices"] = choices
    answer["usage"] = groq_usage(raw.get("usage"), raw.get("timings"), queue_time)
    answer["x_groq"] = {"id": request_id}
    return answer


class StreamShaper:
    """Turns llama.cpp's stream chunks into the service's, one chunk at a time.

    llama.cpp sends the finishing chunk (with ``finish_reason``) before a separate usage
    chunk; the service puts the usage into the finishing chunk's ``x_groq``. So the finishing
    chunk is held back until the usage arrives (or the stream ends).

    Args:
        model_id: The id to name the model by.
        request_id: The ``x_groq.id`` of this request.
        queue_time: Seconds the request waited for the model.
        include_usage: Whether the client asked for the extra usage chunk.
    """

    def __init__(
        self, *, model_id: str, request_id: str, queue_time: float, include_usage: bool
    ) -> None:
        self._model_id = model_id
        self._request_id = request_id
        self._queue_time = queue_time
        self._include_usage = include_usage
        self._first = True
        self._finishing: dict[str, Any] | None = None

    def feed(self, raw: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The chunks to send for one chunk from llama.cpp (possibly none yet).

        Raises:
            EngineError: The chunk is an error object.
        """
        if "error" in raw:
            raise from_llama_error(raw)
        chunk = {key: value for key, value in raw.items() if key not in ("timings", "usage")}
        chunk["model"] = self._model_id
        if "usage" in raw and not raw.get("choices"):
            return self._with_usage(chunk, groq_usage(raw["usage"], raw.get("timings"), 0.0))
        chunk["choices"] = [self._choice(choice) for choice in raw.get("choices", ())]
        if self._first:
            chunk["x_groq"] = {"id": self._request_id}
            self._first = False
        if any(choice.get("finish_reason") for choice in chunk["choices"]):
            self._finishing = chunk
            return []
        return [chunk]

    def close(self) -> list[dict[str, Any]]:
        """Whatever is still held back when the stream ends without a usage chunk."""
        finishing, self._finishing = self._finishing, None
        if finishing is None:
            return []
        finishing.setdefault("x_groq", {"id": self._request_id})
        return [finishing]

    def _choice(self, raw_choice: Mapping[str, Any]) -> dict[str, Any]:
        choice = dict(raw_choice)
        delta = dict(choice.get("delta") or {})
        _rename_reasoning(delta)
        if delta.get("role") and delta.get("content") is None:
            delta["content"] = ""
        choice["delta"] = delta
        choice.setdefault("logprobs", None)
        return choice

    def _with_usage(self, chunk: dict[str, Any], usage: dict[str, Any]) -> list[dict[str, Any]]:
        usage["queue_time"] = round(self._queue_time, 6)
        out: list[dict[str, Any]] = []
        finishing, self._finishing = self._finishing, None
        if finishing is not None:
            finishing["x_groq"] = {"id": self._request_id, "usage": usage}
            out.append(finishing)
        if self._include_usage:
            chunk["choices"] = []
            chunk["usage"] = usage
            chunk["x_groq"] = {"id": self._request_id}
            out.append(chunk)
        return out
