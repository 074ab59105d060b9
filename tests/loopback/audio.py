"""``POST /openai/v1/audio/transcriptions`` and ``/audio/translations`` like the live service.

The upload is really inspected: the filename's extension decides acceptance (live checks the
name, not the Content-Type), soundfile measures the duration, and undecodable audio is
refused. The "heard" text is ``LoopbackServer.transcript_text``; timestamps are spread
over the measured duration. Response shapes follow corpus 042 (json), 044 (text) and
077/078 (verbose_json).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any, Literal

from tests.loopback import corpus, wire
from tests.loopback.records import RecordedRequest

Task = Literal["transcribe", "translate"]

EXTENSIONS = ("flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "opus", "wav", "webm")
# What libsndfile can open; for the other containers the duration is reported as 0.
_DECODABLE = frozenset({"flac", "mp3", "mpga", "ogg", "opus", "wav"})
_FORMATS = ("json", "text", "verbose_json")
_GRANULARITIES = ("word", "segment")
_LANGUAGES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "nl": "Dutch", "pt": "Portuguese", "ru": "Russian", "ja": "Japanese", "zh": "Chinese",
    "ko": "Korean", "ar": "Arabic", "hi": "Hindi", "pl": "Polish", "sv": "Swedish",
}  # fmt: skip
_GRANULARITIES_FIELD = "timestamp_granularities[]"


@dataclass(frozen=True)
class AudioRequest:
    task: Task
    model: str
    duration: float
    response_format: str
    temperature: float
    granularities: tuple[str, ...]
    language: str


def _field(request: RecordedRequest, name: str) -> str | None:
    values = request.form.get(name)
    return values[-1] if values else None


def validate(request: RecordedRequest, task: Task, max_upload_bytes: int) -> AudioRequest:
    """Check the multipart request like the live API; raise ``ApiError`` on the first fault."""
    upload = request.files.get("file")
    if upload is None:
        raise wire.missing_property("file")
    if len(upload.data) > max_upload_bytes:
        # No live audio 413 is recorded (067-069 are chat's TPM 413s): the reason phrase of
        # console.groq.com/docs/errors ("413 Request Entity Too Large"); the code is assumed.
        raise wire.ApiError(413, "Request Entity Too Large", code="request_too_large")
    model = _field(request, "model")
    if not model:
        raise wire.missing_property("model")
    if corpus.find_model(model) is None:
        raise wire.model_not_found(model)
    if not model.startswith("whisper"):
        what = "audio transcriptions" if task == "transcribe" else "audio translations"
        raise wire.ApiError(400, f"The model `{model}` does not support {what}", param="model")
    name = upload.filename or ""
    extension = name.rsplit(".", 1)[1].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        # The live wording (seen in many client bug reports), Go-style list included.
        raise wire.ApiError(
            400, f"file must be one of the following types: [{' '.join(EXTENSIONS)}]"
        )
    response_format = _field(request, "response_format") or "json"
    if response_format not in _FORMATS:
        raise wire.ApiError(
            400,
            f"response_format must be one of [{' '.join(_FORMATS)}], got {response_format}",
            param="response_format",
        )
    temperature = _temperature(_field(request, "temperature"))
    granularities = tuple(request.form.get(_GRANULARITIES_FIELD, []))
    if task == "transcribe":
        _check_granularities(granularities, response_format)
    else:
        granularities = ()  # not a translation parameter
    language = _field(request, "language") or "en"
    return AudioRequest(
        task=task,
        model=model,
        duration=_duration(upload.data, extension),
        response_format=response_format,
        temperature=temperature,
        granularities=granularities,
        language="English" if task == "translate" else _LANGUAGES.get(language, language),
    )


def _temperature(text: str | None) -> float:
    if text is None:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        raise wire.ApiError(400, "'temperature' : value must be a number") from None
    if math.isnan(value) or not 0 <= value <= 1:
        bound = "at least 0" if value < 0 else "at most 1"
        raise wire.ApiError(400, f"'temperature' : number must be {bound}")
    return value


def _check_granularities(granularities: tuple[str, ...], response_format: str) -> None:
    if not granularities:
        return
    if response_format != "verbose_json":
        raise wire.ApiError(
            400,
            "timestamp_granularities requires response_format to be verbose_json",
            param="timestamp_granularities",
        )
    for value in granularities:
        if value not in _GRANULARITIES:
            raise wire.ApiError(
                400,
                f"timestamp_granularities must be one of [word segment], got {value}",
                param="timestamp_granularities",
            )


def _duration(data: bytes, extension: str) -> float:
    """Seconds of audio, measured with soundfile; undecodable audio is a 400 as live."""
    if not data:
        raise _unprocessable()
    if extension not in _DECODABLE:
        return 0.0
    import soundfile  # deferred: only audio requests need libsndfile

    try:
        info = soundfile.info(io.BytesIO(data))
    except (RuntimeError, TypeError, ValueError):  # soundfile.LibsndfileError is a RuntimeError
        raise _unprocessable() from None
    return float(info.frames) / info.samplerate if info.samplerate else 0.0


def _unprocessable() -> wire.ApiError:
    return wire.ApiError(400, "could not process file - is it a valid media file?")


# -- responses ---------------------------------------------------------------------------------


def _num(value: float) -> float | int:
    """Live serialises integer-valued floats as integers (corpus 077: ``"start":0``)."""
    rounded = round(value, 2)
    return int(rounded) if rounded == int(rounded) else rounded


def respond(audio: AudioRequest, transcript: str, request_id: str) -> tuple[bytes, str]:
    """The body and content type for the requested ``response_format``."""
    text = " " + transcript  # whisper output starts with a space (corpus 036, 042, 044, 077)
    if audio.response_format == "text":
        return text.encode(), "text/plain; charset=utf-8"
    if audio.response_format == "json":
        return wire.json_body({"text": text, "x_groq": {"id": request_id}}), wire.JSON_TYPE
    body: dict[str, Any] = {
        "task": audio.task,
        "language": audio.language,
        "duration": _num(audio.duration),
        "text": text,
    }
    if not audio.granularities or "segment" in audio.granularities:
        body["segments"] = _segments(transcript, audio)
    if "word" in audio.granularities:
        body["words"] = _words(transcript, audio.duration)
    body["x_groq"] = {"id": request_id}
    return wire.json_body(body), wire.JSON_TYPE


def _segments(transcript: str, audio: AudioRequest) -> list[dict[str, Any]]:
    """Two segments (one for a single word) spread over the duration, in whisper's shape."""
    words = transcript.split()
    halves = [words] if len(words) < 2 else [words[: len(words) // 2], words[len(words) // 2 :]]
    span = audio.duration / len(halves)
    segments = []
    for i, part in enumerate(halves):
        start, end = i * span, (i + 1) * span - (0.1 * span if i < len(halves) - 1 else 0)
        segments.append(
            {
                "id": i,
                "seek": 0,
                "start": _num(start),
                "end": _num(end),
                "text": " " + " ".join(part),
                "tokens": _tokens(part, start, end),
                "temperature": _num(audio.temperature),
                "avg_logprob": -0.23285496,
                "compression_ratio": 1.3211678,
                "no_speech_prob": 0.026396155,
            }
        )
    return segments


def _tokens(words: list[str], start: float, end: float) -> list[int]:
    """Whisper-like ids: timestamp tokens (50365 = <|0.00|>, 20 ms steps) around text ids."""
    text_ids = [200 + sum(map(ord, word)) * 7 % 50000 for word in words]
    return [50365 + round(start / 0.02), *text_ids, 50365 + round(end / 0.02)]


def _words(transcript: str, duration: float) -> list[dict[str, Any]]:
    words = transcript.split()
    step = duration / len(words) if words else 0.0
    return [
        {"word": word, "start": _num(i * step), "end": _num((i + 1) * step)}
        for i, word in enumerate(words)
    ]
