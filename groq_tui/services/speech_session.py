"""The app's voice: one speaker, one narration at a time, text given whole or as it streams.

    narrator = Narrator(lease_client, speech_options, output_device)
    narration = narrator.say(reply_markdown, "Reply 3")    # read aloud; returns at once
    narration = narrator.begin("Reply 4")                  # auto-read: sentences come later
    narration.add("The first sentence.") ... narration.end()
    await narration.finished()                             # True if played to its end
    narrator.pause(); narrator.resume(); narrator.stop()

A narration asks for each sentence's audio as soon as the sentence is given (the next ones
are fetched while the current one plays) and plays the pieces back to back on one output
stream (:class:`~groq_tui.audio.playback.Player`), so a reply read as it streams starts
speaking when its first sentence is complete. :class:`SentenceStream` turns a reply's
Markdown, delta by delta, into complete speakable sentences; :class:`ReplySpeaker` feeds a
narration from the reply pipeline's events (:mod:`groq_tui.services.reply`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from groq_tui.api import GroqError
from groq_tui.audio.errors import AudioError
from groq_tui.audio.playback import Player
from groq_tui.domain import ReplyDelta, ReplyDone, ReplyEvent, ReplyFailed, ReplyStarted
from groq_tui.services.app_events import Observers
from groq_tui.services.errors import describe_error
from groq_tui.services.speakable import pieces_for_speech, speakable, split_sentences
from groq_tui.services.speech import SpeechOptions, speak_piece

if TYPE_CHECKING:
    from groq_tui.api import GroqClient
    from groq_tui.api.speech import SpeechAudio
    from groq_tui.services.clients import ClientLease

SpeechPhase = Literal["idle", "waiting", "playing", "paused"]

_SENTENCE_BREAK = re.compile(r"[.!?…][\"')\]”’]*\s|\n")
"""A sentence end followed by white space, or a line break: where a sentence may end."""
_ENDS_SENTENCE = re.compile(r"[.!?…][\"')\]”’]*\s+$")
_FENCE_LINE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})", re.MULTILINE)


@dataclass(frozen=True)
class SpeechState:
    """What the speaker is doing, for a bar to show."""

    phase: SpeechPhase
    title: str = ""
    """What is being said ("" when idle)."""
    error: str | None = None
    """Why the last narration failed, once, when it ends."""


class SentenceStream:
    """Markdown arriving in pieces in; each speakable sentence out once it is complete.

    A sentence is complete when white space follows its end (a space after the full stop, a
    line break); the last one comes out at :meth:`finish`. Code blocks and tables are
    summarised (:func:`~groq_tui.services.speakable.speakable`); an open code fence holds
    back its summary until it closes.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._last = ""
        self._given = 0

    def feed(self, text: str) -> list[str]:
        """Add ``text``; the sentences it completed."""
        if not text:
            return []
        boundary = self._last[-2:] + text
        self._parts.append(text)
        self._last = text
        if not _SENTENCE_BREAK.search(boundary):
            return []  # no sentence can have ended here: no need to look again
        raw = "".join(self._parts)
        sentences = split_sentences(speakable(raw))
        if len(_FENCE_LINE.findall(raw)) % 2 or not _ENDS_SENTENCE.search(raw):
            sentences = sentences[:-1]  # the last one may still grow
        new = sentences[self._given :]
        self._given = max(self._given, len(sentences))
        return new

    def finish(self) -> list[str]:
        """The sentences not given yet (the text has ended)."""
        sentences = split_sentences(speakable("".join(self._parts)))
        new = sentences[self._given :]
        self._given = len(sentences)
        return new


class Narration:
    """One text being said; sentences may keep coming until :meth:`end`."""

    def __init__(self, title: str) -> None:
        self.title = title
        self._sentences: asyncio.Queue[str | None] = asyncio.Queue()
        self._ended = False
        self._done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.error: str | None = None
        """Why it failed, if it did."""
        self.spoken: list[str] = []
        """The sentences given so far."""

    @property
    def open(self) -> bool:
        """Whether sentences can still be added."""
        return not self._ended and not self._done.done()

    def add(self, *sentences: str) -> None:
        """Say these sentences after the ones given before."""
        if not self.open:
            return
        for sentence in sentences:
            if sentence.strip():
                self.spoken.append(sentence)
                self._sentences.put_nowait(sentence)

    def end(self) -> None:
        """No more sentences: the narration ends once they have been said."""
        if not self._ended:
            self._ended = True
            self._sentences.put_nowait(None)

    @property
    def done(self) -> bool:
        """Whether it has finished (played, stopped or failed)."""
        return self._done.done()

    async def finished(self) -> bool:
        """Wait for the end; True if everything was said, False if stopped or failed."""
        return await asyncio.shield(self._done)

    def _settle(self, completed: bool) -> None:
        self._ended = True
        if not self._done.done():
            self._done.set_result(completed)

    async def next_sentence(self) -> str | None:
        """The next sentence to say, or None at the end."""
        return await self._sentences.get()


