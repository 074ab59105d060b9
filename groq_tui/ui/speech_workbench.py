"""Speech on the transcription workbench: read a transcript aloud, or export its speech.

The speaking is the app's speaker (:func:`~groq_tui.services.speech_settings.narrator_for`),
shared with the chat screen; the file is written by
:func:`~groq_tui.services.speech_settings.export_speech`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from groq_tui.ui.app_context import host_of

if TYPE_CHECKING:
    from textual.screen import Screen


def speak_text(screen: Screen[None], text: str) -> None:
    """Read ``text`` aloud on ``screen``'s app; if something is being said, stop it instead."""
    from groq_tui.services.speech_settings import narrator_for

    context = host_of(screen).context
    if context.clients is None:
        host_of(screen).signals.once_started(lambda: speak_text(screen, text))
        return
    narrator = narrator_for(context)
    if narrator.stop():
        screen.notify("Stopped speaking.", timeout=2)
        return
    narration = narrator.say(text, "Transcript")
    screen.notify("Speaking the transcript (press Speak or f2 again to stop).", timeout=4)

    async def told_if_failed() -> None:
        await narration.finished()
        if narration.error:
            screen.notify(narration.error, title="Speech", severity="error", timeout=10)

    screen.run_worker(told_if_failed(), group="speech")


async def export_speech_of(screen: Screen[None], text: str, name: str) -> None:
    """Write the speech of ``text`` to ``name`` in the exports folder; tell where, or why not."""
    from groq_tui.services.speech_settings import SpeechExportFailed, export_speech

    context = host_of(screen).context
    if context.clients is None:
        host_of(screen).signals.once_started(
            lambda: screen.run_worker(export_speech_of(screen, text, name), group="speech")
        )
        return
    screen.notify("Writing the speech…", timeout=3)
    try:
        path = await export_speech(context, text, name)
    except SpeechExportFailed as exc:
        screen.notify(str(exc), title="Speech not exported", severity="error", timeout=10)
        return
    screen.notify(f"Speech exported to {path}", timeout=8)
