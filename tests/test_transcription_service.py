"""Transcribing files: as-is or as 16 kHz FLAC, split at pauses, joined with shifted times."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from groq_tui.api import GroqClient, Transcription, TranscriptionSegment, TranscriptionWord
from groq_tui.audio.resample import resample
from groq_tui.audio.splitting import max_seconds_for_bytes, split_at_silences
from groq_tui.services.transcription import (
    TranscriptionFailed,
    TranscriptionOptions,
    join_transcriptions,
    shift_segments,
    shift_words,
    transcribe_file,
    transcribe_samples,
)
from tests.loopback import LoopbackServer, Reply


@pytest.fixture
async def client(loopback: LoopbackServer) -> AsyncIterator[GroqClient]:
    async with GroqClient(api_key="test-key", base_url=loopback.base_url, max_retries=0) as c:
        yield c


def talk(pattern: list[float], rate: int, seed: int = 0) -> np.ndarray:
    """Alternating noisy 'speech' and silence of the given seconds (speech first)."""
    rng = np.random.default_rng(seed)
    parts = []
    for i, seconds in enumerate(pattern):
        n = round(seconds * rate)
        parts.append(rng.standard_normal(n) * 0.1 if i % 2 == 0 else np.zeros(n))
    return np.concatenate(parts).astype(np.float32)


def uploads(server: LoopbackServer) -> list[sf._SoundFileInfo]:
    return [sf.info(io.BytesIO(r.files["file"].data)) for r in server.requests]


# -- timestamps, with fixed inputs -------------------------------------------------------------


def seg(i: int, start: float, end: float, text: str) -> TranscriptionSegment:
    return TranscriptionSegment(id=i, start=start, end=end, text=text)


def test_shift_segments_moves_and_renumbers() -> None:
    shifted = shift_segments([seg(0, 0.0, 1.5, " a"), seg(1, 1.5, 2.0, " b")], 10.0, first_id=4)
    assert [(s.id, s.start, s.end, s.text) for s in shifted] == [
        (4, 10.0, 11.5, " a"),
        (5, 11.5, 12.0, " b"),
    ]


def test_shift_words_moves_them() -> None:
    words = [TranscriptionWord(word="hi", start=0.25, end=0.5)]
    assert [(w.word, w.start, w.end) for w in shift_words(words, 2.0)] == [("hi", 2.25, 2.5)]


def test_join_puts_pieces_on_one_timeline() -> None:
    first = Transcription(
        text=" One two.",
        task="transcribe",
        language="English",
        duration=12.5,
        segments=[seg(0, 0.0, 6.0, " One"), seg(1, 6.0, 12.4, " two.")],
        words=[TranscriptionWord(word="One", start=0.0, end=6.0)],
    )
    second = Transcription(
        text=" Three.",
        duration=7.0,
        segments=[seg(0, 0.2, 6.8, " Three.")],
        words=[TranscriptionWord(word="Three", start=0.2, end=6.8)],
    )
    joined = join_transcriptions([(0.0, first), (12.5, second)])
    assert joined.text == "One two. Three."
    assert (joined.task, joined.language, joined.duration) == ("transcribe", "English", 19.5)
    assert joined.segments is not None and joined.words is not None
    assert [(s.id, s.start, s.end) for s in joined.segments] == [
        (0, 0.0, 6.0),
        (1, 6.0, 12.4),
        (2, 12.7, 19.3),
    ]
    assert [(w.word, w.start) for w in joined.words] == [("One", 0.0), ("Three", 12.7)]


def test_join_of_plain_texts_has_no_timestamps() -> None:
    joined = join_transcriptions([(0.0, Transcription(text=" a")), (5.0, Transcription(text="b "))])
    assert (joined.text, joined.segments, joined.words) == ("a b", None, None)
    assert join_transcriptions([]).text == ""


# -- files against the loopback server ---------------------------------------------------------


async def test_a_small_flac_is_sent_as_it_is(
    client: GroqClient, loopback: LoopbackServer, tmp_path: Path
) -> None:
    path = tmp_path / "note.flac"
    sf.write(path, talk([2, 0.5, 1], 16000), 16000, format="FLAC")
    progress: list[tuple[int, int]] = []
    result = await transcribe_file(
        client,
        path,
        TranscriptionOptions(language="en", prompt="Groq"),
        progress=lambda done, total: progress.append((done, total)),
    )
    (request,) = loopback.requests
    assert request.files["file"].filename == "note.flac"
    assert request.files["file"].data == path.read_bytes()
    assert request.form["language"] == ["en"]
    assert request.form["prompt"] == ["Groq"]
    assert request.form["response_format"] == ["verbose_json"]
    assert request.form["timestamp_granularities[]"] == ["segment"]
    assert result.text.strip() == loopback.transcript_text
    assert result.segments
    assert progress == [(1, 1)]


async def test_a_wav_is_sent_as_16khz_mono_flac(
    client: GroqClient, loopback: LoopbackServer, tmp_path: Path
) -> None:
    path = tmp_path / "interview.wav"
    audio = talk([3, 1, 2], 44100)
    sf.write(path, np.stack([audio, audio], axis=1), 44100, subtype="PCM_16")
    await transcribe_file(client, path)
    (info,) = uploads(loopback)
    assert (info.format, info.samplerate, info.channels) == ("FLAC", 16000, 1)
    assert info.duration == pytest.approx(6.0, abs=0.001)
    sent = loopback.requests[0].files["file"]
    assert sent.filename == "audio.flac"
    assert len(sent.data) * 4 < path.stat().st_size


async def test_a_file_over_the_limit_is_split_at_pauses_and_joined(
    client: GroqClient, loopback: LoopbackServer, tmp_path: Path
) -> None:
    pattern = [7, 0.8, 5, 1.0, 8, 0.6, 4, 1.2, 9, 0.7, 6]  # 43.3 s
    audio = talk(pattern, 44100)
    path = tmp_path / "lecture.flac"  # 44.1 kHz stereo: about 6 MB
    sf.write(path, np.stack([audio, audio], axis=1), 44100, format="FLAC")
    limit = 500_000  # about 15 s of 16 kHz FLAC
    assert path.stat().st_size > limit
    options = TranscriptionOptions(
        max_upload_bytes=limit, timestamp_granularities=("word", "segment"), concurrency=2
    )
    progress: list[tuple[int, int]] = []
    result = await transcribe_file(
        client, path, options, progress=lambda done, total: progress.append((done, total))
    )

    expected = split_at_silences(resample(audio, 44100, 16000), 16000, max_seconds_for_bytes(limit))
    assert len(expected) >= 3
    infos = uploads(loopback)
    assert len(infos) == len(expected)
    assert all(len(r.files["file"].data) <= limit for r in loopback.requests)
    assert all((i.format, i.samplerate, i.channels) == ("FLAC", 16000, 1) for i in infos)
    assert sorted(round(i.duration, 3) for i in infos) == sorted(
        round((p.end - p.start) / 16000, 3) for p in expected
    )
    assert progress == [(n, len(expected)) for n in range(1, len(expected) + 1)]

    assert result.text == " ".join([loopback.transcript_text] * len(expected))
    assert result.duration == pytest.approx(43.3, abs=0.05)
    assert result.segments is not None and result.words is not None
    assert [s.id for s in result.segments] == list(range(len(result.segments)))
    starts = [s.start for s in result.segments]
    assert starts == sorted(starts)
    # each piece's first segment starts where the piece starts in the whole
    offsets = [round(p.start / 16000, 2) for p in expected]
    assert [round(s.start, 2) for s in result.segments[::2]] == offsets
    assert result.segments[-1].end == pytest.approx(43.3, abs=0.05)
    assert [w.start for w in result.words] == sorted(w.start for w in result.words)


async def test_a_piece_the_server_refuses_as_too_large_is_cut_again(
    client: GroqClient, loopback: LoopbackServer
) -> None:
    audio = talk([4, 0.5, 4, 0.5, 4], 16000)
    loopback.max_upload_bytes = 250_000  # lower than what the client believes
    progress: list[tuple[int, int]] = []
    result = await transcribe_samples(
        client,
        audio,
        16000,
        TranscriptionOptions(max_upload_bytes=10**6),
        progress=lambda done, total: progress.append((done, total)),
    )
    statuses = [len(r.files["file"].data) > 250_000 for r in loopback.requests]
    assert statuses[0]  # the whole, refused with a 413
    assert statuses.count(False) >= 2
    assert result.duration == pytest.approx(13.0, abs=0.01)
    assert progress[-1][0] == progress[-1][1] == statuses.count(False)


async def test_translating_a_file(
    client: GroqClient, loopback: LoopbackServer, tmp_path: Path
) -> None:
    path = tmp_path / "rede.ogg"
    sf.write(path, talk([2], 16000), 16000, format="OGG", subtype="VORBIS")
    loopback.enqueue(Reply.json(200, {"text": " Good day."}, path="/audio/translations"))
    result = await transcribe_file(client, path, TranscriptionOptions(translate=True))
    assert result.text == " Good day."
    (request,) = loopback.requests
    assert request.path.endswith("/audio/translations")
    assert "timestamp_granularities[]" not in request.form


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.wav", None, "no such file"),
        ("notes.txt", b"hello", "unsupported format: 'notes.txt' has .txt"),
        ("empty.flac", b"", "no audio: the file is empty"),
        ("broken.flac", b"fLaC but not really a flac file", "not readable as audio"),
        ("broken.wav", b"RIFF....WAVEfmt garbage", "not readable as audio"),
        ("broken.mp3", b"ID3" + bytes(4000), "not readable as audio (corrupt, or not audio)"),
    ],
)
async def test_bad_files_are_named_with_the_reason(
    client: GroqClient,
    loopback: LoopbackServer,
    tmp_path: Path,
    name: str,
    content: bytes | None,
    reason: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(TranscriptionFailed) as failure:
        await transcribe_file(client, path)
    assert str(failure.value).startswith(f"{path}: {reason}")
    assert loopback.requests == []


async def test_a_silent_recording_is_refused(
    client: GroqClient, loopback: LoopbackServer, tmp_path: Path
) -> None:
    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros(16000 * 3, np.float32), 16000)
    with pytest.raises(TranscriptionFailed, match=r"silence\.wav: silent"):
        await transcribe_file(client, path)
    assert loopback.requests == []


async def test_a_large_file_that_cannot_be_decoded_here(
    client: GroqClient, loopback: LoopbackServer, tmp_path: Path
) -> None:
    path = tmp_path / "podcast.m4a"
    path.write_bytes(bytes(3000))
    with pytest.raises(
        TranscriptionFailed, match=r"over the 0 MB upload limit.*convert it to FLAC"
    ):
        await transcribe_file(client, path, TranscriptionOptions(max_upload_bytes=1000))
    assert loopback.requests == []


async def test_api_errors_name_the_file(loopback: LoopbackServer, tmp_path: Path) -> None:
    path = tmp_path / "memo.flac"
    sf.write(path, talk([1], 16000), 16000, format="FLAC")
    async with GroqClient(api_key="wrong", base_url=loopback.base_url, max_retries=0) as client:
        with pytest.raises(TranscriptionFailed, match=r"memo\.flac: .*API key"):
            await transcribe_file(client, path)
