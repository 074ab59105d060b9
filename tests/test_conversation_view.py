"""The conversation view: it follows a fast reply to its end, lets the reader scroll away,
follows again from the end, starts a short conversation at the top, and pages long ones."""

from __future__ import annotations

import time
from pathlib import Path

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button

from groq_tui.domain import Message, MessageStatus
from groq_tui.ui.screens.chat import ChatScreen
from groq_tui.ui.widgets.conversation_view import ConversationView
from groq_tui.ui.widgets.messages import MessageView
from tests.app_support import make_app, ready, send, wait_for, wait_reply_done
from tests.loopback import LoopbackServer, Reply


class LoopBallast(Widget):
    """Keeps the event loop busy for ``busy_ms`` on every frame, as a loaded core would."""

    DEFAULT_CSS = "LoopBallast { dock: top; height: 1; }"

    def __init__(self, busy_ms: float) -> None:
        super().__init__()
        self.busy_ms = busy_ms
        self.frames = 0

    def on_mount(self) -> None:
        self.auto_refresh = 1 / 60

    def render(self) -> str:
        end = time.perf_counter() + self.busy_ms / 1000
        while time.perf_counter() < end:  # the loop is blocked, not asleep
            pass
        self.frames += 1
        return f"frame {self.frames}"


def end_in_view(view: MessageView) -> bool:
    """Whether the last line of the message is on screen (inside its pane's visible area)."""
    geometry = view.screen.find_widget(view)
    return geometry.region.bottom <= geometry.clip.bottom


async def streaming_in_pane(
    pilot: Pilot[None], loopback: LoopbackServer, prompt: str, chunks: int, *, rate: float
) -> tuple[ChatScreen, ConversationView]:
    """Send ``prompt`` for a reply of ``chunks`` chunks at ``rate``; return once it streams
    and already fills more than the pane."""
    screen = await ready(pilot)
    pane = screen.query_one(ConversationView)
    loopback.enqueue(Reply.stream_chunks(chunks, rate=rate, path="/chat/"))
    await send(pilot, prompt)
    await wait_for(pilot, lambda: screen.streaming and pane.max_scroll_y > 20)
    return screen, pane


async def test_a_fast_reply_under_a_slow_loop_ends_in_view(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    """Ten replies of 500 chunks at full speed, with the loop blocked 8 ms a frame: each reply's
    last line comes into view on its own (a 30 Hz follow timer lost it in 2-3 of 8)."""
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(pilot)
        ballast = LoopBallast(busy_ms=8)
        await screen.mount(ballast)
        for turn in range(1, 11):
            loopback.enqueue(Reply.stream_chunks(500, path="/chat/"))
            await send(pilot, f"a long one, number {turn}")
            view = await wait_reply_done(pilot, screen, count=turn)
            body = view.body
            assert body is not None
            await wait_for(pilot, lambda body=body: body.settled)  # type: ignore[misc]
            await wait_for(pilot, lambda view=view: end_in_view(view), timeout=3)  # type: ignore[misc]
        assert ballast.frames > 50  # the loop was slowed while the replies streamed


async def test_scrolling_up_mid_stream_stays_put_and_the_end_follows_again(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        screen, pane = await streaming_in_pane(pilot, loopback, "stream slowly", 6000, rate=300)
        assert pane.following
        pane.focus()
        await pilot.press("pageup")  # the reader goes back to read
        await wait_for(pilot, lambda: pane.scroll_y < pane.max_scroll_y - 10)
        assert not pane.following
        await pilot.wait_for_animation()
        kept = pane.scroll_y
        grown_to = pane.max_scroll_y + 3
        await wait_for(pilot, lambda: pane.max_scroll_y > grown_to)  # the reply grows...
        assert pane.scroll_y == kept  # ...and the view stays where the reader is
        await pilot.press("end")  # back at the end: it follows again
        await wait_for(pilot, lambda: pane.following)
        grown_to = pane.max_scroll_y + 3
        await wait_for(pilot, lambda: pane.max_scroll_y > grown_to)
        assert pane.scroll_y == pane.max_scroll_y
        await pilot.press("escape")
        await wait_reply_done(pilot, screen)


def _messages(count: int) -> list[Message]:
    return [
        Message(
            role="user" if i % 2 == 0 else "assistant",
            content=f"message {i}",
            id=i + 1,
            conversation_id=1,
            status=MessageStatus.COMPLETE,
        )
        for i in range(count)
    ]


class ViewApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ConversationView()


async def test_a_short_conversation_starts_at_the_top() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 30)) as pilot:
        pane = app.query_one(ConversationView)
        await pane.show(_messages(2))
        await pilot.pause()
        first = app.query(MessageView).first()
        assert first.region.y == pane.region.y
        assert pane.following


async def test_long_conversations_open_at_the_end_and_page_earlier_messages() -> None:
    app = ViewApp()
    async with app.run_test(size=(80, 30)) as pilot:
        pane = app.query_one(ConversationView)
        messages = _messages(ConversationView.PAGE + 5)
        await pane.show(messages)
        await pilot.pause()
        assert len(pane.query(MessageView)) == ConversationView.PAGE
        assert pane.hidden_before == 5
        await wait_for(pilot, lambda: pane.scroll_y == pane.max_scroll_y > 0)
        button = pane.query_one("#load-earlier", Button)
        assert str(button.label) == "show 5 earlier messages"
        button.press()
        await wait_for(pilot, lambda: len(pane.query(MessageView)) == len(messages))
        assert [v.message.id for v in pane.query(MessageView)] == [m.id for m in messages]
        await wait_for(pilot, lambda: not button.display)
        await pane.show(messages, at=3)  # a search hit: from that message on, in view
        await pilot.pause()
        assert pane.hidden_before == 2
        assert app.focused is pane.views[3]
        assert not pane.following


async def test_an_appended_message_joins_the_conversation_before_its_view_is_mounted() -> None:
    # The chat screen starts the reply (whose request reads the conversation) as soon as the
    # prompt is appended, and its view mounts meanwhile.
    app = ViewApp()
    async with app.run_test(size=(80, 30)):
        pane = app.query_one(ConversationView)
        await pane.show(_messages(2))
        prompt, reply = _messages(4)[2:]
        shown = pane.append(prompt)
        assert pane.messages[-1] is prompt  # at once
        next_view = pane.append(reply)
        view, later = await shown, await next_view
        assert view.is_mounted and view.message is prompt and pane.views[3] is view
        assert later.is_mounted and pane.views[4] is later
        assert [v.message.id for v in pane.query(MessageView)] == [1, 2, 3, 4]
        assert pane.following


async def test_the_end_stays_in_view_through_resizes_while_following(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    """The pane, its column and its messages ask for no second layout when only the layout
    resized them (layout_sized); a terminal that narrows, shortens or widens under a followed
    conversation, mid-reply and after it, still shows the reply's end."""
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen, pane = await streaming_in_pane(pilot, loopback, "a long one", 3000, rate=600)
        for size in ((70, 24), (150, 45)):  # mid-reply: the text wraps again
            await pilot.resize_terminal(*size)
            await pilot.pause()
            await wait_for(pilot, lambda: pane.scroll_y == pane.max_scroll_y)
            assert pane.following
        view = await wait_reply_done(pilot, screen)
        for size in ((60, 20), (100, 30), (45, 15)):
            await pilot.resize_terminal(*size)
            await wait_for(pilot, lambda view=view: end_in_view(view), timeout=3)  # type: ignore[misc]
            assert pane.scroll_y == pane.max_scroll_y
