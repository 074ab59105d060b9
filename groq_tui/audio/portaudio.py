"""Loading sounddevice (and so PortAudio) only when audio is used.

PortAudio enumerates devices once, when sounddevice is imported, so the import is deferred
until a recorder or a device list needs it: the environment (``PULSE_SERVER``, a virtual
microphone in tests) is then final, and the rest of the app never pays for it or fails
because of it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from groq_tui.audio.errors import AudioUnavailable

PORTAUDIO_HINT = (
    "install PortAudio (Debian/Ubuntu: apt install libportaudio2; Fedora: dnf install "
    "portaudio; macOS: brew install portaudio)"
)


def load_sounddevice() -> ModuleType:
    """The ``sounddevice`` module, imported on first use.

    Raises:
        AudioUnavailable: sounddevice is not installed, or it cannot load PortAudio.
    """
    try:
        return importlib.import_module("sounddevice")
    except ImportError as exc:
        raise AudioUnavailable(
            f"audio capture needs the sounddevice package ({exc}); pip install sounddevice"
        ) from exc
    except OSError as exc:  # sounddevice raises OSError when libportaudio is not found
        raise AudioUnavailable(f"PortAudio is not available ({exc}); {PORTAUDIO_HINT}") from exc


def refresh_devices() -> None:
    """Make PortAudio enumerate the devices again (a microphone was plugged in or out).

    Must not be called while a stream is open. sounddevice documents re-initialising
    through these two functions for exactly this purpose.
    """
    sd = load_sounddevice()
    sd._terminate()
    sd._initialize()
