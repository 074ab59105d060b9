"""The input devices PortAudio offers, and choosing one by name or index."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from groq_tui.audio.errors import AudioUnavailable
from groq_tui.audio.portaudio import load_sounddevice

NO_DEVICE_HINT = (
    "no microphone found: PortAudio lists no input device (is one plugged in, and is the "
    "sound server - PulseAudio or PipeWire - running?)"
)


@dataclass(frozen=True)
class InputDevice:
    """A device that can record."""

    index: int
    """PortAudio's device index (valid until the device list is refreshed)."""
    name: str
    """The name PortAudio reports, e.g. ``default`` or ``USB Audio: - (hw:1,0)``."""
    channels: int
    """The most input channels it offers."""
    default_samplerate: float
    """The rate it records at unless asked for another."""
    hostapi: str
    """The host API it belongs to (ALSA, JACK, Core Audio, WASAPI...)."""
    is_default: bool
    """Whether it is the system's default input."""

    def describe(self) -> str:
        """One line for a device list: ``* 1  default  (32 ch, 44100 Hz, ALSA)``."""
        mark = "*" if self.is_default else " "
        rate = f"{self.default_samplerate:g}"
        return (
            f"{mark} {self.index:>2}  {self.name}  ({self.channels} ch, {rate} Hz, {self.hostapi})"
        )


def list_input_devices() -> list[InputDevice]:
    """Every device with at least one input channel, the default first.

    Raises:
        AudioUnavailable: PortAudio is missing, or it lists no input device.
    """
    sd = load_sounddevice()
    try:
        devices: Any = sd.query_devices()
        hostapis: Any = sd.query_hostapis()
    except sd.PortAudioError as exc:
        raise AudioUnavailable(f"PortAudio cannot list the devices: {exc}") from exc
    default_index = _default_input_index(sd)
    found = [
        InputDevice(
            index=int(info["index"]),
            name=str(info["name"]),
            channels=int(info["max_input_channels"]),
            default_samplerate=float(info["default_samplerate"]),
            hostapi=str(hostapis[info["hostapi"]]["name"]),
            is_default=int(info["index"]) == default_index,
        )
        for info in devices
        if int(info["max_input_channels"]) > 0
    ]
    if not found:
        raise AudioUnavailable(NO_DEVICE_HINT)
    return sorted(found, key=lambda device: (not device.is_default, device.index))


def _default_input_index(sd: Any) -> int:
    try:
        return int(sd.query_devices(kind="input")["index"])
    except (sd.PortAudioError, ValueError, KeyError, TypeError):
        return -1


def find_input_device(wanted: str | int | None) -> InputDevice:
    """The device to record from: the default for None, else by index or by name.

    A name matches exactly (ignoring case) or, failing that, as a unique part of one
    device's name, so ``--device usb`` finds ``USB Audio: - (hw:1,0)``.

    Raises:
        AudioUnavailable: nothing (or more than one device) matches, or there is no input.
    """
    devices = list_input_devices()
    if wanted is None or (isinstance(wanted, str) and not wanted.strip()):
        for device in devices:
            if device.is_default:
                return device
        return devices[0]
    if isinstance(wanted, int) or wanted.strip().isdigit():
        index = int(wanted)
        for device in devices:
            if device.index == index:
                return device
        raise AudioUnavailable(f"no input device has index {index}; {_choices(devices)}")
    needle = wanted.strip().casefold()
    exact = [device for device in devices if device.name.casefold() == needle]
    if exact:
        return exact[0]
    partial = [device for device in devices if needle in device.name.casefold()]
    if len(partial) == 1:
        return partial[0]
    if partial:
        names = ", ".join(repr(device.name) for device in partial)
        raise AudioUnavailable(f"{wanted!r} matches several input devices ({names}); be precise")
    raise AudioUnavailable(f"no input device matches {wanted!r}; {_choices(devices)}")


def _choices(devices: list[InputDevice]) -> str:
    listed = ", ".join(f"{device.index} {device.name!r}" for device in devices)
    return f"input devices: {listed}"
