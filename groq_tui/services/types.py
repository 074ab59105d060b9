"""Types and checks from the lower layers that the UI uses, so that it imports services only.

The UI names these (a model in a picker, a transcription in a table, an error to catch);
which layer defines them is the services' business.
"""

from groq_tui.api import GroqClient, Model, Transcription
from groq_tui.api.params import AUDIO_EXTENSIONS, is_language_code
from groq_tui.audio.errors import AudioError, AudioUnavailable
from groq_tui.store import StoreError

__all__ = [
    "AUDIO_EXTENSIONS",
    "AudioError",
    "AudioUnavailable",
    "GroqClient",
    "Model",
    "StoreError",
    "Transcription",
    "is_language_code",
]
