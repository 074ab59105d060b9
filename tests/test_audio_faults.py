"""Audio faults (issue 13): each gives one clear message or a correct transcript.

A file whose extension lies, a truncated file, a file with a header and no samples, an
hours-long file (memory must not grow with its length), 8 and 96 kHz, 6 channels: through
the CLI (``main([...])``, exit 2 when the input must change and nothing was sent) and the
transcription service, against the loopback server, which decodes what it is sent.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from groq_tui.__main__ import main
from groq_tui.api import BadRequestError, GroqClient
from groq_tui.audio.splitting import split_at_silences
from groq_tui.services.transcription import (
    AudioRejected,
    TranscriptionOptions,
    send_audio,
    transcribe_file,
)
from tests.loopback import LoopbackServer

KEY = "test-key"


@pytest.fixture
async def client(loopback: LoopbackServer) -> AsyncIterator[GroqClient]:
    async with GroqClient(api_key=KEY, base_url=loopback.base_url, max_retries=0) as c:
        yield c


def tone(seconds: float, rate: int, hz: float = 440.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def cli(
    path: Path, loopback: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    code = main(["transcribe", str(path), "--base-url", loopback.base_url, "--api-key", KEY])
    out, err = capsys.readouterr()
    return code, out, err


def audio_uploads(loopback: LoopbackServer) -> list[tuple[str, bytes]]:
    return [
        (r.files["file"].filename or "", r.files["file"].data)
        for r in loopback.requests
        if "/audio/" in r.path
    ]


def only_upload(loopback: LoopbackServer) -> tuple[str, bytes]:
    (upload,) = audio_uploads(loopback)
    return upload


def dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[int(np.argmax(spectrum))])


def flac_bytes(samples: np.ndarray, rate: int) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format="FLAC", subtype="PCM_16")
    return buffer.getvalue()


def flac_header_only(samples: np.ndarray, rate: int) -> bytes:
    """A FLAC's metadata without any audio frame, its length marked unknown (0), as sox
    writes a 0-second FLAC."""
    data = bytearray(flac_bytes(samples, rate))
    position, last = 4, False
    while not last:
        header = data[position]
        last = bool(header & 0x80)
        length = int.from_bytes(data[position + 1 : position + 4], "big")
        if header & 0x7F == 0:  # STREAMINFO: total samples are the low 36 bits at 13..17
            at = position + 4 + 13
            data[at] &= 0xF0
            data[at + 1 : at + 5] = bytes(4)
        position += 4 + length
    return bytes(data[:position])


# -- an extension that lies ----------------------------------------------------------------------


def test_mp3_named_wav_is_sent_as_the_mp3_it_is(
    loopback: LoopbackServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "memo.wav"
    sf.write(path, tone(3, 16000), 16000, format="MP3")
    code, out, err = cli(path, loopback, capsys)
    assert (code, err) == (0, "")
    assert out.strip() == loopback.transcript_text
    name, data = only_upload(loopback)
    assert (name, data) == ("memo.mp3", path.read_bytes())  # as it is, named for what it is


def test_wav_named_mp3_is_sent_as_16khz_flac(
    loopback: LoopbackServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "memo.mp3"
    sf.write(path, np.stack([tone(3, 44100)] * 2, axis=1), 44100, format="WAV")
    code, out, err = cli(path, loopback, capsys)
    assert (code, err) == (0, "")
    assert out.strip() == loopback.transcript_text
    name, data = only_upload(loopback)
    info = sf.info(io.BytesIO(data))
    assert (name, info.format, info.samplerate, info.channels) == ("audio.flac", "FLAC", 16000, 1)
    assert info.duration == pytest.approx(3.0, abs=0.001)


def test_text_named_flac_exits_2_and_sends_nothing(
    loopback: LoopbackServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "notes.flac"
    path.write_text("shopping list: milk, eggs\n" * 20)
    code, out, err = cli(path, loopback, capsys)
    assert (code, out) == (2, "")
    assert err == f"groq-tui: {path}: not readable as audio (Format not recognised)\n"
    assert audio_uploads(loopback) == []


# -- truncated files ---------------------------------------------------------------------------


def test_truncated_flac_is_transcribed_as_far_as_it_decodes(
    loopback: LoopbackServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    whole = flac_bytes(tone(6, 16000), 16000)
    path = tmp_path / "cut.flac"
    path.write_bytes(whole[: len(whole) // 2])
    code, out, err = cli(path, loopback, capsys)
    assert code == 0, err
    assert out.strip() == loopback.transcript_text
    assert err.startswith(f"groq-tui: warning: {path}: only the first ")
    assert err.endswith("s could be decoded (flac decoder lost sync); transcribing that\n")
    name, data = only_upload(loopback)
    sent, rate = sf.read(io.BytesIO(data), dtype="float32")  # the upload decodes to its end
    assert (name, rate) == ("audio.flac", 16000)
    assert 1.0 < sent.size / rate < 3.0
    assert dominant_hz(sent, rate) == pytest.approx(440, abs=1)


def test_truncated_wav_is_transcribed_as_far_as_it_goes(
    loopback: LoopbackServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    full = tmp_path / "full.wav"
    sf.write(full, tone(4, 16000), 16000, subtype="PCM_16")
    path = tmp_path / "cut.wav"
    path.write_bytes(full.read_bytes()[: 44 + 2 * 16000 * 3])  # the header says 4 s
    code, _, err = cli(path, loopback, capsys)
    assert (code, err) == (0, "")
    info = sf.info(io.BytesIO(only_upload(loopback)[1]))
    assert info.duration == pytest.approx(3.0, abs=0.001)


@pytest.mark.parametrize("suffix", ["flac", "wav"])
def test_a_file_cut_inside_its_header_exits_2(
    loopback: LoopbackServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str
) -> None:
    full = tmp_path / f"full.{suffix}"
    sf.write(full, tone(1, 16000), 16000, subtype="PCM_16")
    path = tmp_path / f"cut.{suffix}"
    path.write_bytes(full.read_bytes()[:30])
    code, _, err = cli(path, loopback, capsys)
    assert code == 2
    assert err.startswith(f"groq-tui: {path}: not readable as audio (")
    assert audio_uploads(loopback) == []


# -- no samples --------------------------------------------------------------------------------


def _wav_without_samples(path: Path) -> None:
    sf.write(path, np.zeros(0, np.float32), 16000, subtype="PCM_16")


def _flac_without_samples(path: Path) -> None:
    path.write_bytes(flac_header_only(tone(0.1, 16000), 16000))


def _ogg_without_samples(path: Path) -> None:
    sf.write(path, np.zeros(0, np.float32), 16000, format="OGG")


@pytest.mark.parametrize(
    ("suffix", "make"),
    [("wav", _wav_without_samples), ("flac", _flac_without_samples), ("ogg", _ogg_without_samples)],
    ids=["wav", "flac", "ogg"],
)
def test_a_0_second_file_exits_2_and_sends_nothing(
    loopback: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    suffix: str,
    make: Callable[[Path], None],
) -> None:
    path = tmp_path / f"nothing.{suffix}"
    make(path)
    assert path.stat().st_size > 0
    code, out, err = cli(path, loopback, capsys)
    assert (code, out) == (2, "")
    assert err == f"groq-tui: {path}: no audio: it holds no samples\n"
    assert audio_uploads(loopback) == []


# -- rates and channels ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "channels", "fmt"),
    [
        (8000, 1, "WAV"),
        (8000, 1, "FLAC"),
        (96000, 1, "FLAC"),
        (96000, 2, "WAV"),
        (48000, 6, "FLAC"),
    ],
    ids=["8k-wav", "8k-flac", "96k-flac", "96k-stereo-wav", "6ch-flac"],
)
def test_any_rate_and_channel_count_is_sent_as_16khz_mono(
    loopback: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    rate: int,
    channels: int,
    fmt: str,
) -> None:
    # Each channel its own tone: the upload must hold their mix, not one channel.
    tones = [tone(3, rate, hz=300 + 200 * i, level=0.1) for i in range(channels)]
    path = tmp_path / f"take.{fmt.lower()}"
    sf.write(path, np.stack(tones, axis=1), rate, format=fmt, subtype="PCM_16")
    code, out, err = cli(path, loopback, capsys)
    assert (code, err) == (0, "")
    assert out.strip() == loopback.transcript_text
    name, data = only_upload(loopback)
    sent, sent_rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    assert (name, sent_rate, sent.shape) == ("audio.flac", 16000, (48000, 1))
    spectrum = np.abs(np.fft.rfft(sent[:, 0]))
    freqs = np.fft.rfftfreq(sent.shape[0], 1 / 16000)
    for i in range(channels):  # each tone is in the mix, at 1/channels of its level
        hz = 300 + 200 * i
        amplitude = 2 * spectrum[np.argmin(np.abs(freqs - hz))] / sent.shape[0]
        assert amplitude == pytest.approx(0.1 / channels, rel=0.05)


# -- a long file: memory does not grow with its length -----------------------------------------

PIECE_SECONDS = 60.0


def write_long_wav(path: Path, minutes: int, rate: int = 16000) -> None:
    """Quiet noise with 1 s tone bursts every 3 s, written a minute at a time."""
    rng = np.random.default_rng(minutes)
    t = np.arange(60 * rate) / rate
    bursts = np.where(t % 3.0 < 1.0, 0.3 * np.sin(2 * np.pi * 440 * t), 0.0)
    with sf.SoundFile(path, "w", rate, 1, subtype="PCM_16") as out:
        for _ in range(minutes):
            out.write((bursts + rng.normal(0, 0.002, t.size)).astype(np.float32))


@pytest.fixture(scope="module")
def separate_loopback() -> Iterator[str]:
    """The loopback server in its own process: it keeps every upload it receives, which
    must not count in this process's memory."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.loopback", "--port", "0"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        ready = server.stdout.readline().split()  # blocks until it listens
        assert ready[:1] == ["READY"], ready
        yield ready[1]
    finally:
        server.terminate()
        server.wait(timeout=30)


