"""What is uploaded: 16 kHz mono 16-bit FLAC; reading files and refusing bad ones."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from groq_tui.audio.archive import RecordingArchive
from groq_tui.audio.encoding import (
    UploadStream,
    audio_info,
    encode_flac,
    read_mono,
    to_mono,
    to_pcm16,
    to_upload_flac,
)
from groq_tui.audio.errors import AudioDecodeError
from groq_tui.audio.recorder import private_temp_path
from groq_tui.audio.resample import resample


@pytest.fixture(scope="module")
def speech() -> tuple[np.ndarray, int]:
    """Twenty seconds of espeak-ng speech with pauses, as rendered (22.05 kHz mono)."""
    text = (
        "Dictation sends what the service needs and nothing more. "
        "Sixteen kilohertz, one channel, sixteen bits, losslessly compressed. "
        "A sound card records forty four point one kilohertz in stereo, "
        "which is more than five times the samples, and a wave file does not compress them."
    )
    wav = subprocess.run(["espeak-ng", "--stdout", text], capture_output=True, check=True).stdout
    data, rate = sf.read(io.BytesIO(wav), dtype="float32")
    return data, rate


def test_the_upload_is_16khz_mono_16bit_flac(speech: tuple[np.ndarray, int]) -> None:
    samples, rate = speech
    stereo = np.stack([samples, samples * 0.5], axis=1)
    info = audio_info(to_upload_flac(stereo, rate))
    assert (info.format, info.subtype, info.samplerate, info.channels) == (
        "FLAC",
        "PCM_16",
        16000,
        1,
    )
    assert info.duration == pytest.approx(len(samples) / rate, abs=0.001)


def test_flac_is_at_most_an_eighth_of_the_cd_quality_stereo_wav(
    speech: tuple[np.ndarray, int],
) -> None:
    samples, rate = speech
    cd = resample(samples, rate, 44100)
    wav = io.BytesIO()
    sf.write(wav, np.stack([cd, cd], axis=1), 44100, format="WAV", subtype="PCM_16")
    flac = to_upload_flac(cd, 44100)
    assert len(flac) * 8 <= len(wav.getvalue()), len(wav.getvalue()) / len(flac)


def test_flac_is_lossless_at_16_bits() -> None:
    samples = (np.random.default_rng(1).standard_normal(16000) * 0.1).astype(np.float32)
    decoded, rate = read_mono(encode_flac(samples, 16000))
    assert rate == 16000
    assert np.max(np.abs(decoded - to_pcm16(samples) / 32768)) == 0


def test_pcm16_clips_instead_of_wrapping() -> None:
    assert to_pcm16(np.array([2.0, -2.0, 1.0, -1.0, 0.0], np.float32)).tolist() == [
        32767,
        -32768,
        32767,
        -32768,
        0,
    ]


def test_to_mono_averages_channels() -> None:
    stereo = np.array([[1.0, 0.0], [0.5, 0.5]], np.float32)
    assert to_mono(stereo).tolist() == [0.5, 0.5]
    assert to_mono(np.array([[0.25], [0.5]], np.float32)).tolist() == [0.25, 0.5]


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty"), (b"RIFF this is not a wave file at all", "not readable as audio")],
)
def test_unreadable_audio_says_why(data: bytes, reason: str) -> None:
    with pytest.raises(AudioDecodeError, match=reason):
        audio_info(data)
    with pytest.raises(AudioDecodeError, match=reason):
        read_mono(data)


def test_unreadable_files_say_why(tmp_path: Path) -> None:
    with pytest.raises(AudioDecodeError, match="no such file"):
        read_mono(tmp_path / "missing.wav")
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioDecodeError, match="empty"):
        audio_info(tmp_path / "empty.wav")
    with pytest.raises(AudioDecodeError, match="directory"):
        audio_info(tmp_path)


def test_temporary_files_are_private(tmp_path: Path) -> None:
    path = private_temp_path(".flac", tmp_path)
    assert path.exists()
    assert path.stat().st_mode & 0o777 == 0o600


def test_kept_recordings_are_listed_with_their_transcripts(tmp_path: Path) -> None:
    archive = RecordingArchive(tmp_path / "recordings")
    assert archive.list() == []
    first = private_temp_path(".flac", tmp_path)
    first.write_bytes(encode_flac(np.zeros(8000, np.float32), 16000))
    second = private_temp_path(".flac", tmp_path)
    second.write_bytes(encode_flac(np.zeros(16000, np.float32), 16000))
    saved = archive.save(first, "first words", kind="dictation")
    archive.save(second, "second words")
    assert not first.exists()  # moved, not copied
    assert saved.audio.parent == tmp_path / "recordings"
    assert saved.audio.stat().st_mode & 0o777 == 0o600
    assert saved.transcript_path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "recordings").stat().st_mode & 0o777 == 0o700
    listed = archive.list()
    assert sorted(entry.transcript.strip() for entry in listed) == ["first words", "second words"]
    assert sorted(entry.duration for entry in listed) == [0.5, 1.0]
    archive.delete(listed[0])
    assert len(archive.list()) == 1


def test_a_file_read_in_blocks_is_the_file_resampled_whole(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    stereo = (rng.standard_normal((44100 * 5 + 123, 2)) * 0.1).astype(np.float32)
    path = tmp_path / "take.wav"
    sf.write(path, stereo, 44100, subtype="FLOAT")
    stream = UploadStream(path, block_seconds=0.7)
    blocks = np.concatenate(list(stream))
    whole = resample(to_mono(stereo), 44100, 16000)
    assert blocks.size == whole.size
    np.testing.assert_allclose(blocks, whole, atol=1e-4)
    assert (stream.stopped, stream.seconds_read) == (None, stereo.shape[0] / 44100)


def test_flac_pieces_cover_the_stream_in_order(tmp_path: Path) -> None:
    audio = (np.random.default_rng(4).standard_normal(16000 * 7) * 0.1).astype(np.float32)
    path = tmp_path / "take.wav"
    sf.write(path, audio, 16000, subtype="PCM_16")
    pieces = list(UploadStream(path, block_seconds=1.3).flac_pieces([16000 * 2, 16000 * 5, 0]))
    assert [length for _, length in pieces] == [16000 * 2, 16000 * 3, 16000 * 2]
    decoded = [sf.read(io.BytesIO(flac), dtype="float32") for flac, _ in pieces]
    assert all(rate == 16000 for _, rate in decoded)
    np.testing.assert_array_equal(
        np.concatenate([samples for samples, _ in decoded]), sf.read(path, dtype="float32")[0]
    )


def test_a_truncated_flac_is_read_up_to_the_damage(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    sf.write(
        buffer, np.sin(np.arange(16000 * 6) / 10).astype(np.float32) * 0.3, 16000, format="FLAC"
    )
    path = tmp_path / "cut.flac"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    stream = UploadStream(path)
    samples = sum(block.size for block in stream)
    assert stream.stopped == "flac decoder lost sync"
    assert 16000 < samples == round(stream.seconds_read * 16000) < 16000 * 4
