"""History search in the sidebar: the hit opens from the search box and is shown."""

from __future__ import annotations

from pathlib import Path

from groq_tui.domain import ChatParameters, Conversation, Message, MessageStatus
from groq_tui.store import HistoryStore
from groq_tui.ui.widgets.sidebar import ConversationSidebar
from groq_tui.ui.widgets.streaming_markdown import StreamingMarkdown
from tests.app_support import make_app, ready, wait_for
from tests.loopback import LoopbackServer

LONG_REPLY = "\n\n".join(
    f"Paragraph {n}: " + "a fairly long sentence about nothing in particular " * 6
    for n in range(60)
)


async def _seed_long_conversation(data_path: Path) -> None:
    store = await HistoryStore.open(data_path / "history.db")
    try:
        conversation = await store.create_conversation(
            Conversation(
                title="An essay", model="llama-3.1-8b-instant", parameters=ChatParameters()
            )
        )
        turns = [
            ("write an essay", LONG_REPLY),
            ("needle zebra", LONG_REPLY),
            ("after needle", "Echo: after"),
        ]
        for prompt, reply in turns:
            for role, text in (("user", prompt), ("assistant", reply)):
                await store.add_message(
                    Message(
                        role=role,  # type: ignore[arg-type]
                        content=text,
                        conversation_id=conversation.id,
                        model="llama-3.1-8b-instant" if role == "assistant" else None,
                        status=MessageStatus.COMPLETE,
                    )
                )
    finally:
        await store.close()


async def test_enter_in_the_search_box_opens_the_hit_and_shows_it(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    await _seed_long_conversation(tmp_path)
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await ready(pilot)
        sidebar = screen.query_one(ConversationSidebar)
        await wait_for(pilot, lambda: len(sidebar.items) == 1)
        await pilot.press("ctrl+n", "ctrl+f", *"zebra")
        await wait_for(pilot, lambda: sidebar.items and sidebar.items[0].message_id is not None)
        hit = sidebar.items[0]
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: screen.conversation.id == hit.conversation_id)
        view = screen.views[hit.message_id]  # type: ignore[index]
        pane = screen.conversation_view
        await wait_for(pilot, lambda: app.focused is view)
        markdown = list(pane.query(StreamingMarkdown))
        await wait_for(pilot, lambda: all(m.settled for m in markdown))
        await pilot.pause()
        assert pane.region.contains_region(view.region)  # in view, once the replies rendered
        assert view.region.y == pane.region.y  # at the top: the text after it is its context
