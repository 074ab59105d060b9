"""The audio endpoints' form fields checked, and their answers shaped like the service's.

``/audio/transcriptions`` and ``/audio/translations`` take multipart/form-data: ``file``,
``model``, ``language``, ``prompt``, ``response_format`` (json, text, verbose_json),
``temperature`` and ``timestamp_granularities[]`` (word, segment). Anything else is refused
with the service's 400 error rather than ignored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from groq_tui.local.errors import EngineError, invalid, unsupported
from groq_tui.local.speech_engine import SpeechOptions, Task, Transcript, language_name

ResponseFormat = Literal["json", "text", "verbose_json"]
RESPONSE_FORMATS: tuple[ResponseFormat, ...] = ("json", "text", "verbose_json")
GRANULARITIES = ("word", "segment")
FORM_FIELDS = (
    "file",
    "model",
    "language",
    "prompt",
    "response_format",
    "temperature",
    "timestamp_granularities[]",
    "timestamp_granularities",
)


@dataclass(frozen=True, slots=True)
class AudioRequest:
    """A checked audio request.

    Attributes:
        model: The speech model's id.
        audio: The uploaded file's bytes.
        options: What to ask the model for.
        response_format: How to shape the answer.
        granularities: Which timestamps verbose_json carries.
    """

    model: str
    audio: bytes
    options: SpeechOptions
    response_format: ResponseFormat
    granularities: tuple[str, ...]


def _single(fields: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = fields.get(name) or ()
    if len(values) > 1:
        raise invalid(name, "was given more than once")
    return values[0] if values else None


def _response_format(value: str | None) -> ResponseFormat:
    if value is None:
        return "json"
    for candidate in RESPONSE_FORMATS:
        if value == candidate:
            return candidate
    raise unsupported(
        "response_format", f"{value!r} is not offered; use one of {', '.join(RESPONSE_FORMATS)}"
    )


def _temperature(value: str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        temperature = float(value)
    except ValueError:
        raise invalid("temperature", f"must be a number between 0 and 1, got {value!r}") from None
    if not math.isfinite(temperature) or not 0 <= temperature <= 1:
        raise invalid("temperature", f"must be between 0 and 1, got {value}")
    return temperature


def _granularities(
    fields: Mapping[str, Sequence[str]], response_format: ResponseFormat
) -> tuple[str, ...]:
    values = [
        *(fields.get("timestamp_granularities[]") or ()),
        *(fields.get("timestamp_granularities") or ()),
    ]
    for value in values:
        if value not in GRANULARITIES:
            raise invalid("timestamp_granularities", f"each must be word or segment, got {value!r}")
    if values and response_format != "verbose_json":
        raise invalid("timestamp_granularities", "requires response_format=verbose_json")
    return tuple(dict.fromkeys(values))


def parse_audio_form(
    fields: Mapping[str, Sequence[str]], audio: bytes | None, task: Task
) -> AudioRequest:
    """Check the form of an audio request.

    Args:
        fields: Every text field, by name (a name may repeat).
        audio: The ``file`` part's bytes, None if there was none.
        task: ``transcribe`` or ``translate``, by endpoint.

    Raises:
        EngineError: A field is missing, invalid, or not one the engine honours.
    """
    for name in fields:
        if name not in FORM_FIELDS:
            raise unsupported(name, "it is not a parameter of the audio endpoints")
    model = _single(fields, "model")
    if not model:
        raise invalid("model", "is required")
    if audio is None:
        raise invalid("file", "is required (multipart/form-data with a 'file' part)")
    if not audio:
        raise invalid("file", "is empty")
    language = _single(fields, "language") or None
    if language is not None:
        language = language.lower()
        if not (len(language) == 2 and language.isascii() and language.isalpha()):
            raise invalid("language", f"must be an ISO-639-1 code such as 'en', got {language!r}")
    response_format = _response_format(_single(fields, "response_format"))
    granularities = _granularities(fields, response_format)
    options = SpeechOptions(
        task=task,
        language=language,
        prompt=_single(fields, "prompt") or None,
        temperature=_temperature(_single(fields, "temperature")),
        word_timestamps="word" in granularities,
    )
    return AudioRequest(
        model=model,
        audio=audio,
        options=options,
        response_format=response_format,
        granularities=granularities or ("segment",),
    )


def shape_transcript(
    transcript: Transcript, request: AudioRequest, request_id: str
) -> dict[str, Any] | str:
    """The answer in the requested format: a JSON object, or plain text for ``text``."""
    if request.response_format == "text":
        return transcript.text
    x_groq = {"id": request_id}
    if request.response_format == "json":
        return {"text": transcript.text, "x_groq": x_groq}
    answer: dict[str, Any] = {
        "task": request.options.task,
        "language": language_name(transcript.language),
        "duration": transcript.duration,
        "text": transcript.text,
    }
    if "segment" in request.granularities:
        answer["segments"] = transcript.segments
    if "word" in request.granularities:
        answer["words"] = transcript.words
    answer["x_groq"] = x_groq
    return answer


def too_large(limit: int) -> EngineError:
    """A 413 for an upload over ``limit`` bytes."""
    return EngineError(
        f"the upload is larger than the engine accepts ({limit // (1024 * 1024)} MiB)",
        status=413,
        param="file",
        code="request_too_large",
    )
