"""Input devices: listing, choosing, and the clear messages when there are none."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from groq_tui.audio.devices import find_input_device, list_input_devices
from groq_tui.audio.errors import AudioUnavailable
from groq_tui.audio.portaudio import load_sounddevice
from groq_tui.cli.dictate import run_devices
from groq_tui.config import load_settings

if TYPE_CHECKING:
    from tests.virtual_mic import VirtualMic

pytest_plugins = ("tests.virtual_mic",)  # the session's one virtual microphone

ROOT = Path(__file__).resolve().parent.parent


def test_the_virtual_microphone_is_the_default_input(virtual_mic: VirtualMic) -> None:
    devices = list_input_devices()
    assert devices[0].is_default
    assert [d for d in devices if d.is_default] == devices[:1]
    names = {d.name for d in devices}
    assert {"default", "pulse"} <= names
    assert all(d.channels > 0 and d.default_samplerate > 0 for d in devices)


def test_devices_are_found_by_index_name_or_part_of_a_name(virtual_mic: VirtualMic) -> None:
    pulse = next(d for d in list_input_devices() if d.name == "pulse")
    assert find_input_device(None).is_default
    assert find_input_device("PULSE") == pulse
    assert find_input_device(str(pulse.index)) == pulse
    assert find_input_device(pulse.index) == pulse
    assert find_input_device("puls") == pulse


def test_an_unknown_device_lists_the_choices(virtual_mic: VirtualMic) -> None:
    with pytest.raises(
        AudioUnavailable, match=r"no input device matches 'usb mic'; input devices: "
    ):
        find_input_device("usb mic")
    with pytest.raises(AudioUnavailable, match="no input device has index 99"):
        find_input_device(99)


def test_the_devices_command_marks_the_default(
    virtual_mic: VirtualMic, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_devices(None, load_settings()) == 0  # type: ignore[arg-type]
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) >= 2
    assert lines[0].startswith("*") and " default " in lines[0]
    assert all(not line.startswith("*") for line in lines[1:])
    assert any(" pulse " in line for line in lines[1:])


def test_missing_sounddevice_is_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import sounddevice -> ImportError
    with pytest.raises(AudioUnavailable, match="needs the sounddevice package"):
        load_sounddevice()
    assert run_devices(None, load_settings()) == 1  # type: ignore[arg-type]
    assert "pip install sounddevice" in capsys.readouterr().err


def test_missing_portaudio_is_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # What sounddevice does when libportaudio is not installed.
    (tmp_path / "sounddevice.py").write_text(
        "raise OSError('PortAudio library not found')\n", encoding="utf-8"
    )
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(AudioUnavailable, match=r"PortAudio is not available.*libportaudio2"):
        list_input_devices()


def test_no_input_device_at_all(tmp_path: Path) -> None:
    # No sound server and no sound card: PortAudio lists nothing. Fresh processes, since
    # PortAudio lists devices once.
    env = {
        **os.environ,
        "PULSE_SERVER": f"unix:{tmp_path}/nothing",
        "XDG_RUNTIME_DIR": str(tmp_path),
        "GROQ_API_KEY": "k",
        "GROQ_BASE_URL": "http://127.0.0.1:9",
    }
    for command in (["devices"], ["dictate", "--max-seconds", "5"]):
        result = subprocess.run(
            [sys.executable, "-m", "groq_tui", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (result.returncode, result.stdout) == (1, ""), command
        errors = [line for line in result.stderr.splitlines() if line.startswith("groq-tui:")]
        assert errors == [
            "groq-tui: no microphone found: PortAudio lists no input device (is one plugged in, "
            "and is the sound server - PulseAudio or PipeWire - running?)"
        ], command