async def test_a_long_file_is_split_at_pauses_with_memory_that_does_not_grow(
    separate_loopback: str, tmp_path: Path
) -> None:
    options = TranscriptionOptions(max_piece_seconds=PIECE_SECONDS, concurrency=2)
    peaks = {}
    async with GroqClient(api_key=KEY, base_url=separate_loopback, max_retries=0) as client:
        for minutes in (10, 20):
            path = tmp_path / f"lecture-{minutes}.wav"
            write_long_wav(path, minutes)
            tracemalloc.start()
            try:
                result = await transcribe_file(client, path, options)
                peaks[minutes] = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            assert result.duration == pytest.approx(minutes * 60, abs=0.05)
            assert result.segments is not None
            piece_starts = [s.start for s in result.segments[::2]]  # two segments a piece
            assert len(piece_starts) >= minutes  # pieces of at most a minute
            if minutes == 10:  # the cuts are those of the whole file in memory, in pauses
                audio, _ = sf.read(path, dtype="float32")
                expected = split_at_silences(audio, 16000, PIECE_SECONDS)
                del audio
                assert piece_starts == pytest.approx([p.start / 16000 for p in expected], abs=0.01)
                assert all(p.end % (3 * 16000) > 16000 for p in expected[:-1])
    # Measured: 12 MB and 15 MB; the 20-minute file as float32 samples is 77 MB. What
    # grows is the frame levels (8 bytes per 20 ms), far less than the audio added.
    ten_minutes = 10 * 60 * 16000 * 4
    assert peaks[20] < 2 * ten_minutes / 4, peaks
    # Ten more minutes add 38 MB of samples; the peak grows by a few MB (4.9 MB once, under
    # load, with more pieces' results alive at the peak): far from the audio's size.
    assert peaks[20] - peaks[10] < ten_minutes / 4, peaks