class Narrator:
    """The app's speaker: plays one narration at a time (a new one stops the old one).

    Args:
        lease_client: A lease on the client to ask for speech with (held while speaking).
        options: The speech model, voice and speed to use now.
        device: The output device to use now (None: the default).
    """

    def __init__(
        self,
        lease_client: Callable[[], ClientLease],
        options: Callable[[], SpeechOptions],
        device: Callable[[], str | None],
    ) -> None:
        self._lease_client = lease_client
        self._options = options
        self._device = device
        self.changed: Observers[SpeechState] = Observers()
        """Called whenever :attr:`state` changes."""
        self.narration_begun: Observers[Narration] = Observers()
        """Called with each narration as it begins (a voice conversation waits on it)."""
        self.current: Narration | None = None
        self.player: Player | None = None
        """The player of the current (or last) narration: its first_audio_at is measured."""
        self._task: asyncio.Task[None] | None = None
        self._state = SpeechState("idle")

    @property
    def state(self) -> SpeechState:
        """What the speaker is doing."""
        return self._state

    @property
    def speaking(self) -> bool:
        """Whether a narration is running (waiting for audio, playing or paused)."""
        return self._state.phase != "idle"

    def _set(self, state: SpeechState) -> None:
        self._state = state
        self.changed.publish(state)

    def say(self, markdown: str, title: str) -> Narration:
        """Read ``markdown`` aloud (summarising code and tables), stopping what was playing."""
        narration = self.begin(title)
        narration.add(*split_sentences(speakable(markdown)))
        narration.end()
        return narration

    def begin(self, title: str) -> Narration:
        """A narration whose sentences are added as they come; stops what was playing."""
        self.stop()
        narration = Narration(title)
        self.current = narration
        self.player = Player(self._device())
        self._task = asyncio.get_running_loop().create_task(self._run(narration, self.player))
        self._set(SpeechState("waiting", title))
        self.narration_begun.publish(narration)
        return narration

    def stop(self) -> bool:
        """Stop the narration at once; False if nothing was being said."""
        narration, task = self.current, self._task
        if narration is None or narration.done:
            return False
        narration._settle(False)
        if self.player is not None:
            self.player.stop()
        if task is not None:
            task.cancel()
        return True

    def pause(self) -> None:
        """Hold the playback where it is."""
        if self.player is not None and self._state.phase == "playing":
            self.player.pause()
            self._set(SpeechState("paused", self._state.title))

    def resume(self) -> None:
        """Continue a paused playback."""
        if self.player is not None and self._state.phase == "paused":
            self.player.resume()
            self._set(SpeechState("playing", self._state.title))

    def toggle_pause(self) -> None:
        """Pause, or resume if paused."""
        if self._state.phase == "paused":
            self.resume()
        else:
            self.pause()

    async def aclose(self) -> None:
        """Stop, and wait for the device to be closed."""
        self.stop()
        task = self._task
        if task is not None:
            with contextlib.suppress(BaseException):
                await task

    async def _run(self, narration: Narration, player: Player) -> None:
        completed = False
        try:
            with self._lease_client() as client:
                options = self._options()
                # Every sentence is asked for as soon as it is given: the audio waits here.
                audio: asyncio.Queue[SpeechAudio | None] = asyncio.Queue()
                fetcher = asyncio.create_task(self._fetch(client, narration, options, audio))
                try:
                    completed = await player.play_pieces(self._pieces(audio, narration))
                    await fetcher  # raises what the fetcher met, if anything
                finally:
                    fetcher.cancel()
                    with contextlib.suppress(BaseException):
                        await fetcher
        except asyncio.CancelledError:
            pass
        except (GroqError, AudioError, RuntimeError) as exc:
            narration.error = describe_error(exc) if isinstance(exc, GroqError) else str(exc)
        finally:
            narration._settle(completed and narration.error is None)
            if self.current is narration:
                self._set(SpeechState("idle", error=narration.error))

    async def _fetch(
        self,
        client: GroqClient,
        narration: Narration,
        options: SpeechOptions,
        audio: asyncio.Queue[SpeechAudio | None],
    ) -> None:
        try:
            while (sentence := await narration.next_sentence()) is not None:
                for piece in pieces_for_speech(sentence, options.limit):
                    await audio.put(await speak_piece(client, piece, options))
        finally:
            audio.put_nowait(None)  # the player ends after what was fetched

    async def _pieces(
        self,
        audio: asyncio.Queue[SpeechAudio | None],
        narration: Narration,
    ) -> AsyncIterator[bytes]:
        while (piece := await audio.get()) is not None:
            if self.current is narration and self._state.phase == "waiting":
                self._set(SpeechState("playing", narration.title))
            yield bytes(piece)


class ReplySpeaker:
    """Speaks a reply while it streams: fed the reply pipeline's events, one by one.

    Args:
        narrator: The speaker.
        title: What the bar shows while the reply is spoken.
    """

    def __init__(self, narrator: Narrator, title: str = "Reading the reply") -> None:
        self.narrator = narrator
        self.title = title
        self.narration: Narration | None = None
        self._sentences = SentenceStream()

    def feed(self, event: ReplyEvent) -> None:
        """Take one event: the reply began, brought text, or ended."""
        if isinstance(event, ReplyStarted):
            self._sentences = SentenceStream()
            self.narration = self.narrator.begin(self.title)
        elif isinstance(event, ReplyDelta) and self.narration is not None:
            self.narration.add(*self._sentences.feed(event.text))
        elif isinstance(event, ReplyDone | ReplyFailed):
            self.end()

    def end(self) -> None:
        """The reply ended (or was stopped): say what is left of it, then stop."""
        if self.narration is not None and self.narration.open:
            self.narration.add(*self._sentences.finish())
            self.narration.end()
