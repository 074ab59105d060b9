"""Speech's palette commands: read aloud, auto-read, the voice conversation and the voice.

:class:`SpeechSettings` asks for the text-to-speech settings (model, voice, speed, output
device, barge-in) and saves them; :class:`SpeechCommands` offers them, with the actions of
:class:`~groq_tui.ui.speech_screen.SpeakingScreen`, in the chat screen's palette.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from groq_tui.ui.palette import Command, ListedCommands
from groq_tui.ui.screens.dialogs import ChoicePicker, TextPrompt

if TYPE_CHECKING:
    from groq_tui.services.context import AppContext
    from groq_tui.ui.speech_screen import SpeakingScreen


class SpeechSettings:
    """Asks for (or flips) the speech settings; each applies from the next thing said.

    Args:
        screen: The screen that speaks.
    """

    def __init__(self, screen: SpeakingScreen) -> None:
        self.screen = screen

    @property
    def context(self) -> AppContext:
        """The app context, with the settings."""
        return self.screen.context

    def commands(self) -> list[Command]:
        """The palette entries, in the order they are offered."""
        screen = self.screen
        auto = "on" if self.context.settings.auto_read else "off"
        barge = "on" if self.context.settings.voice_barge_in else "off"
        return [
            ("Read the last reply aloud", screen.action_read_aloud_last,
             "Or focus a message and press s (f2)"),
            ("Start or end a voice conversation", screen.action_voice_conversation,
             "Listen, send at your pause, speak the reply, listen again (f9)"),
            (f"Toggle auto-read (now {auto})", screen.toggle_auto_read,
             "Speak replies sentence by sentence while they stream"),
            ("Pause or resume speech", screen.action_pause_speech, "f8; esc stops"),
            ("Choose speaker…", self.pick_output_device, "The output device for speech"),
            ("Speech voice…", self.ask_voice, "The service's voice (offline: the bundled one)"),
            ("Speech model…", self.ask_model, "The service's text-to-speech model"),
            ("Speech speed…", self.ask_speed, "0.5 to 5; 1 is the voice's own"),
            (f"Toggle barge-in (now {barge})", self.toggle_barge_in,
             "Speaking over a spoken reply stops it"),
        ]  # fmt: skip

    def _ask_line(self, title: str, current: str, answered: Callable[[str], None]) -> None:
        def chosen(text: str | None) -> None:
            if text is not None:
                answered(text.strip())

        self.screen.app.push_screen(TextPrompt(title, current, multiline=False), chosen)

    def ask_voice(self) -> None:
        """Ask for the service's voice."""

        def answered(voice: str) -> None:
            if voice:
                self.context.files.change_setting("speech_voice", voice)
                self.screen.notify(f"Speech voice: {voice}.", timeout=3)

        self._ask_line("Voice for speech (e.g. autumn, troy)", self.context.settings.speech_voice,
                       answered)  # fmt: skip

    def ask_model(self) -> None:
        """Ask for the service's text-to-speech model."""

        def answered(model: str) -> None:
            if model:
                self.context.files.change_setting("speech_model", model)
                self.screen.notify(f"Speech model: {model}.", timeout=3)

        self._ask_line("Text-to-speech model", self.context.settings.speech_model, answered)

    def ask_speed(self) -> None:
        """Ask for the speaking speed."""

        def answered(text: str) -> None:
            try:
                speed = float(text)
            except ValueError:
                speed = 0.0
            if not 0.5 <= speed <= 5.0:
                self.screen.notify("The speed is a number from 0.5 to 5.", severity="error")
                return
            self.context.files.change_setting("speech_speed", speed)
            self.screen.notify(f"Speech speed: {speed:g}.", timeout=3)

        self._ask_line("Speaking speed (0.5 to 5; 1 is normal)",
                       f"{self.context.settings.speech_speed:g}", answered)  # fmt: skip

    def toggle_barge_in(self) -> None:
        """Let speech over a spoken reply stop it, or not (with a loudspeaker the microphone
        hears, turn it off)."""
        barge_in = not self.context.settings.voice_barge_in
        self.context.files.change_setting("voice_barge_in", barge_in)
        self.screen.notify(f"Barge-in: {'on' if barge_in else 'off'}.", timeout=3)

    def pick_output_device(self) -> None:
        """Choose the output device for speech from PortAudio's list (remembered)."""
        self.screen.run_worker(self._pick_output_device(), group="devices", exclusive=True)

    async def _pick_output_device(self) -> None:
        from groq_tui.services.speech_settings import output_devices
        from groq_tui.services.types import AudioUnavailable

        app = self.screen.app
        try:
            devices = await output_devices()
        except AudioUnavailable as exc:
            app.notify(str(exc), title="Speaker", severity="error", timeout=10)
            return
        choices = [("", "The system's default output"), *devices]
        current = self.context.settings.output_device or ""
        chosen = await app.push_screen_wait(ChoicePicker("Speaker for speech", choices, current))
        if chosen is None:
            return
        self.context.files.change_setting("output_device", chosen or None)
        app.notify(f"Speech plays on: {chosen or 'the default output'}.", timeout=4)


class SpeechCommands(ListedCommands):
    """The speech entries of the command palette, on the screen that speaks."""

    discovered = 2

    def _commands(self) -> list[Command]:
        from groq_tui.ui.speech_screen import SpeakingScreen

        screen = self.screen
        return SpeechSettings(screen).commands() if isinstance(screen, SpeakingScreen) else []
