"""A new key or server while the client is in use: the work in progress finishes on the old
client, which is closed only once it is done; nothing raises out of the app.

Before the shared client's leases, the App closed the old client at once: a stream broke off,
and the next request of a transcription or a dictation raised RuntimeError ("the client has
been closed") - uncaught in the workbench, so Textual exited the app.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from groq_tui.api import GroqClient
from groq_tui.app import GroqApp
from groq_tui.config import load_settings
from groq_tui.domain import MessageStatus
from groq_tui.services.clients import SharedClient
from groq_tui.services.context import AppContext
from groq_tui.ui.widgets.composer import Composer
from groq_tui.ui.widgets.recorder_bar import RecorderBar
from tests.app_support import make_app, ready, send, wait_for, wait_reply_done
from tests.loopback import LoopbackServer, Reply, wire
from tests.test_compare import open_compare, prompt
from tests.test_workbench import audio_requests, open_workbench, status, talk

if TYPE_CHECKING:
    from tests.virtual_mic import VirtualMic

pytest_plugins = ("tests.virtual_mic",)


SLOW = "loopback-chunks-300-rate-100"
"""A model name the loopback server answers with 300 chunks at 100 a second."""


def trickled_transcription(text: str, seconds: float) -> Reply:
    """A transcription whose body takes about ``seconds`` to arrive, 16 bytes at a time."""
    body = json.dumps({
        "text": text, "duration": 2.0, "language": "en",
        "segments": [{"id": 0, "start": 0.0, "end": 1.5, "text": text}],
    }).encode()  # fmt: skip
    pieces = max(1, len(body) // 16)
    return Reply(
        "sse", 200, body, wire.JSON_TYPE, chunk_size=16, delay=seconds / pieces, path="/audio/"
    )


async def change_key(app: GroqApp) -> None:
    """What entering a key (F5) does: a new client for the service."""
    await app.context.use_key("test-key", save=False)


# -- the shared client on its own ------------------------------------------------------------


async def test_a_replaced_client_closes_when_its_last_lease_ends() -> None:
    first, second, third = (GroqClient(api_key="k") for _ in range(3))
    shared = SharedClient(first)
    lease = shared.lease()
    other = shared.lease()
    assert lease.client is first
    assert await shared.replace(second) is first
    assert shared.current is second
    assert not first.is_closed  # two users still on it
    lease.release()
    lease.release()  # twice is once
    assert not first.is_closed
    with shared.lease() as client:  # work that began on the new client holds the old too
        assert client is second
        other.release()
        await asyncio.sleep(0)
        assert not first.is_closed
    await wait_until(lambda: first.is_closed)
    assert not second.is_closed
    await shared.replace(third)  # nobody holds it: closed at once
    assert second.is_closed
    await shared.aclose()
    assert third.is_closed


async def wait_until(condition: Any, timeout: float = 5.0) -> None:
    """Poll ``condition`` until true; fail after ``timeout`` seconds."""
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {condition}")


# -- in the app --------------------------------------------------------------------------------


async def test_a_key_change_mid_stream_lets_the_reply_finish(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    # A few chunks, then 3 s of silence (the key changes then), then the rest of the reply.
    loopback.enqueue(
        Reply.fault("stall_mid_stream", after_chunks=4, stall_seconds=3.0, path="/chat/")
    )
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        old = app.context.chat_service.client  # type: ignore[union-attr]
        await send(pilot, "one two three four five six seven eight nine ten")
        # The reply's row is there before its view is mounted: wait for the view.
        await wait_for(
            pilot,
            lambda: any(m.role == "assistant" and m.id in screen.views for m in screen.messages),
        )
        reply = next(m for m in screen.messages if m.role == "assistant")
        view = screen.views[reply.id]  # type: ignore[index]
        await wait_for(pilot, lambda: view.body.markdown)
        await change_key(app)
        assert not old.is_closed  # the reply still streams on it
        await wait_reply_done(pilot, screen)
        assert view.message.status is MessageStatus.COMPLETE, view.message.error
        assert view.message.content == "Echo: one two three four five six seven eight nine ten"
        await wait_for(pilot, lambda: old.is_closed)
        await send(pilot, "and now on the new client")
        await wait_reply_done(pilot, screen, count=2)
        assert app.is_running


async def test_a_key_change_mid_transcription_lets_the_file_finish(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    audio = talk(tmp_path / "lecture.wav", [1.5, 0.4, 1.5, 0.4, 1.5])
    loopback.enqueue(trickled_transcription("First piece.", 3.0))
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_workbench(pilot, audio)
        screen.max_piece_seconds = 2.0
        old = app.context.chat_service.client  # type: ignore[union-attr]
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: audio_requests(loopback))
        await change_key(app)  # while the first piece's answer is arriving
        await wait_for(pilot, lambda: not screen.running)
        assert status(screen).startswith("Transcribed lecture.wav"), status(screen)
        assert len(audio_requests(loopback)) == 3
        assert screen.result is not None
        assert "First piece." in screen.result.text
        await wait_for(pilot, lambda: old.is_closed)
        assert app.is_running


async def test_a_key_change_mid_comparison_lets_the_columns_finish(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        compare = await open_compare(pilot, [SLOW, SLOW])
        old = app.context.chat_service.client  # type: ignore[union-attr]
        await prompt(pilot, compare, "both, slowly", wait=False)
        await wait_for(pilot, lambda: all(c.figures.tokens > 10 for c in compare.columns))
        await change_key(app)
        await wait_for(pilot, lambda: not compare.streaming)
        assert [c.figures.state for c in compare.columns] == ["done", "done"]
        assert compare.run.client is app.context.chat_service.client  # type: ignore[union-attr]
        await wait_for(pilot, lambda: old.is_closed)
        assert app.is_running


async def test_a_key_change_mid_dictation_keeps_every_segment(
    virtual_mic: VirtualMic, loopback: LoopbackServer, tmp_path: Path
) -> None:
    loopback.enqueue(
        Reply.json(200, {"text": " Before."}, path="/audio/"),
        Reply.json(200, {"text": " After."}, path="/audio/"),
    )
    app = make_app(loopback, tmp_path)
    app.settings.dictation_language = "en"
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        composer = screen.query_one(Composer)
        bar = screen.query_one(RecorderBar)
        old = app.context.chat_service.client  # type: ignore[union-attr]
        await pilot.press("ctrl+r")
        await asyncio.sleep(0.3)  # the recorder is opening: speech before it is not heard
        await asyncio.to_thread(virtual_mic.say, "The first sentence is about the weather.")
        await wait_for(pilot, lambda: "Before." in composer.text)
        await change_key(app)
        await asyncio.to_thread(virtual_mic.say, "The second one talks about the market.")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: bar.state == "idle")
        failures = [n.message for n in app._notifications if "failed" in n.message]
        assert failures == []
        assert composer.text == "Before. After."
        await wait_for(pilot, lambda: old.is_closed)
        assert app.is_running


# -- the local engine ----------------------------------------------------------------------------


async def test_going_online_stops_the_engine_only_once_its_work_is_done(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    """F5 while something runs on the local engine: it keeps serving that work, then stops."""
    settings = load_settings(api_key=None, base_url=loopback.base_url, max_retries=0)
    context = AppContext(settings, data_path=tmp_path, offline=True)
    try:
        await context.start()
        assert context.offline and context.models
        lease = context.lease_client()  # a transcription on the engine, say
        await context.use_key("test-key", save=False)
        await context.go_online()
        assert not context.offline and context.models  # the service's, from the loopback
        listing = await lease.client.models.list()  # the engine still answers its user
        assert any(model.is_audio for model in listing.data)
        engine = context.server.engine
        assert engine is not None
        lease.release()
        await wait_until(lambda: context.server.engine is None)
        assert await engine.wait_exit() == 0
    finally:
        await context.aclose()
