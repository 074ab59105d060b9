"""Every reply on a screen renders within the screen's one time slice a frame."""

from __future__ import annotations

from pathlib import Path

from groq_tui.ui.widgets.streaming_markdown import StreamingMarkdown
from tests.app_support import make_app, ready, send, wait_reply_done
from tests.loopback import LoopbackServer


async def test_replies_share_the_chat_screens_budget(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        await send(pilot, "one")
        await wait_reply_done(pilot, screen)
        await send(pilot, "two")
        await wait_reply_done(pilot, screen, count=2)
        bodies = list(screen.query(StreamingMarkdown))
        assert len(bodies) == 2
        assert all(body.budget is screen.render_budget for body in bodies)
