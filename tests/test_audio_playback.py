"""Playback through the virtual speaker: what the Player plays is what a listener records."""

from __future__ import annotations

import asyncio
import io
import time
from typing import TYPE_CHECKING

import numpy as np
import pytest
import soundfile as sf

from groq_tui.audio.errors import AudioDecodeError
from groq_tui.audio.playback import Player, decode_audio

if TYPE_CHECKING:
    from tests.virtual_mic import VirtualMic

pytest_plugins = ("tests.virtual_mic",)  # the session's one virtual microphone and speaker

RATE = 22_050
LISTEN_RATE = 48_000  # tests.virtual_mic.LISTEN_RATE (not imported: it is a pytest plugin)


def tone(seconds: float, rate: int = RATE, hz: float = 440.0) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def wav_bytes(samples: np.ndarray, rate: int = RATE, fmt: str = "WAV") -> bytes:
    out = io.BytesIO()
    sf.write(out, samples, rate, format=fmt, subtype="PCM_16")
    return out.getvalue()


def longest_silence(samples: np.ndarray, threshold: float = 0.02) -> float:
    """The longest run of quiet samples between the first and last loud one, in seconds."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if len(loud) < 2:
        return 0.0
    return float(np.max(np.diff(loud)) - 1) / LISTEN_RATE


async def wait_until(condition, deadline: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < end, "condition not met in time"
        await asyncio.sleep(0.02)


def test_decode_refuses_what_is_not_audio() -> None:
    with pytest.raises(AudioDecodeError):
        decode_audio(b"this is not audio")


def test_decode_mixes_stereo_to_mono() -> None:
    stereo = np.stack([tone(0.1), tone(0.1)], axis=1)
    samples, rate = decode_audio(wav_bytes(stereo))
    assert rate == RATE and samples.ndim == 1 and len(samples) == len(stereo)


async def test_plays_a_file_to_the_end_on_the_default_output(virtual_mic: VirtualMic) -> None:
    heard = virtual_mic.listen()
    try:
        player = Player()
        assert await player.play(wav_bytes(tone(1.0), fmt="FLAC")) is True
        samples = await asyncio.to_thread(heard.wait_for_silence_after, 0.9)
    finally:
        heard.stop()
    assert player.played_seconds == pytest.approx(1.0, abs=0.01)
    assert longest_silence(samples) < 0.02


async def test_pieces_play_back_to_back_without_a_gap(virtual_mic: VirtualMic) -> None:
    whole = tone(2.0)
    pieces = np.array_split(whole, 8)

    async def arriving():  # type: ignore[no-untyped-def]
        for piece in pieces:
            yield wav_bytes(piece)
            await asyncio.sleep(0)

    heard = virtual_mic.listen()
    try:
        assert await Player().play_pieces(arriving()) is True
        samples = await asyncio.to_thread(heard.wait_for_silence_after, 1.9)
    finally:
        heard.stop()
    # A gap a listener notices is tens of milliseconds; a 440 Hz tone crosses the
    # threshold every ~1 ms, so any hole between pieces would show here.
    assert longest_silence(samples) < 0.01


async def test_stop_cuts_playback_at_once(virtual_mic: VirtualMic) -> None:
    player = Player()
    heard = virtual_mic.listen()
    try:
        task = asyncio.create_task(player.play(wav_bytes(tone(20.0))))
        await wait_until(lambda: player.played_seconds > 0.3)
        player.stop()
        assert await task is False
        at_stop = player.played_seconds
        await asyncio.to_thread(heard.wait_for_silence_after, 0.05)
    finally:
        heard.stop()
    # The speaker fell silent long before the 20 s tone would have ended.
    assert at_stop < 5.0
    assert heard.heard_seconds() < 5.0


async def test_cancelling_the_caller_stops_playback(virtual_mic: VirtualMic) -> None:
    player = Player()
    task = asyncio.create_task(player.play(wav_bytes(tone(20.0))))
    await wait_until(lambda: player.played_seconds > 0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not player.playing
    assert player.played_seconds < 5.0


async def test_pause_holds_and_resume_continues(virtual_mic: VirtualMic) -> None:
    player = Player()
    task = asyncio.create_task(player.play(wav_bytes(tone(1.5))))
    await wait_until(lambda: player.played_seconds > 0.3)
    player.pause()
    held = player.played_seconds
    heard = virtual_mic.listen()
    try:
        await asyncio.to_thread(heard.wait_for_silence_after, 0.0)
        assert player.played_seconds == pytest.approx(held, abs=0.05)
        assert player.paused and not task.done()
    finally:
        heard.stop()
    player.resume()
    assert await task is True
    assert player.played_seconds == pytest.approx(1.5, abs=0.01)