# -- the service directly ----------------------------------------------------------------------


async def test_the_service_refuses_a_0_second_flac_before_sending(
    client: GroqClient, loopback: LoopbackServer, tmp_path: Path
) -> None:
    path = tmp_path / "nothing.flac"
    _flac_without_samples(path)
    with pytest.raises(AudioRejected, match=r"nothing\.flac: no audio: it holds no samples"):
        await transcribe_file(client, path)
    assert loopback.requests == []


async def test_the_service_tells_how_far_a_truncated_flac_decoded(
    client: GroqClient, loopback: LoopbackServer, tmp_path: Path
) -> None:
    whole = flac_bytes(tone(6, 48000), 48000)
    path = tmp_path / "cut.flac"
    path.write_bytes(whole[: len(whole) // 2])
    notices: list[str] = []
    result = await transcribe_file(client, path, notice=notices.append)
    assert result.text.strip() == loopback.transcript_text
    (notice,) = notices
    assert notice.startswith(f"{path}: only the first ")
    seconds = float(notice.split("only the first ")[1].split(" s")[0])
    assert result.duration == pytest.approx(seconds, abs=0.05)


async def test_loopback_refuses_undecodable_audio_as_live(client: GroqClient) -> None:
    """Live's words for bytes that are not audio, as public clients quote them (for example
    ``{"error":{"message":"could not process file - is it a valid media file?",
    "type":"invalid_request_error"}}``); no such response is in the recordings."""
    with pytest.raises(BadRequestError) as refused:
        await send_audio(client, b"not audio at all", "memo.flac", TranscriptionOptions())
    assert refused.value.status_code == 400
    assert "could not process file - is it a valid media file?" in str(refused.value)


# -- the workbench (it calls the same service) -------------------------------------------------


async def test_the_workbench_names_a_0_second_flac_and_transcribes_a_truncated_one(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    from tests.app_support import make_app
    from tests.test_workbench import audio_requests, open_workbench, run, status

    empty = tmp_path / "nothing.flac"
    _flac_without_samples(empty)
    whole = flac_bytes(tone(6, 16000), 16000)
    cut = tmp_path / "cut.flac"
    cut.write_bytes(whole[: len(whole) // 2])
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_workbench(pilot, empty)
        await run(pilot, screen)
        assert status(screen) == f"{empty}: no audio: it holds no samples"
        assert screen.result is None and audio_requests(loopback) == []
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_workbench(pilot, cut)
        await run(pilot, screen)
        assert screen.result is not None
        assert screen.result.text.strip() == loopback.transcript_text
        (request,) = audio_requests(loopback)
        sent, rate = sf.read(io.BytesIO(request.files["file"].data), dtype="float32")
        assert 1.0 < sent.size / rate < 3.0
