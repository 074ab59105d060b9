"""What can go wrong with audio, each carrying a message a user can act on."""

from __future__ import annotations

from pathlib import Path


class AudioError(Exception):
    """Any audio failure; ``str()`` is a one-line message for the user."""


class AudioUnavailable(AudioError):
    """Capture cannot start: PortAudio or sounddevice missing, no input device, or the
    chosen device cannot be opened."""


class DeviceLost(AudioError):
    """The device stopped delivering (recording) or taking (playing) audio: unplugged,
    sound server gone.

    What was recorded before that is kept: ``path`` names the file holding it, if any.
    """

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class AudioDecodeError(AudioError):
    """An audio file or buffer cannot be read: corrupt, empty, or a format libsndfile
    does not decode."""
