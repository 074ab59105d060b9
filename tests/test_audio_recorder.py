"""Recording real audio through PortAudio from the virtual microphone."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

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
    await asyncio.sleep(0.3)  # leading silence in the recording, not synchronisation
    levels: list[float] = []  # the meter, sampled while the speech plays
    player = asyncio.create_task(asyncio.to_thread(virtual_mic.play, speech))
    while not player.done():
        levels.append(recorder.level)
        await asyncio.sleep(0.01)
    await player
    await asyncio.sleep(0.3)  # trailing silence
    recording = await recorder.stop()
    await collector

    assert recording.error is None
    assert recording.path.stat().st_mode & 0o777 == 0o600
    info = audio_info(recording.path)
    assert (info.format, info.channels, info.samplerate) == ("FLAC", 1, recorder.samplerate)
    assert said + 0.3 < recording.duration < said + 2.0
    assert recording.frames == sum(block.size for block in received)
    assert all(block.dtype == np.float32 and block.ndim == 1 for block in received)
    assert -40 < max(levels) <= 0  # speech shows on the meter, in dBFS
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
        await asyncio.wait_for(recorder.wait(), 10)
        recording = await recorder.stop()
    finally:
        virtual_mic.start()
    # Noticed from PortAudio's end of stream, not from the 5 s stall timeout (how fast it is
    # noticed is measured in benchmarks/bench_timings.py, not asserted here).
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


class _LoopThatClosesAfterACheck(asyncio.SelectorEventLoop):
    """An event loop whose closing meets another thread's hand-off at its worst moment.

    After :meth:`arm`, :meth:`wait_for_a_hand_off` returns when a thread other than the
    loop's is in the middle of a hand-off: one that checks ``is_closed()`` first is held
    between its check (answered False) and its act until the loop has closed - the
    interleaving a check-then-act hand-off loses, made certain; one that does not check
    has just handed a buffer over, and its next one meets a closed loop.
    """

    def __init__(self) -> None:
        super().__init__()
        self._owner = threading.get_ident()
        self._armed = False
        self._checkers: set[int] = set()
        self._in_a_hand_off = threading.Event()
        self._closed_now = threading.Event()

    def arm(self) -> None:
        self._armed = True

    def wait_for_a_hand_off(self) -> bool:
        return self._in_a_hand_off.wait(10)

    def is_closed(self) -> bool:
        answer = super().is_closed()
        caller = threading.get_ident()
        if caller != self._owner:
            self._checkers.add(caller)
            if self._armed and not answer:
                self._in_a_hand_off.set()
                self._closed_now.wait(10)
        return answer

    def call_soon_threadsafe(self, callback: Any, *args: Any, context: Any = None) -> Any:
        handle = super().call_soon_threadsafe(callback, *args, context=context)
        if self._armed and threading.get_ident() not in self._checkers:
            self._in_a_hand_off.set()
        return handle

    def close(self) -> None:
        super().close()
        self._closed_now.set()


def test_the_loop_closing_while_portaudio_calls_back_raises_nothing(
    virtual_mic: VirtualMic, monkeypatch: pytest.MonkeyPatch
) -> None:
    unraisable: list[Any] = []  # where an exception escaping PortAudio's callback lands
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    loop = _LoopThatClosesAfterACheck()
    recorder = Recorder()
    blocks = recorder.blocks()

    async def record_a_block() -> None:
        await recorder.start()
        await anext(blocks)

    try:
        loop.run_until_complete(record_a_block())
        # The app exits without stopping the recorder: asyncio.run's clean-up, then close.
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.arm()
        assert loop.wait_for_a_hand_off()
        loop.close()
        # PortAudio keeps calling back; the first call after the close ends the stream.
        deadline = time.monotonic() + 10
        while recorder._stream.active and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not recorder._stream.active
    finally:
        if not loop.is_closed():
            loop.close()
        recorder._stream.close(ignore_errors=True)
    assert unraisable == []


async def test_no_encoding_or_file_work_on_the_event_loop(virtual_mic: VirtualMic) -> None:
    loop_thread = threading.get_ident()
    on_the_loop: list[str] = []

    def watch(frame: FrameType, event: str, arg: object) -> None:
        code = frame.f_code
        if event == "call" and (
            Path(code.co_filename).name == "soundfile.py" or code.co_name == "to_pcm16"
        ):
            on_the_loop.append(f"{Path(code.co_filename).name}:{code.co_name}")

    speech = virtual_mic.render("Nothing is encoded on the event loop.")
    recorder = Recorder()
    previous = sys.getprofile()
    sys.setprofile(watch)  # this thread only: the one running the event loop
    try:
        await recorder.start()
        await asyncio.to_thread(virtual_mic.play, speech)
        recording = await recorder.stop()
    finally:
        sys.setprofile(previous)
    assert threading.get_ident() == loop_thread
    assert on_the_loop == []
    # The file is complete: every block the recorder counted is in it.
    info = audio_info(recording.path)
    assert info.frames == recording.frames
    assert recording.duration > audio_info(speech.read_bytes()).duration
    samples, _rate = read_mono(recording.path)
    assert np.max(np.abs(samples)) > 0.1
    recording.discard()


async def test_a_cancel_that_meets_a_block_is_not_lost(virtual_mic: VirtualMic) -> None:
    # asyncio.run and Textual end an app by cancelling its tasks. A block handed over in the
    # same step as the cancel must not swallow it (Python 3.11's wait_for did: the pump
    # then ran on, and the app's exit waited for it forever).
    recorder = Recorder()
    blocks = recorder.blocks()
    await recorder.start()
    await anext(blocks)
    pump = next(task for task in asyncio.all_tasks() if task.get_name() == "recorder-pump")
    recorder._queue.put_nowait((np.zeros((1, 1), np.float32), False))  # as PortAudio would
    pump.cancel()
    await asyncio.wait([pump], timeout=10)
    assert pump.cancelled()
    recording = await recorder.stop()  # still closes the stream and the file
    assert audio_info(recording.path).frames == recording.frames
    recording.discard()
