"""Speaking text: cut into requests the model takes, fetched ahead, played or saved.

    options = SpeechOptions(model="canopylabs/orpheus-v1-english", voice="troy")
    await speak(client, text, options, Player())          # plays, returns when done
    await save_speech(client, text, options, "out.flac")  # one file

Long text is cut at sentence ends into pieces within the model's input limit; the next
piece is requested while the current one plays, so the pieces follow each other without a
gap (the player queues them on one output stream).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncGenerator, Coroutine
from dataclasses import dataclass
from pathlib import Path

from groq_tui.api import GroqClient, InvalidRequestParameter
from groq_tui.api.speech import SpeechAudio, SpeechFormat, speech_input_limit
from groq_tui.audio.joining import JoinedAudioFile
from groq_tui.audio.playback import Player
from groq_tui.services.speakable import pieces_for_speech


@dataclass(frozen=True, slots=True)
class SpeechOptions:
    """What every request for one text asks for.

    Attributes:
        model: The speech model.
        voice: The voice.
        response_format: The audio format of each request.
        speed: Speaking speed (None: the model's default).
        sample_rate: Output rate (None: the model's default).
        input_limit: The longest piece to send; None uses the model's documented limit.
    """

    model: str
    voice: str
    response_format: SpeechFormat = "wav"
    speed: float | None = None
    sample_rate: int | None = None
    input_limit: int | None = None

    @property
    def limit(self) -> int:
        """The longest piece, in characters."""
        return self.input_limit or speech_input_limit(self.model)


def speech_pieces(text: str, options: SpeechOptions) -> list[str]:
    """``text`` cut into the pieces that will be requested.

    Raises:
        InvalidRequestParameter: There is nothing to say.
    """
    pieces = pieces_for_speech(text, options.limit)
    if not pieces:
        raise InvalidRequestParameter("input", "there is no text to speak")
    return pieces


async def speak_piece(client: GroqClient, piece: str, options: SpeechOptions) -> SpeechAudio:
    """The audio of one piece of text that fits the service's input limit."""
    return await client.audio.speech.create(
        model=options.model,
        input=piece,
        voice=options.voice,
        response_format=options.response_format,
        speed=options.speed,
        sample_rate=options.sample_rate,
    )


async def synthesize(
    client: GroqClient, text: str, options: SpeechOptions
) -> AsyncGenerator[SpeechAudio, None]:
    """The audio of each piece of ``text`` in order, the next one requested in advance.

    While the caller handles one piece (plays it), the next is already on its way.
    """
    pieces = speech_pieces(text, options)

    def fetch(piece: str) -> Coroutine[None, None, SpeechAudio]:
        return speak_piece(client, piece, options)

    pending: asyncio.Task[SpeechAudio] | None = asyncio.create_task(fetch(pieces[0]))
    try:
        for index in range(len(pieces)):
            assert pending is not None
            audio = await pending
            following = index + 1
            pending = (
                asyncio.create_task(fetch(pieces[following])) if following < len(pieces) else None
            )
            yield audio
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending


async def speak(client: GroqClient, text: str, options: SpeechOptions, player: Player) -> bool:
    """Speak ``text`` on ``player``; returns when the last piece has been played.

    Returns:
        True if it played to the end, False if the player was stopped.
    """
    pieces = synthesize(client, text, options)
    try:
        return await player.play_pieces(pieces)
    finally:
        await pieces.aclose()


async def save_speech(
    client: GroqClient,
    text: str,
    options: SpeechOptions,
    path: str | os.PathLike[str],
) -> int:
    """Write the speech of ``text`` to one file at ``path``; returns the number of pieces.

    A text that fits one request is streamed to the file as it arrives; a longer one is
    joined piece by piece (only one piece in memory at a time).
    """
    pieces = speech_pieces(text, options)
    if len(pieces) == 1:
        async with client.audio.speech.stream(
            model=options.model,
            input=pieces[0],
            voice=options.voice,
            response_format=options.response_format,
            speed=options.speed,
            sample_rate=options.sample_rate,
        ) as stream:
            await stream.write_to(path)
        return 1
    joined = JoinedAudioFile(Path(path), options.response_format)
    try:
        async for audio in synthesize(client, text, options):
            await asyncio.to_thread(joined.append, bytes(audio))
    finally:
        await asyncio.to_thread(joined.close)
    return len(pieces)
