"""Compare mode: the screen with Pilot, the service, and the CLI, against the loopback server.

The loopback server answers unknown model ids with the live 404, and streams
``loopback-chunks-N-rate-R`` ids slowly: a 3-model comparison has one failing and one slow.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import TextArea

from groq_tui.__main__ import main
from groq_tui.app import GroqApp
from groq_tui.domain import MessageStatus
from groq_tui.services.compare import ColumnOverrides
from groq_tui.ui.screens.chat import ChatScreen
from groq_tui.ui.screens.compare import CompareScreen, parse_overrides
from groq_tui.ui.screens.dialogs import TextPrompt
from groq_tui.ui.widgets.compare_column import CompareColumn
from groq_tui.ui.widgets.composer import Composer
from tests.app_support import db_rows, make_app, ready, wait_for
from tests.loopback import LoopbackServer, Reply

FAST = "llama-3.1-8b-instant"
MISSING = "no-such-model"
SLOW = "loopback-chunks-300-rate-150"


async def open_compare(pilot: Pilot[Any], models: list[str]) -> CompareScreen:
    app = pilot.app
    assert isinstance(app, GroqApp)
    await ready(pilot)
    app.action_compare(models)
    await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
    screen = app.screen
    assert isinstance(screen, CompareScreen)
    await pilot.pause()
    return screen


async def prompt(pilot: Pilot[Any], screen: CompareScreen, text: str, *, wait: bool = True) -> None:
    """Send ``text``; with ``wait``, as Enter (Pilot then waits until the app is idle, which it
    is only once every reply has finished), else submitted without waiting."""
    composer = screen.query_one(Composer)
    composer.focus()
    composer.load_text(text)
    if wait:
        await pilot.press("enter")
    else:
        composer.action_submit()
        await wait_for(pilot, lambda: screen.streaming or not composer.text)


async def answered(pilot: Pilot[Any], text: str) -> CompareScreen:
    """A two-model comparison (FAST and a second echo model) that has answered ``text``."""
    screen = await open_compare(pilot, [FAST, "llama-3.3-70b-versatile"])
    await prompt(pilot, screen, text)
    await wait_for(pilot, lambda: states(screen) == ["done", "done"])
    return screen


def states(screen: CompareScreen) -> list[str]:
    return [w.figures.state for w in screen.columns]


async def test_three_models_one_failing_one_slow(loopback: LoopbackServer, tmp_path: Path) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_compare(pilot, [FAST, MISSING, SLOW])
        await prompt(pilot, screen, "compare this", wait=False)
        # The fast model finishes while the slow one is still streaming: nobody waits.
        await wait_for(pilot, lambda: states(screen)[0] == "done")
        assert states(screen)[2] in ("waiting", "streaming")
        await wait_for(pilot, lambda: states(screen) == ["done", "failed", "done"], timeout=20)
        fast, missing, slow = screen.columns
        assert fast.current is not None
        assert fast.current.markdown == "Echo: compare this"
        error = missing.query_one(".column--error").render()
        assert "does not exist" in str(error)
        assert slow.figures.tokens == 300
        assert slow.figures.server_total is not None
        # The fastest time to first token and the best tok/s are marked.
        assert any("ttft" in w.best for w in screen.columns)
        assert any("tps" in w.best for w in screen.columns)
        console = Console(record=True, width=200)
        console.print(screen.summary_table)
        summary = console.export_text()
        assert FAST in summary
        assert "failed" in summary
        # Every column's request went out concurrently with its own model.
        sent = [r.json["model"] for r in loopback.requests if r.path.endswith("/chat/completions")]
        assert sorted(sent) == sorted([FAST, MISSING, SLOW])
    rows = db_rows(tmp_path, "SELECT kind, title FROM conversations")
    assert rows == [("compare", "Compare: compare this")]
    replies = db_rows(
        tmp_path, "SELECT model, status, reply_group FROM messages WHERE role='assistant'"
    )
    assert {(m, s) for m, s, _ in replies} == {
        (FAST, "complete"), (MISSING, "failed"), (SLOW, "complete"),
    }  # fmt: skip
    assert len({g for _, _, g in replies}) == 1  # one prompt, one reply group


async def test_follow_up_continues_each_columns_own_history(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await answered(pilot, "first")
        await prompt(pilot, screen, "second")
        await wait_for(pilot, lambda: not screen.streaming and states(screen) == ["done", "done"])
        chats = [r.json for r in loopback.requests if r.path.endswith("/chat/completions")]
        followups = [c for c in chats if c["messages"][-1]["content"] == "second"]
        assert len(followups) == 2
        for request in followups:
            history = request["messages"]
            assert [m["role"] for m in history] == ["user", "assistant", "user"]
            assert history[1]["content"] == "Echo: first"  # its own previous reply


async def test_columns_follow_their_replies_unless_scrolled_up(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    long = "loopback-chunks-1200-rate-400"  # three seconds, several screens long
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_compare(pilot, [long, long])
        await prompt(pilot, screen, "go")
        left, right = (column.body for column in screen.columns)
        await wait_for(pilot, lambda: screen.streaming and left.max_scroll_y > 10)
        assert left.scroll_y >= left.max_scroll_y - 5  # the newest text is in view
        right.scroll_home(animate=False, immediate=True)  # the reader goes back to the top
        await wait_for(pilot, lambda: not screen.streaming, timeout=20)
        await pilot.pause(0.1)
        assert left.max_scroll_y > 50
        assert left.scroll_y == pytest.approx(left.max_scroll_y, abs=1)
        assert right.scroll_y < 5  # left where the reader went


async def test_scroll_lock_moves_the_columns_together(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    long = "loopback-chunks-1200-rate-1200"
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_compare(pilot, [long, long])
        await pilot.press("ctrl+l")
        assert screen.locked
        await prompt(pilot, screen, "go")
        await wait_for(pilot, lambda: not screen.streaming, timeout=20)
        await pilot.pause(0.1)
        left, right = (column.body for column in screen.columns)
        # Locked columns that follow their replies keep following.
        assert left.max_scroll_y > 50
        for body in (left, right):
            assert body.scroll_y == pytest.approx(body.max_scroll_y, abs=1)
        left.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        assert right.scroll_y == 0
        left.scroll_to(y=left.max_scroll_y / 2, animate=False, immediate=True)
        await pilot.pause()
        assert right.scroll_y == pytest.approx(right.max_scroll_y / 2, abs=2)
        await pilot.press("ctrl+l")
        left.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        assert right.scroll_y == pytest.approx(right.max_scroll_y / 2, abs=2)  # unlocked


async def test_system_prompt_for_every_column(loopback: LoopbackServer, tmp_path: Path) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await answered(pilot, "first")
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
        app.screen.query_one(TextArea).load_text("Answer in French.")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: screen.run.conversation.parameters.system_prompt != "")
        await prompt(pilot, screen, "second")
        await wait_for(pilot, lambda: not screen.streaming and states(screen) == ["done", "done"])
    chats = [r.json for r in loopback.requests if r.path.endswith("/chat/completions")]
    first = [c["messages"] for c in chats if c["messages"][-1]["content"] == "first"]
    second = [c["messages"] for c in chats if c["messages"][-1]["content"] == "second"]
    assert len(first) == len(second) == 2
    assert all(m[0]["role"] == "user" for m in first)
    assert all(m[0] == {"role": "system", "content": "Answer in French."} for m in second)
    saved = db_rows(tmp_path, "SELECT parameters FROM conversations")
    assert "Answer in French." in saved[0][0]  # reopening the comparison keeps it


async def test_stop_all_stop_one_and_retry(loopback: LoopbackServer, tmp_path: Path) -> None:
    slow = "loopback-chunks-3000-rate-200"
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_compare(pilot, [slow, slow])
        await prompt(pilot, screen, "go")
        await wait_for(pilot, lambda: states(screen) == ["streaming", "streaming"])
        await pilot.press("escape")
        await wait_for(pilot, lambda: states(screen) == ["stopped", "stopped"])
        assert not screen.streaming
        # Retry one column alone, then stop just that one.
        column = screen.columns[1]
        column.focus()
        await pilot.press("r")
        await wait_for(pilot, lambda: states(screen)[1] == "streaming")
        assert states(screen)[0] == "stopped"
        await pilot.press("s")
        await wait_for(pilot, lambda: states(screen)[1] == "stopped")
    statuses = db_rows(tmp_path, "SELECT status FROM messages WHERE role='assistant'")
    assert [s for (s,) in statuses] == ["stopped", "stopped"]  # the retry replaced its reply


async def test_retry_a_failed_column(loopback: LoopbackServer, tmp_path: Path) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_compare(pilot, [FAST, "llama-3.3-70b-versatile"])
        loopback.enqueue(Reply.rate_limited(retry_after=0.01, path="/chat/"))
        await prompt(pilot, screen, "hello")
        await wait_for(pilot, lambda: sorted(states(screen)) == ["done", "failed"])
        failed = next(w for w in screen.columns if w.figures.state == "failed")
        assert "rate limit" in str(failed.query_one(".column--error").render()).lower()
        failed.focus()
        await pilot.press("r")
        await wait_for(pilot, lambda: states(screen) == ["done", "done"])


async def test_continue_with_one_column(loopback: LoopbackServer, tmp_path: Path) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await answered(pilot, "pick me")
        screen.columns[1].focus()
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen))
        chat = app.chat_screen
        assert chat is not None
        await wait_for(pilot, lambda: len(chat.messages) == 2)
        assert chat.conversation.model == "llama-3.3-70b-versatile"
        assert chat.conversation.kind == "chat"
        assert [m.content for m in chat.messages] == ["pick me", "Echo: pick me"]


async def test_overrides_per_column(loopback: LoopbackServer, tmp_path: Path) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_compare(pilot, [FAST, "llama-3.3-70b-versatile"])
        overrides = screen.run.columns[1].overrides
        for name, value in parse_overrides("temperature=0.2 max_tokens=50 seed=9").items():
            setattr(overrides, name, value)
        await prompt(pilot, screen, "tune")
        await wait_for(pilot, lambda: states(screen) == ["done", "done"])
        sent = {
            r.json["model"]: r.json for r in loopback.requests if r.path.endswith("/completions")
        }
        assert sent["llama-3.3-70b-versatile"]["temperature"] == 0.2
        assert sent["llama-3.3-70b-versatile"]["max_tokens"] == 50
        assert sent["llama-3.3-70b-versatile"]["seed"] == 9
        assert sent[FAST]["temperature"] == 1.0
        assert "seed" not in sent[FAST]


def test_parse_overrides() -> None:
    assert parse_overrides("temperature=0.5, seed=3 max_tokens=") == {
        "temperature": 0.5, "seed": 3, "max_tokens": None,
    }  # fmt: skip
    with pytest.raises(ValueError, match="cannot be overridden"):
        parse_overrides("top_p=0.2")
    with pytest.raises(ValueError, match="between 0 and 2"):
        parse_overrides("temperature=3")
    assert ColumnOverrides(temperature=0.25, seed=1).describe() == "temperature=0.25 seed=1"


async def test_narrow_terminal_pages_through_columns(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_compare(pilot, [FAST, "llama-3.3-70b-versatile", SLOW])
        shown = [w for w in screen.columns if w.display and w.styles.display != "none"]
        assert screen.has_class("-narrow")
        assert [w.index for w in screen.columns if w.has_class("-shown")] == [0]
        screen.columns[0].focus()
        await pilot.press("]")
        assert [w.index for w in screen.columns if w.has_class("-shown")] == [1]
        await prompt(pilot, screen, "narrow")
        await pilot.resize_terminal(160, 40)
        await pilot.pause()
        assert not screen.has_class("-narrow")
        await wait_for(pilot, lambda: not screen.streaming, timeout=20)
        assert shown


async def test_saved_comparison_is_searchable_reopened_and_exported(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await answered(pilot, "pelicans and bicycles")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: list((tmp_path / "exports").glob("*.md")))
        await pilot.press("f4")
        chat = app.chat_screen
        assert chat is not None
        await wait_for(pilot, lambda: app.screen is chat)
        sidebar = chat.query_one("#sidebar")
        chat.refresh_sidebar("pelican")
        await wait_for(pilot, lambda: [i.title for i in sidebar.items]  # type: ignore[attr-defined]
                       == ["Compare: pelicans and bicycles"])  # fmt: skip
        item = sidebar.items[0]  # type: ignore[attr-defined]
        await chat.open_conversation(item.conversation_id)
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        reopened = app.screen
        assert isinstance(reopened, CompareScreen)
        await pilot.pause()
        assert [c.model for c in reopened.run.columns] == [FAST, "llama-3.3-70b-versatile"]
        # Reopened, a finished reply says "done", as it did live.
        assert [w.figures.state for w in reopened.columns] == ["done", "done"]
    markdown = next((tmp_path / "exports").glob("*.md")).read_text()
    assert "## Prompt 1" in markdown
    assert f"### {FAST}" in markdown
    assert "| model | TTFT | tok/s | tokens | server total | state |" in markdown
    assert f"| {FAST} |" in markdown


# -- the CLI -------------------------------------------------------------------------------


def test_cli_compare(cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["compare", "-m", FAST, "-m", MISSING, "-m", "loopback-chunks-40",
                 "--temperature", "0.3", "--seed", "5", "hello"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0
    assert f"== {FAST} ==\nEcho: hello\n" in out
    assert "== loopback-chunks-40 ==" in out
    assert MISSING not in out
    header = next(line for line in out.splitlines() if line.startswith("model"))
    assert header.split() == ["model", "TTFT", "tok/s", "tokens", "reasoning", "thinking", "total"]
    assert f"groq-tui: {MISSING}: " in err
    assert "does not exist" in err
    sent = [r.json for r in cli_env.requests if r.path.endswith("/chat/completions")]
    assert all(r["temperature"] == 0.3 and r["seed"] == 5 for r in sent)


def test_cli_compare_json_and_failures(
    cli_env: LoopbackServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("from stdin"))
    code = main(["compare", "--json", "-m", FAST, "-m", "llama-3.3-70b-versatile", "-"])
    out, _ = capsys.readouterr()
    assert code == 0
    document = json.loads(out)
    assert document["prompt"] == "from stdin"
    assert [r["model"] for r in document["results"]] == [FAST, "llama-3.3-70b-versatile"]
    assert all(r["content"] == "Echo: from stdin" for r in document["results"])
    assert all(r["stats"]["completion_tokens"] > 0 for r in document["results"])
    assert main(["compare", "-m", MISSING, "-m", "also-missing", "hi"]) == 1
    assert main(["compare", "-m", FAST, "hi"]) == 2
    _, err = capsys.readouterr()
    assert "give 2 to 4 models" in err


def test_stopped_status_is_a_message_status() -> None:
    assert MessageStatus("stopped") is MessageStatus.STOPPED
    assert CompareColumn.BINDINGS


async def test_live_figures_do_not_rebuild_the_footer(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    """The live figures redraw each header at 4 Hz; the bindings (stop, retry, continue) are
    refreshed only when a column's state changes. Each refresh makes the footer recompose its
    keys, which cost seconds of CSS work per comparison when every figure update did it."""
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_compare(pilot, [SLOW, SLOW])  # two seconds each: 8 header redraws
        refreshes: list[object] = []
        screen.bindings_updated_signal.subscribe(screen, refreshes.append)
        await prompt(pilot, screen, "go", wait=False)
        await wait_for(pilot, lambda: states(screen) == ["done", "done"], timeout=20)
        assert all(w.figures.tokens == 300 for w in screen.columns)
        # Per column: waiting -> streaming -> done, plus the screen's own refreshes.
        assert len(refreshes) <= 8, len(refreshes)


async def test_a_prompt_the_history_cannot_save_is_not_sent_and_comes_back(
    loopback: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A full disk at the prompt's save, injected: it cannot be made real in this process (a
    # file-size limit would hold the test runner too; tests/test_faults_app.py makes it real
    # for the chat screen in a child process). The store raises what it raises then.
    from groq_tui.store import HistoryStore, StoreError

    async def full(self: HistoryStore, message: object) -> None:
        raise StoreError("history.db: the disk is full")

    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_compare(pilot, [FAST, "llama-3.3-70b-versatile"])
        monkeypatch.setattr(HistoryStore, "add_message", full)
        before = states(screen)
        await prompt(pilot, screen, "keep these words")
        await wait_for(pilot, lambda: not screen.streaming)
        assert app.is_running
        assert screen.query_one(Composer).text == "keep these words"
        assert any("disk is full" in str(n.message) for n in app._notifications)
        assert states(screen) == before  # no column started a reply
