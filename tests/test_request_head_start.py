"""A reply's request leaves before the screen does its own work.

Measured in tmux (``benchmarks/reply_timeline.py``): the chat screen saved the prompt, showed
it and laid out the reply's view before the request was written, and a frame drawn meanwhile
(30-60 ms here) held it back; the request's body left 36-147 ms after Enter, and every ms of
that is a ms more until the reply's last line is on screen. Now it is sent first, and the
screen goes on once it is on its way (11-25 ms after Enter in the same measure).

Real parts: the loopback server, a real SQLite history, the real app under Pilot.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from groq_tui.api import APIConnectionError, ChatStream, GroqClient
from groq_tui.domain import Conversation, Message, MessageStatus, ReplyDone
from groq_tui.services.chat import ChatService
from groq_tui.services.reply_request import SentRequest
from groq_tui.store import HistoryStore
from tests.app_support import make_app, ready, send, wait_for, wait_reply_done
from tests.loopback import LoopbackServer, Reply, closed_port_url

MODEL = "llama-3.1-8b-instant"
USER = [{"role": "user", "content": "hi"}]


@pytest.fixture
async def client(loopback: LoopbackServer) -> AsyncIterator[GroqClient]:
    async with GroqClient(api_key="test-key", base_url=loopback.base_url, max_retries=1) as opened:
        yield opened


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[HistoryStore]:
    opened = await HistoryStore.open(tmp_path / "history.db")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def sent_requests(monkeypatch: pytest.MonkeyPatch) -> list[SentRequest]:
    """Every request the chat service sends ahead (a spy: the real service sends it)."""
    sent_requests: list[SentRequest] = []
    original_send = ChatService.send_request

    def send_request(
        self: ChatService, conversation: Conversation, history: list[Message]
    ) -> SentRequest:
        sent = original_send(self, conversation, history)
        sent_requests.append(sent)
        return sent

    monkeypatch.setattr(ChatService, "send_request", send_request)
    return sent_requests


@pytest.mark.parametrize("stream", [True, False])
async def test_on_its_way_is_told_once_before_the_response_on_new_and_kept_connections(
    loopback: LoopbackServer, stream: bool
) -> None:
    # A fresh client: its first request makes a connection, the second reuses it.
    async with GroqClient(api_key="test-key", base_url=loopback.base_url) as client:
        told: list[str] = []
        for _ in range(2):
            response = await client.chat.completions.create(
                model=MODEL, messages=USER, stream=stream, on_its_way=lambda: told.append("left")
            )
            told.append("response")
            if isinstance(response, ChatStream):
                await response.until_done()
        assert told == ["left", "response"] * 2


async def test_on_its_way_is_told_once_when_the_request_is_retried(
    loopback: LoopbackServer, client: GroqClient
) -> None:
    loopback.enqueue(Reply.error(503, "over capacity", "internal_server_error"))
    told: list[str] = []
    await client.chat.completions.create(
        model=MODEL, messages=USER, on_its_way=lambda: told.append("left")
    )
    assert told == ["left"]
    assert len([r for r in loopback.requests if r.path.endswith("/chat/completions")]) >= 2


async def test_a_reply_reads_the_request_sent_ahead_and_sends_no_other(
    loopback: LoopbackServer, client: GroqClient, store: HistoryStore
) -> None:
    service = ChatService(client, store)
    conversation = Conversation(title="", model=MODEL)
    prompt = Message(role="user", content="hello there")
    sent = service.send_request(conversation, [prompt])
    await sent.on_its_way()
    assert sent.left.is_set()
    saved = await service.add_user_message(conversation, prompt.content)
    async with contextlib.aclosing(service.reply(conversation, [saved], sent=sent)) as events:
        done = [event async for event in events if isinstance(event, ReplyDone)]
    assert len(done) == 1
    assert done[0].message.status is MessageStatus.COMPLETE
    assert "hello there" in done[0].message.content  # the loopback echoes the prompt
    chats = [r for r in loopback.requests if r.path.endswith("/chat/completions")]
    assert len(chats) == 1  # the request sent ahead, not a second one
    assert chats[0].json["messages"][-1]["content"] == "hello there"


async def test_a_request_sent_ahead_and_given_up_is_stopped(
    loopback: LoopbackServer, client: GroqClient, store: HistoryStore
) -> None:
    loopback.enqueue(Reply.fault("stall_mid_stream", after_chunks=1, stall_seconds=30))
    service = ChatService(client, store)
    sent = service.send_request(Conversation(title="", model=MODEL), [Message("user", "hi")])
    opened = await sent.opening
    assert isinstance(opened, ChatStream)
    await sent.close()
    await sent.close()  # idempotent
    with pytest.raises(Exception):  # noqa: B017,PT011 - httpx's own error for a closed stream
        await opened.__anext__()


async def test_waiting_for_a_request_that_cannot_leave_ends_with_its_failure(
    store: HistoryStore,
) -> None:
    async with GroqClient(api_key="k", base_url=closed_port_url(), max_retries=0) as client:
        sent = ChatService(client, store).send_request(
            Conversation(title="", model=MODEL), [Message("user", "hi")]
        )
        # Refused at once: on its way (the connection was being made), then failed.
        await sent.on_its_way(at_most=30)
        await asyncio.wait([sent.opening])
        assert sent.left.is_set()
        assert isinstance(sent.opening.exception(), APIConnectionError)
        await sent.close()


async def test_the_chat_screen_saves_and_shows_the_prompt_once_its_request_has_left(
    loopback: LoopbackServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sent_requests: list[SentRequest],
) -> None:
    # Spies that pass everything through: the real service sends and saves.
    left_when_saved: list[bool] = []
    original_add = ChatService.add_user_message

    async def add_user_message(self: ChatService, conversation: Conversation, text: str) -> Message:
        left_when_saved.append(bool(sent_requests) and sent_requests[-1].left.is_set())
        return await original_add(self, conversation, text)

    monkeypatch.setattr(ChatService, "add_user_message", add_user_message)
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        for turn, prompt in enumerate(["first question", "second question"], 1):
            await send(pilot, prompt)
            view = await wait_reply_done(pilot, screen, turn)
            assert prompt in view.message.content
    assert left_when_saved == [True, True]
    assert [len(s.request.messages) for s in sent_requests] == [1, 3]


async def test_compare_sends_every_columns_request_before_saving_and_showing_the_prompt(
    loopback: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from groq_tui.services.compare import CompareRun
    from tests.test_compare import open_compare, prompt, states

    sent_turns: list[dict[int, SentRequest]] = []
    left_when_saved: list[list[bool]] = []
    original_send = CompareRun.send_prompt
    original_add = CompareRun.add_prompt

    def send_prompt(self: CompareRun, text: str) -> dict[int, SentRequest]:
        sent = original_send(self, text)
        sent_turns.append(sent)
        return sent

    async def add_prompt(self: CompareRun, text: str) -> int:
        left_when_saved.append([request.left.is_set() for request in sent_turns[-1].values()])
        return await original_add(self, text)

    monkeypatch.setattr(CompareRun, "send_prompt", send_prompt)
    monkeypatch.setattr(CompareRun, "add_prompt", add_prompt)
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_compare(pilot, [MODEL, "llama-3.3-70b-versatile"])
        for text in ("first", "second"):
            await prompt(pilot, screen, text)
            await wait_for(pilot, lambda: not screen.streaming)
            assert states(screen) == ["done", "done"]
            assert [c.current.markdown for c in screen.columns if c.current] == [
                f"Echo: {text}"
            ] * 2
    assert left_when_saved == [[True, True], [True, True]]
    chats = [r.json for r in loopback.requests if r.path.endswith("/chat/completions")]
    assert len(chats) == 4  # the requests sent ahead, not a second one each
    # Each column's follow-up carries its own history: prompt, its reply, the new prompt.
    assert [len(s.request.messages) for turn in sent_turns for s in turn.values()] == [1, 1, 3, 3]


async def test_a_prompt_sent_with_settings_the_service_refuses_sends_nothing_ahead(
    loopback: LoopbackServer, tmp_path: Path, sent_requests: list[SentRequest]
) -> None:
    # The composer refuses before sending; a prompt sent otherwise (edited and resent, spoken)
    # is saved and its reply refused with a message, without a request started and dropped.
    import dataclasses

    app = make_app(loopback, tmp_path, model="qwen/qwen3-32b")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await ready(pilot)
        parameters = screen.conversation.parameters
        screen.apply_parameters(
            dataclasses.replace(
                parameters, stop=list(parameters.stop), reasoning_format="raw", json_mode=True
            )
        )
        assert screen.refusal() is not None
        chats_before = [r for r in loopback.requests if r.path.endswith("/chat/completions")]
        await screen.send("refuse me")
        await pilot.pause()
        assert [m.content for m in screen.messages] == ["refuse me"]  # saved, not answered
        assert not screen.streaming
        assert any("Refused before sending" in str(n.title) for n in app._notifications)
    assert sent_requests == []
    chats = [r for r in loopback.requests if r.path.endswith("/chat/completions")]
    assert chats == chats_before
