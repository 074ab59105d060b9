"""The offline engine's voice: /v1/audio/speech with the bundled Piper voice.

The engine serves only Whisper tiny.en and the voice here (no chat model to load): what the
voice says is transcribed back by Whisper through the engine's own /audio/transcriptions.
"""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import soundfile as sf

from groq_tui.api import BadRequestError, GroqClient, NotFoundError
from groq_tui.local import BUNDLED_SPEECH_MODEL_ID, EngineConfig, start_engine
from groq_tui.local.models import SpeechModelSpec, bundled_whisper_dir
from groq_tui.local.registry import LocalModels
from groq_tui.local.server import RunningEngine
from groq_tui.local.speech_engine import SpeechEngine
from groq_tui.local.voice_engine import (
    BUNDLED_VOICE,
    BUNDLED_VOICE_MODEL_ID,
    VoiceEngine,
    voice_available,
)
from tests.heard import PIPER_HEARD, heard_share

VOICE_MODEL = BUNDLED_VOICE_MODEL_ID
SENTENCE = "Please send the quarterly report to the finance team before the meeting on Friday."
SCRIPT = str(Path(sys.executable).parent / "groq-tui")

on_engine_loop = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def engine() -> AsyncIterator[RunningEngine]:
    config = EngineConfig()
    whisper_spec = SpeechModelSpec(BUNDLED_SPEECH_MODEL_ID, bundled_whisper_dir())
    whisper, voice = await asyncio.gather(
        asyncio.to_thread(SpeechEngine.load, whisper_spec, config),
        asyncio.to_thread(VoiceEngine.load, None, config.thread_count),
    )
    models = LocalModels({}, {whisper.spec.id: whisper}, {voice.model_id: voice})
    running = await start_engine("127.0.0.1", 0, models=models)
    yield running
    await running.stop()
    await models.aclose()


@pytest_asyncio.fixture(loop_scope="module")
async def client(engine: RunningEngine) -> AsyncIterator[GroqClient]:
    async with GroqClient(base_url=engine.base_url, max_retries=0, timeout=120) as api:
        yield api


def test_the_voice_is_installed_with_the_voice_extra() -> None:
    assert voice_available()


@on_engine_loop
async def test_the_voice_is_listed_in_models(client: GroqClient) -> None:
    listed = {model.id for model in (await client.models.list()).data}
    assert VOICE_MODEL in listed
    assert (await client.models.retrieve(VOICE_MODEL)).id == VOICE_MODEL


@on_engine_loop
@pytest.mark.parametrize("fmt", ["wav", "flac"])
async def test_speech_is_transcribed_back_by_whisper(client: GroqClient, fmt: str) -> None:
    # No voice is sent: the bundled one speaks (the engine's default).
    async with httpx.AsyncClient(timeout=120) as http:  # the raw request, without a voice
        response = await http.post(
            f"{client.base_url}/audio/speech",
            json={"model": VOICE_MODEL, "input": SENTENCE, "response_format": fmt},
        )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"audio/{fmt}"
    assert sf.info(io.BytesIO(response.content)).format == fmt.upper()
    transcript = await client.audio.transcriptions.create(
        file=response.content, filename=f"speech.{fmt}", model=BUNDLED_SPEECH_MODEL_ID
    )
    assert heard_share(SENTENCE, transcript.text) >= PIPER_HEARD, transcript.text


@on_engine_loop
async def test_sample_rate_and_speed_are_honoured(client: GroqClient) -> None:
    normal = await client.audio.speech.create(
        model=VOICE_MODEL, input="One two three four five.", voice=BUNDLED_VOICE
    )
    fast = await client.audio.speech.create(
        model=VOICE_MODEL,
        input="One two three four five.",
        voice=BUNDLED_VOICE,
        speed=2.0,
        sample_rate=16000,
        response_format="flac",
    )
    normal_info, fast_info = sf.info(io.BytesIO(normal)), sf.info(io.BytesIO(fast))
    assert normal_info.samplerate == 22050 and fast_info.samplerate == 16000
    assert fast_info.duration < 0.75 * normal_info.duration


@on_engine_loop
async def test_what_the_voice_cannot_honour_is_refused_in_the_services_format(
    client: GroqClient,
) -> None:
    with pytest.raises(BadRequestError) as voice:
        await client.audio.speech.create(model=VOICE_MODEL, input="Hi.", voice="troy")
    assert voice.value.param == "voice" and voice.value.code == "invalid_voice"
    with pytest.raises(BadRequestError) as mulaw:
        await client.audio.speech.create(
            model=VOICE_MODEL, input="Hi.", voice=BUNDLED_VOICE, response_format="mulaw"
        )
    assert mulaw.value.code == "unsupported_parameter"
    with pytest.raises(BadRequestError) as extra:
        await client.audio.speech.create(
            model=VOICE_MODEL, input="Hi.", voice=BUNDLED_VOICE, extra_body={"language": "de"}
        )
    assert extra.value.param == "language" and extra.value.code == "unsupported_parameter"
    with pytest.raises(BadRequestError) as whisper:
        await client.audio.speech.create(
            model=BUNDLED_SPEECH_MODEL_ID, input="Hi.", voice=BUNDLED_VOICE
        )
    assert whisper.value.code == "model_not_supported"
    with pytest.raises(NotFoundError):
        await client.audio.speech.create(model="playai-tts", input="Hi.", voice="Fritz-PlayAI")
    async with httpx.AsyncClient(timeout=120) as http:
        raw = await http.post(f"{client.base_url}/audio/speech", json={"model": VOICE_MODEL})
    assert raw.status_code == 400 and raw.json()["error"]["param"] == "input"


def test_speak_local_writes_a_file_through_the_engine_process(tmp_path: Path) -> None:
    """``speak --local`` starts ``groq-tui serve`` as a child: serve exposes the voice."""
    target = tmp_path / "spoken.flac"
    env = {k: v for k, v in os.environ.items() if k not in ("GROQ_API_KEY", "GROQ_BASE_URL")}
    result = subprocess.run(
        [SCRIPT, "speak", "--local", "-o", str(target), SENTENCE],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    info = sf.info(str(target))
    assert info.format == "FLAC" and info.duration > 2
