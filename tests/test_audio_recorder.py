"""Recording real audio through PortAudio from the virtual microphone."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from groq_tui.audio.encoding import audio_info, read_mono
from groq_tui.audio.errors import AudioUnavailable, DeviceLost
from groq_tui.audio.recorder import Recorder

if TYPE_CHECKING:
    from tests.virtual_mic import VirtualMic

pytest_plugins = ("tests.virtual_mic",)  # the session's one virtual microphone


async def test_records_what_is_said_to_a_private_flac(virtual_mic: VirtualMic) -> None:
    speech = virtual_mic.render("Recording through PortAudio from the virtual microphone.")
    said = audio_info(speech.read_bytes()).duration
    recorder = Recorder()
    blocks = recorder.blocks()
    await recorder.start()
    assert recorder.path is not None and recorder.path.stat().st_mode & 0o777 == 0o600
    received: list[np.ndarray] = []

    async def collect() -> None:
        async for block in blocks:
            received.append(block)

    collector = asyncio.create_task(collect())
    await asyncio.sleep(0.3)
    await asyncio.to_thread(virtual_mic.play, speech)
    await asyncio.sleep(0.3)
    peak_level = recorder.level
    recording = await recorder.stop()
    await collector

    assert recording.error is None
    assert recording.path.stat().st_mode & 0o777 == 0o600
    info = audio_info(recording.path)
    assert (info.format, info.channels, info.samplerate) == ("FLAC", 1, recorder.samplerate)
    assert said + 0.3 < recording.duration < said + 2.0
    assert recording.frames == sum(block.size for block in received)
    assert all(block.dtype == np.float32 and block.ndim == 1 for block in received)
    assert peak_level <= 0
    samples, _rate = read_mono(recording.path)
    assert np.max(np.abs(samples)) > 0.1  # the speech is there, not silence
    recording.discard()
    assert not recording.path.exists()
    assert await recorder.stop() is recording  # stopping twice is harmless


async def test_the_level_meter_follows_the_input(virtual_mic: VirtualMic) -> None:
    speech = virtual_mic.render("level")
    recorder = Recorder()
    await recorder.start()
    await asyncio.sleep(0.3)
    assert recorder.level == -100  # the null sink is digitally silent
    levels: list[float] = []
    player = asyncio.create_task(asyncio.to_thread(virtual_mic.play, speech))
    while not player.done():
        levels.append(recorder.level)
        await asyncio.sleep(0.01)
    (await recorder.stop()).discard()
    assert max(levels) > -40
    assert recorder.elapsed > 0.3


async def test_a_device_that_disappears_keeps_what_was_recorded(virtual_mic: VirtualMic) -> None:
    recorder = Recorder()
    await recorder.start()
    await asyncio.to_thread(virtual_mic.say, "Saved before the microphone goes away.")
    recorded = recorder.elapsed
    try:
        virtual_mic.kill_server()
        lost_at = time.monotonic()
        await asyncio.wait_for(recorder.wait(), 10)
        noticed = time.monotonic() - lost_at
        recording = await recorder.stop()
    finally:
        virtual_mic.start()
    assert noticed < 1
    assert isinstance(recording.error, DeviceLost)
    assert "stopped delivering audio" in str(recording.error)
    assert recording.error.path == recording.path
    assert recording.path.exists()
    assert recording.duration >= recorded
    assert audio_info(recording.path).frames == recording.frames
    recording.discard()


async def test_an_unknown_device_fails_before_recording(virtual_mic: VirtualMic) -> None:
    recorder = Recorder(device="no such microphone")
    with pytest.raises(AudioUnavailable, match="no input device matches"):
        await recorder.start()
    assert not recorder.running


async def test_a_device_that_cannot_be_opened_says_so(
    virtual_mic: VirtualMic, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PULSE_SOURCE", "unplugged-headset")  # the sound server refuses it
    (tmp_path / "tmp").mkdir()
    recorder = Recorder(directory=tmp_path / "tmp")
    with pytest.raises(AudioUnavailable, match=r"^cannot record from 'default': Error opening"):
        await recorder.start()
    assert list((tmp_path / "tmp").iterdir()) == []  # no temporary file left behind
