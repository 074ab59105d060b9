"""Speech to text with a CTranslate2 Whisper model through ``faster-whisper``.

Models load from a local directory only (``local_files_only`` and ``HF_HUB_OFFLINE=1``):
nothing is fetched from a model hub. Inference blocks, so it runs in a worker thread of the
model's own, one request at a time; the wait for it is reported as ``queue_time``.
"""

from __future__ import annotations

import importlib
import io
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol, cast

from groq_tui.local.errors import EngineError, invalid
from groq_tui.local.model_worker import ModelWorker
from groq_tui.local.models import EngineConfig, SpeechModelSpec

SAMPLE_RATE = 16_000
"""Whisper's input rate; uploads are decoded and resampled to it."""

LANGUAGE_NAMES = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
    "ru": "russian",
    "zh": "chinese",
    "ja": "japanese",
    "ko": "korean",
    "ar": "arabic",
    "hi": "hindi",
    "pl": "polish",
    "tr": "turkish",
    "uk": "ukrainian",
    "sv": "swedish",
}
"""Names for verbose_json's ``language`` (the service names it); other codes are shown as is."""

Task = Literal["transcribe", "translate"]


class WhisperModelLike(Protocol):
    """The part of ``faster_whisper.WhisperModel`` used here (it ships no type hints)."""

    def transcribe(self, audio: Any, **options: Any) -> tuple[Iterable[Any], Any]:
        """Transcribe a waveform; returns lazy segments and information about the audio."""
        ...


@dataclass(frozen=True, slots=True)
class SpeechOptions:
    """What a transcription or translation request asks for.

    Attributes:
        task: ``transcribe`` (speech in its own language) or ``translate`` (to English).
        language: The ISO-639-1 code of the speech, if the client said.
        prompt: Text to steer spelling and style (Whisper's initial prompt).
        temperature: Sampling temperature; None means 0 (greedy and repeatable, the
            service's default), with no fallback to sampling.
        word_timestamps: Whether to time every word.
    """

    task: Task = "transcribe"
    language: str | None = None
    prompt: str | None = None
    temperature: float | None = None
    word_timestamps: bool = False


@dataclass(frozen=True, slots=True)
class Transcript:
    """The result of one request.

    Attributes:
        text: The whole text.
        language: The code of the language the model worked in.
        duration: Seconds of audio.
        segments: verbose_json segments.
        words: verbose_json words (empty unless word timestamps were asked for).
        queue_time: Seconds the request waited for the model.
        processing_time: Seconds of decoding and inference.
    """

    text: str
    language: str
    duration: float
    segments: list[dict[str, Any]] = field(default_factory=list)
    words: list[dict[str, Any]] = field(default_factory=list)
    queue_time: float = 0.0
    processing_time: float = 0.0


