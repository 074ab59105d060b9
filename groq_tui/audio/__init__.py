"""Audio: recording from an input device, encoding for upload, cutting speech at pauses.

Only sounddevice (PortAudio), soundfile (libsndfile), numpy and, when installed, webrtcvad
are used; nothing here knows of the API client, the store or the UI. Importing the package
is cheap - numpy, libsndfile and PortAudio load when the names that need them are first
used - and PortAudio in particular only when a device is listed or opened, so the rest of
the app works, and says why, without a sound card or PortAudio::

    from groq_tui.audio import Recorder, AudioUnavailable

    recorder = Recorder()                  # the default input device
    blocks = recorder.blocks()
    await recorder.start()                 # AudioUnavailable: no PortAudio, no device
    async for block in blocks: ...         # float32 mono at recorder.samplerate
    recording = await recorder.stop()      # a private FLAC file; .error if the device died
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from groq_tui.audio.errors import AudioDecodeError, AudioError, AudioUnavailable, DeviceLost
from groq_tui.lazy_names import lazy_names

if TYPE_CHECKING:
    from groq_tui.audio.archive import RecordingArchive, SavedRecording
    from groq_tui.audio.devices import InputDevice, find_input_device, list_input_devices
    from groq_tui.audio.encoding import (
        UPLOAD_RATE,
        AudioInfo,
        audio_info,
        encode_flac,
        read_mono,
        to_upload_flac,
    )
    from groq_tui.audio.portaudio import refresh_devices
    from groq_tui.audio.recorder import Recorder, Recording, private_temp_path
    from groq_tui.audio.resample import StreamResampler, resample
    from groq_tui.audio.segmenter import SegmenterSettings, SpeechSegment, SpeechSegmenter
    from groq_tui.audio.splitting import Piece, split_at_silences
    from groq_tui.audio.vad import EnergyGate, WebRtcDetector, default_detector

_LAZY = {
    "archive": ("RecordingArchive", "SavedRecording"),
    "devices": ("InputDevice", "find_input_device", "list_input_devices"),
    "encoding": (
        "UPLOAD_RATE",
        "AudioInfo",
        "audio_info",
        "encode_flac",
        "read_mono",
        "to_upload_flac",
    ),
    "portaudio": ("refresh_devices",),
    "recorder": ("Recorder", "Recording", "private_temp_path"),
    "resample": ("StreamResampler", "resample"),
    "segmenter": ("SegmenterSettings", "SpeechSegment", "SpeechSegmenter"),
    "splitting": ("Piece", "split_at_silences"),
    "vad": ("EnergyGate", "WebRtcDetector", "default_detector"),
}

__all__ = [
    "UPLOAD_RATE",
    "AudioDecodeError",
    "AudioError",
    "AudioInfo",
    "AudioUnavailable",
    "DeviceLost",
    "EnergyGate",
    "InputDevice",
    "Piece",
    "Recorder",
    "Recording",
    "RecordingArchive",
    "SavedRecording",
    "SegmenterSettings",
    "SpeechSegment",
    "SpeechSegmenter",
    "StreamResampler",
    "WebRtcDetector",
    "audio_info",
    "default_detector",
    "encode_flac",
    "find_input_device",
    "list_input_devices",
    "private_temp_path",
    "read_mono",
    "refresh_devices",
    "resample",
    "split_at_silences",
    "to_upload_flac",
]


__getattr__ = lazy_names(__name__, _LAZY)
