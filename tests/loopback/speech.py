"""``POST /openai/v1/audio/speech`` like the live service: real audio of the asked format.

The voice is espeak-ng (the same tool the virtual microphone speaks with), so what comes back
is speech a Whisper model can transcribe; it is resampled to ``sample_rate`` and encoded by
libsndfile as wav, flac, mp3 or ogg (Vorbis), or as raw 8-bit mu-law for ``mulaw``.
Requests are validated as live: the JSON schema's wording for missing fields, the model
list from the corpus, the models' voices and input limit.
"""

from __future__ import annotations

import asyncio
import io
import math
import subprocess
from dataclasses import dataclass
from typing import Any

import numpy as np
import soundfile as sf
from aiohttp import web

from tests.loopback import corpus, wire
from tests.loopback.exchange import Exchange

VOICES = {
    "canopylabs/orpheus-v1-english": ("autumn", "diana", "hannah", "austin", "daniel", "troy"),
    "canopylabs/orpheus-arabic-saudi": ("abdullah", "fahad", "sultan", "lulwa", "noura", "aisha"),
}
INPUT_LIMIT = 200
FORMATS = {
    "wav": ("WAV", "PCM_16", "audio/wav"),
    "flac": ("FLAC", "PCM_16", "audio/flac"),
    "mp3": ("MP3", "MPEG_LAYER_III", "audio/mpeg"),
    "ogg": ("OGG", "VORBIS", "audio/ogg"),
    "mulaw": ("RAW", "ULAW", "audio/basic"),
}
DEFAULT_RATE = 48_000
ESPEAK_RATE = 22_050
ESPEAK_WORDS_PER_MINUTE = 175


@dataclass(frozen=True)
class SpeechRequest:
    model: str
    text: str
    voice: str
    response_format: str
    sample_rate: int
    speed: float


def validate(body: Any) -> SpeechRequest:
    """Check the JSON body like the live API; raise ``ApiError`` on the first fault."""
    if not isinstance(body, dict):
        raise wire.ApiError(400, "request body must be a JSON object")
    for name in ("model", "input", "voice"):
        if name not in body:
            raise wire.missing_property(name)
    model = body["model"]
    if corpus.find_model(str(model)) is None:
        raise wire.model_not_found(str(model))
    voices = VOICES.get(model)
    if voices is None:
        raise wire.ApiError(
            400,
            f"model `{model}` does not support text to speech",
            param="model",
            code="model_not_supported",
        )
    voice = body["voice"]
    if voice not in voices:
        raise wire.ApiError(
            400,
            f"voice must be one of [{' '.join(voices)}]",
            param="voice",
            code="invalid_voice",
        )
    text = body["input"]
    if not isinstance(text, str) or not text.strip():
        raise wire.ApiError(400, "'input' : input must not be empty", param="input")
    if len(text) > INPUT_LIMIT:
        raise wire.ApiError(
            400,
            f"input must be at most {INPUT_LIMIT} characters, got {len(text)}",
            param="input",
            code="input_too_long",
        )
    fmt = body.get("response_format", "wav")
    if fmt not in FORMATS:
        raise wire.ApiError(
            400,
            f"response_format must be one of [{' '.join(FORMATS)}]",
            param="response_format",
        )
    rate = body.get("sample_rate", DEFAULT_RATE)
    if not isinstance(rate, int) or not 8000 <= rate <= 48000:
        raise wire.ApiError(400, "sample_rate must be between 8000 and 48000", param="sample_rate")
    speed = body.get("speed", 1.0)
    if not isinstance(speed, int | float) or not 0.5 <= speed <= 5.0:
        raise wire.ApiError(400, "speed must be between 0.5 and 5", param="speed")
    return SpeechRequest(model, text, voice, fmt, rate, float(speed))


async def respond(ex: Exchange) -> web.Response:
    """Validate the request and answer with the audio (rendered off the server's loop)."""
    request = validate(ex.recorded.json)
    body, content_type = await asyncio.to_thread(render, request)
    return ex.body(200, body, content_type, ex.headers(200))


def render(request: SpeechRequest) -> tuple[bytes, str]:
    """The spoken text as a file of the asked format, and its content type."""
    words_per_minute = max(80, round(ESPEAK_WORDS_PER_MINUTE * request.speed))
    wav = subprocess.run(
        ["espeak-ng", "-s", str(words_per_minute), "--stdout", request.text],
        check=True,
        capture_output=True,
        timeout=30,
    ).stdout
    samples, rate = sf.read(io.BytesIO(wav), dtype="float32")
    samples = _resample(samples, rate, request.sample_rate)
    container, subtype, content_type = FORMATS[request.response_format]
    out = io.BytesIO()
    if container == "RAW":
        sf.write(out, samples, request.sample_rate, format="RAW", subtype=subtype)
    else:
        sf.write(out, samples, request.sample_rate, format=container, subtype=subtype)
    return out.getvalue(), content_type


def _resample(samples: np.ndarray[Any, Any], rate: int, wanted: int) -> np.ndarray[Any, Any]:
    if rate == wanted or not len(samples):
        return samples
    count = math.ceil(len(samples) * wanted / rate)
    positions = np.arange(count) * (rate / wanted)
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)
