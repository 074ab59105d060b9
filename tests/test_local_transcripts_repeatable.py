"""Offline transcripts of longer recordings are complete and the same every time.

Whisper's temperature fallback used to re-decode a 30 s window by sampling at up to 1.0
whenever the greedy text compressed too well (a repeated phrase) or scored low, so one
file gave a different transcript each run: a window dropped (text starting at 30.0 s), a
phrase looping, segments timed past the end. The recordings are real speech from espeak-ng
(the engine and Whisper tiny.en are the real bundled ones; nothing is mocked).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from groq_tui.api import GroqClient
from groq_tui.local import RunningEngine, start_engine

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(600)]

SENTENCES = [
    "The birch canoe slid on the smooth planks.",
    "Glue the sheet to the dark blue background.",
    "It is easy to tell the depth of a well.",
    "These days a chicken leg is a rare dish.",
    "Rice is often served in round bowls.",
    "The juice of lemons makes fine punch.",
    "The box was thrown beside the parked truck.",
    "The hogs were fed chopped corn and garbage.",
    "Four hours of steady work faced us.",
    "A large size in stockings is hard to sell.",
    "The boy was there when the sun rose.",
    "We pocketed the change from the center table.",
]
RUNS = 3
# Words of every other sentence, from the first to the last: a dropped 30 s window loses
# several of these sentences whole. Any of them will do, because Whisper tiny mishears single
# words differently between environments ("the size is talking in hard to sell" for "a large
# size in stockings is hard to sell", in one CI run; "stockings" in every run here; "the merch
# can do slid on the zoomed blanks" for the first sentence in a run with both cores busy).
HEARD_ACROSS_THE_RECORDING = [
    ("smooth", "planks", "slid"),
    ("background", "blue"),
    ("punch", "lemons"),
    ("garbage", "hogs"),
    ("stockings", "sell"),
    ("table", "pocketed"),
]


def _recording(folder: Path, name: str, sentences: list[str]) -> Path:
    """The sentences spoken one after another, 1.5 s of silence after each (16 kHz WAV)."""
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    assert espeak and sox, "espeak-ng and sox are needed (apt-get install espeak-ng sox)"
    pieces = []
    for index, sentence in enumerate(sentences):
        spoken, padded = folder / f"{name}-{index:02d}.wav", folder / f"{name}-{index:02d}p.wav"
        subprocess.run([espeak, "-w", str(spoken), sentence], check=True, timeout=60)
        subprocess.run(
            [sox, str(spoken), "-r", "16000", str(padded), "pad", "0", "1.5"],
            check=True, timeout=60, capture_output=True,
        )  # fmt: skip
        pieces.append(str(padded))
    path = folder / f"{name}.wav"
    subprocess.run([sox, *pieces, str(path)], check=True, timeout=60, capture_output=True)
    return path


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client() -> AsyncIterator[GroqClient]:
    engine: RunningEngine = await start_engine("127.0.0.1", 0)
    try:
        async with GroqClient(base_url=engine.base_url, max_retries=0, timeout=300) as api:
            yield api
    finally:
        await engine.stop()


async def _transcribe_runs(client: GroqClient, path: Path) -> list[dict[str, object]]:
    results = []
    for _ in range(RUNS):
        transcript = await client.audio.transcriptions.create(
            file=path, model="whisper-tiny.en", response_format="verbose_json"
        )
        results.append(transcript.model_dump())
    return results


def _check_complete(result: dict[str, object]) -> None:
    segments = result["segments"]
    duration = result["duration"]
    assert isinstance(segments, list) and isinstance(duration, float)
    assert segments[0]["start"] < 2.0, "the start of the recording was dropped"
    assert all(segment["end"] <= duration for segment in segments), "a segment past the end"
    assert segments[-1]["end"] > duration - 5.0, "the end of the recording was dropped"


async def test_a_45_second_recording_is_complete_and_repeatable(
    client: GroqClient, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = _recording(tmp_path_factory.mktemp("speech"), "sentences", SENTENCES)
    results = await _transcribe_runs(client, path)
    assert all(result["text"] == results[0]["text"] for result in results), [
        result["text"] for result in results
    ]
    for result in results:
        _check_complete(result)
    text = str(results[0]["text"]).lower()
    missing = [words for words in HEARD_ACROSS_THE_RECORDING if not any(w in text for w in words)]
    assert not missing, (missing, text)


async def test_a_repeated_phrase_neither_loops_nor_drops_a_window(
    client: GroqClient, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The content that tripped the fallback: one sentence said twelve times (46 s)."""
    path = _recording(tmp_path_factory.mktemp("speech"), "repeated", SENTENCES[:1] * 12)
    results = await _transcribe_runs(client, path)
    assert all(result["text"] == results[0]["text"] for result in results), [
        result["text"] for result in results
    ]
    for result in results:
        _check_complete(result)
        # Twelve were said. How many Whisper tiny hears differs between environments (10-12
        # seen in full runs of the suite, "merch" or "merge" for the same audio), so the
        # count is not pinned; what the fix guarantees is checked: the same transcript on
        # every run, no window dropped, nothing timed past the end.
        assert "smooth planks" in str(result["text"]).lower()
