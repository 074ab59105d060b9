"""Audio transcription/translation and the models endpoints, against the loopback server."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from groq_tui.api import (
    BadRequestError,
    GroqClient,
    InvalidRequestParameter,
    NotFoundError,
    RequestTooLargeError,
    UnsupportedAudioFormat,
)
from tests.loopback import LoopbackServer


@pytest.fixture
async def client(loopback: LoopbackServer) -> AsyncIterator[GroqClient]:
    async with GroqClient(api_key="test-key", base_url=loopback.base_url, max_retries=0) as c:
        yield c


def tone(seconds: float = 2.0, rate: int = 16000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


@pytest.fixture
def flac_file(tmp_path: Path) -> Path:
    path = tmp_path / "speech.flac"
    sf.write(path, tone(), 16000, format="FLAC")
    return path


async def test_transcription_sends_every_field(
    client: GroqClient, loopback: LoopbackServer, flac_file: Path
) -> None:
    result = await client.audio.transcriptions.create(
        file=flac_file,
        model="whisper-large-v3",
        language="en",
        prompt="Groq, Textual",
        response_format="verbose_json",
        temperature=0.2,
        timestamp_granularities=["word", "segment"],
    )
    sent = loopback.requests[-1]
    assert sent.path.endswith("/audio/transcriptions")
    assert sent.form["model"] == ["whisper-large-v3"]
    assert sent.form["language"] == ["en"]
    assert sent.form["prompt"] == ["Groq, Textual"]
    assert sent.form["response_format"] == ["verbose_json"]
    assert sent.form["temperature"] == ["0.2"]
    assert sent.form["timestamp_granularities[]"] == ["word", "segment"]
    upload = sent.files["file"]
    assert upload.filename == "speech.flac"
    assert upload.data == flac_file.read_bytes()
    assert result.text.strip() == loopback.transcript_text
    assert result.duration == pytest.approx(2.0, abs=0.01)
    assert result.segments and result.segments[0].start == 0
    assert result.segments[-1].end <= result.duration + 1e-6
    assert result.words and all(w.end >= w.start for w in result.words)


async def test_words_only_when_asked(client: GroqClient, flac_file: Path) -> None:
    result = await client.audio.transcriptions.create(
        file=flac_file, response_format="verbose_json", timestamp_granularities=["segment"]
    )
    assert result.segments
    assert not result.words


@pytest.mark.parametrize("response_format", [None, "json", "text"])
async def test_plain_formats(
    client: GroqClient, loopback: LoopbackServer, flac_file: Path, response_format: str | None
) -> None:
    result = await client.audio.transcriptions.create(
        file=flac_file,
        response_format=response_format,  # type: ignore[arg-type]
    )
    assert result.text.strip() == loopback.transcript_text
    assert result.segments is None
    assert result.rate_limits.remaining_requests is not None


async def test_bytes_and_file_objects(
    client: GroqClient, loopback: LoopbackServer, flac_file: Path
) -> None:
    data = flac_file.read_bytes()
    await client.audio.transcriptions.create(file=data, filename="clip.flac")
    assert loopback.requests[-1].files["file"].filename == "clip.flac"
    with flac_file.open("rb") as handle:
        await client.audio.transcriptions.create(file=handle)
    assert loopback.requests[-1].files["file"].data == data
    await client.audio.transcriptions.create(file=io.BytesIO(data), filename="mem.flac")
    assert loopback.requests[-1].files["file"].filename == "mem.flac"
    with pytest.raises(InvalidRequestParameter, match="filename"):
        await client.audio.transcriptions.create(file=data)


async def test_translation(client: GroqClient, loopback: LoopbackServer, flac_file: Path) -> None:
    result = await client.audio.translations.create(
        file=flac_file, prompt="English please", response_format="verbose_json", temperature=0
    )
    sent = loopback.requests[-1]
    assert sent.path.endswith("/audio/translations")
    assert sent.form["prompt"] == ["English please"]
    assert "language" not in sent.form
    assert result.task == "translate"
    assert result.text.strip() == loopback.transcript_text


async def test_unsupported_format_is_refused_before_upload(
    client: GroqClient, loopback: LoopbackServer, tmp_path: Path
) -> None:
    path = tmp_path / "notes.aiff"
    path.write_bytes(b"FORM....")
    with pytest.raises(UnsupportedAudioFormat, match=r"notes\.aiff"):
        await client.audio.transcriptions.create(file=path)
    with pytest.raises(InvalidRequestParameter, match="does not exist"):
        await client.audio.transcriptions.create(file=tmp_path / "missing.wav")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(InvalidRequestParameter, match="empty"):
        await client.audio.transcriptions.create(file=empty)
    assert loopback.requests == []


async def test_corrupt_audio_is_rejected_by_the_server(client: GroqClient, tmp_path: Path) -> None:
    path = tmp_path / "broken.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00not really a wav file" * 10)
    with pytest.raises(BadRequestError):
        await client.audio.transcriptions.create(file=path)


async def test_upload_over_the_limit_is_413(
    client: GroqClient, loopback: LoopbackServer, flac_file: Path
) -> None:
    loopback.max_upload_bytes = 1000
    with pytest.raises(RequestTooLargeError):
        await client.audio.transcriptions.create(file=flac_file)


async def test_models_list_and_retrieve(client: GroqClient) -> None:
    listing = await client.models.list()
    ids = [m.id for m in listing.data]
    assert "llama-3.1-8b-instant" in ids
    assert any(m.is_audio for m in listing.data)
    chat_model = next(m for m in listing.data if m.id == "llama-3.1-8b-instant")
    assert chat_model.context_window and chat_model.context_window > 1000
    assert listing.rate_limits.remaining_requests is not None
    slashed = next(m for m in ids if "/" in m)
    model = await client.models.retrieve(slashed)
    assert model.id == slashed
    assert model.owned_by


async def test_unknown_model_retrieve(client: GroqClient) -> None:
    with pytest.raises(NotFoundError) as info:
        await client.models.retrieve("gpt-17")
    assert info.value.code == "model_not_found"