class SpeechEngine:
    """One loaded Whisper model.

    Args:
        spec: The model's id and directory.
        model: The loaded faster-whisper model.
        multilingual: Whether it handles languages other than English.
        known_languages: The language codes it accepts.
        created: The model file's modification time (Unix seconds).
    """

    def __init__(
        self,
        spec: SpeechModelSpec,
        model: WhisperModelLike,
        *,
        multilingual: bool,
        known_languages: frozenset[str],
        created: int,
    ) -> None:
        self.spec = spec
        self.multilingual = multilingual
        self.created = created
        self._known_languages = known_languages
        self._model: WhisperModelLike | None = model
        self._worker = ModelWorker(f"speech-{spec.id}")

    @classmethod
    def load(cls, spec: SpeechModelSpec, config: EngineConfig) -> SpeechEngine:
        """Load the model from its directory (blocking: call it from a worker thread)."""
        # Belt and braces: the path is local and local_files_only is set, so no hub is asked;
        # this makes sure nothing underneath changes its mind.
        os.environ["HF_HUB_OFFLINE"] = "1"
        faster_whisper: Any = importlib.import_module("faster_whisper")
        tokenizer: Any = importlib.import_module("faster_whisper.tokenizer")
        model = faster_whisper.WhisperModel(
            str(spec.path),
            device="cpu",
            compute_type="int8",
            cpu_threads=config.thread_count,
            local_files_only=True,
        )
        return cls(
            spec,
            cast(WhisperModelLike, model),
            multilingual=bool(model.model.is_multilingual),
            known_languages=frozenset(tokenizer._LANGUAGE_CODES),
            created=int((spec.path / "model.bin").stat().st_mtime),
        )

    def check(self, options: SpeechOptions) -> None:
        """Refuse what the model cannot do, before the upload is decoded.

        Raises:
            EngineError: The language is unknown, or not English on an English-only model.
        """
        language = options.language
        if language is None:
            return
        if not self.multilingual and language != "en":
            raise EngineError(
                f"`{self.spec.id}` is an English-only Whisper model: it cannot "
                f"{options.task} speech in {language!r}. Send English audio, or add a "
                "multilingual CTranslate2 Whisper model for other languages: local_whisper "
                "in the config file, or groq-tui serve --whisper DIR.",
                param="language",
                code="unsupported_language",
            )
        if language not in self._known_languages:
            raise invalid("language", f"{language!r} is not a language Whisper knows")

    async def transcribe(self, audio: bytes, options: SpeechOptions) -> Transcript:
        """Transcribe (or translate) an uploaded audio file.

        Raises:
            EngineError: The options are refused or the file cannot be decoded.
        """
        self.check(options)
        model = self._model
        if model is None:
            raise EngineError(
                f"the model `{self.spec.id}` has been unloaded",
                status=503,
                error_type="internal_server_error",
            )

        submitted = time.perf_counter()

        def run() -> Transcript:
            started = time.perf_counter()
            result = self._run(model, audio, options)
            done = time.perf_counter()
            return replace(result, queue_time=started - submitted, processing_time=done - started)

        return await self._worker.run(run)

    def _run(self, model: WhisperModelLike, audio: bytes, options: SpeechOptions) -> Transcript:
        waveform = decode(audio)
        # English-only models cannot translate, but English speech needs no translation.
        task: Task = options.task if self.multilingual else "transcribe"
        language = options.language if self.multilingual else "en"
        kwargs: dict[str, Any] = {
            "language": language,
            "task": task,
            "initial_prompt": options.prompt or None,
            "word_timestamps": options.word_timestamps,
            "beam_size": 5,
            # Whisper's fallback re-decodes a 30 s window at rising temperatures (up to 1.0)
            # when its greedy text compresses too well (repeated phrases) or scores too low:
            # sampling made the same file come out differently each time, with a window
            # dropped or a phrase looping. The service's documented default is 0: greedy,
            # repeatable; a temperature the client asks for is used as given.
            "temperature": 0.0 if options.temperature is None else options.temperature,
            # Feeding each window's text to the next is what lets one bad window loop on
            # through the rest of the file ("center center center ...").
            "condition_on_previous_text": False,
        }
        raw_segments, info = model.transcribe(waveform, **kwargs)
        duration = round(len(waveform) / SAMPLE_RATE, 3)
        segments: list[dict[str, Any]] = []
        words: list[dict[str, Any]] = []
        for index, segment in enumerate(raw_segments):
            segments.append(_segment(index, segment, duration))
            words.extend(_word(word, duration) for word in segment.words or ())
        return Transcript(
            text="".join(segment["text"] for segment in segments).strip(),
            language="en" if task == "translate" else str(info.language),
            duration=duration,
            segments=segments,
            words=words,
        )

    async def aclose(self) -> None:
        """Unload the model after the requests already queued for it (idempotent)."""
        if self._model is None:
            return

        def drop() -> None:
            self._model = None

        await self._worker.unload(drop)


def decode(audio: bytes) -> Any:
    """Decode any format PyAV reads into 16 kHz mono float samples.

    Raises:
        EngineError: The bytes are not audio PyAV can decode, or hold no samples.
    """
    faster_whisper: Any = importlib.import_module("faster_whisper")
    try:
        waveform = faster_whisper.decode_audio(io.BytesIO(audio), sampling_rate=SAMPLE_RATE)
    except Exception as exc:  # PyAV raises its own error tree for every kind of bad input
        raise EngineError(
            f"could not decode the audio file ({type(exc).__name__}: {exc}); "
            "send flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav or webm",
            param="file",
            code="invalid_audio",
        ) from exc
    if len(waveform) == 0:
        raise EngineError("the audio file holds no samples", param="file", code="invalid_audio")
    return waveform


def _segment(index: int, segment: Any, duration: float) -> dict[str, Any]:
    # Whisper's timestamps are tokens it predicts: never let one point past the audio.
    return {
        "id": index,
        "seek": int(segment.seek),
        "start": round(min(float(segment.start), duration), 2),
        "end": round(min(float(segment.end), duration), 2),
        "text": str(segment.text),
        "tokens": [int(token) for token in segment.tokens],
        "temperature": float(segment.temperature or 0.0),
        "avg_logprob": float(segment.avg_logprob),
        "compression_ratio": float(segment.compression_ratio),
        "no_speech_prob": float(segment.no_speech_prob),
    }


def _word(word: Any, duration: float) -> dict[str, Any]:
    return {
        "word": str(word.word).strip(),
        "start": round(min(float(word.start), duration), 2),
        "end": round(min(float(word.end), duration), 2),
    }


def language_name(code: str) -> str:
    """The language's name as verbose_json gives it (the code when not known here)."""
    return LANGUAGE_NAMES.get(code, code)
