"""Start-up does only what the first frame needs; what it defers is there when needed.

The first frame waits for every module imported before it and every layout done before it
(benchmarks/bench_startup.py measures the time). These tests pin what makes it fast: the app's
start path imports no client, store, audio, engine or Markdown renderer; the parameter panel
is composed with a wide screen instead of mounted after its first frame; the footer is built
once and rebuilt only when its keys change. And they check that what is deferred still works.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input

from groq_tui.ui.widgets.key_footer import KeyFooter
from tests.app_support import make_app, ready
from tests.loopback import LoopbackServer

ROOT = Path(__file__).resolve().parent.parent

DEFERRED = (
    "httpx",
    "groq_tui.api",
    # (The history is read on a thread from the app's start, for the first frame's list:
    # groq_tui.services.start_snapshot.)
    "groq_tui.audio",
    "sounddevice",
    "numpy",
    "groq_tui.local",
    "faster_whisper",
    "groq_tui.services.chat",
    "markdown_it",
    "rich.markdown",
    "pygments",
)
"""Modules the first frame does not need: imported after it, on a thread, or when used."""

DEFERRED_BY_THE_FRAME = (
    *(name for name in DEFERRED if name != "groq_tui.api"),
    "groq_tui.api.client",
    "groq_tui.api.types",
)
"""What drawing the first frame does not import: the parameter panel checks values with
``groq_tui.api.params`` (and its errors), not with the client or the API models."""


def imported_by_the_entry_point(code: str, tmp_path: Path) -> str:
    """What ``code`` (which patches the app, then runs the real entry point) printed, run in
    a fresh interpreter with a key and a private config and data home."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GROQ_API_KEY": "test-key",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_client_does_not_load_httpx_command_line_client(tmp_path: Path) -> None:
    # httpx imports its CLI (click) when click, rich and pygments are installed, as they are
    # here; the services' start pays for it unless the client keeps it out.
    code = (
        "import sys\n"
        "import groq_tui.api.client, groq_tui.services.chat\n"
        "import httpx\n"
        "print('click' in sys.modules, callable(httpx.main))\n"
    )
    assert imported_by_the_entry_point(code, tmp_path) == "False True"


def test_api_models_are_built_when_first_used_and_reply_types_ahead(tmp_path: Path) -> None:
    # Building every response model's validator at import took about 55 ms of the services'
    # start; the ones a reply streams through are built before the first reply needs them.
    code = (
        "from groq_tui.api.types import ChatCompletion, ChatCompletionChunk, Model\n"
        "from groq_tui.api.types import prepare_reply_types\n"
        "built = lambda: [m.__pydantic_complete__ for m in (ChatCompletionChunk, Model)]\n"
        "print(built())\n"
        "Model.model_validate({'id': 'm', 'object': 'model', 'created': 1, 'owned_by': 'o'})\n"
        "prepare_reply_types()\n"
        "print(built(), ChatCompletion.__pydantic_complete__)\n"
    )
    assert imported_by_the_entry_point(code, tmp_path).splitlines() == [
        "[False, False]",
        "[True, True] True",
    ]


def test_the_start_path_imports_nothing_the_first_frame_does_not_need(tmp_path: Path) -> None:
    # The real entry point, with the app's run replaced by a look at what was imported.
    code = (
        "import sys\n"
        "from groq_tui.app import GroqApp\n"
        "def run(self, *args, **kwargs):\n"
        f"    print([m for m in {DEFERRED!r} if m in sys.modules])\n"
        "GroqApp.run = run\n"
        "from groq_tui.__main__ import main\n"
        "main([])\n"
    )
    assert imported_by_the_entry_point(code, tmp_path) == "[]"


def test_the_first_wide_frame_imports_nothing_it_does_not_need(tmp_path: Path) -> None:
    # A wide start composes the parameter panel with the screen: drawing it must not load the
    # client (httpx, the API models) either. The services are held back (they import the
    # client and Markdown on threads, after the first frame): only the frame's own imports count.
    code = (
        "import sys\n"
        "from groq_tui.app import GroqApp\n"
        "async def start_services(self):\n"
        "    pass\n"
        "GroqApp.start_services = start_services\n"
        "from textual.app import App\n"
        "original = App.run\n"
        "async def look(pilot):\n"
        "    await pilot.pause()\n"
        f"    print([m for m in {DEFERRED_BY_THE_FRAME!r} if m in sys.modules])\n"
        "    pilot.app.exit()\n"
        "def run(self, *args, **kwargs):\n"
        "    return original(self, headless=True, size=(160, 45), auto_pilot=look)\n"
        "App.run = run\n"
        "from groq_tui.__main__ import main\n"
        "main([])\n"
    )
    assert imported_by_the_entry_point(code, tmp_path).splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("package", "heavy"),
    [
        ("groq_tui.ui.markdown", "markdown_it"),
        ("groq_tui.api", "httpx"),
        ("groq_tui.audio", "numpy"),
        ("groq_tui.local", "aiohttp"),
    ],
)
def test_a_lazy_package_gives_every_name_when_first_used(package: str, heavy: str) -> None:
    # Importing the package loads none of its heavy library (the chat screen's first frame
    # needs RenderBudget alone, the parameter panel api.params); each exported name is still
    # there, the same object as in its module, and an unknown name is an AttributeError.
    code = (
        "import importlib, sys\n"
        f"package = importlib.import_module({package!r})\n"
        f"assert {heavy!r} not in sys.modules, 'imported with the package'\n"
        "for name in package.__all__:\n"
        "    value = getattr(package, name)\n"
        "    module = getattr(value, '__module__', None)\n"
        "    if module and module.startswith(package.__name__ + '.'):\n"
        "        assert getattr(sys.modules[module], name) is value, name\n"
        "try:\n"
        "    package.NoSuchName\n"
        "except AttributeError as exc:\n"
        "    assert 'NoSuchName' in str(exc)\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("width", "composed"), [(160, True), (120, False)])
async def test_a_wide_start_composes_the_parameter_panel_with_the_screen(
    loopback: LoopbackServer, tmp_path: Path, width: int, composed: bool
) -> None:
    app = make_app(loopback, tmp_path)
    at_first_layout: list[bool] = []

    def hook(message: Message) -> None:
        # The first Resize once the screen is mounted comes with its first layout (the
        # screen's Resize handler mounts the panel when it is not composed).
        chat = app.chat_screen
        if isinstance(message, Resize) and chat is not None and chat.is_mounted:
            at_first_layout.append(chat.parameter_panel is not None)

    async with app.run_test(size=(width, 45), message_hook=hook) as pilot:
        screen = await ready(pilot)
        assert at_first_layout[0] is composed
        if not composed:  # mounted when first shown
            assert screen.parameter_panel is None
            await pilot.press("ctrl+t")
            await pilot.pause()
        panel = screen.parameter_panel
        assert panel is not None and panel.display


@pytest.mark.parametrize(
    ("width", "width_class"), [(160, "-wide"), (110, "-medium"), (60, "-narrow")]
)
async def test_the_chat_screen_is_styled_once_as_it_mounts_with_its_width_class(
    loopback: LoopbackServer,
    tmp_path: Path,
    width: int,
    width_class: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Textual sets the width class at the screen's first Resize, after its widgets are
    # styled: a second styling of the whole screen; and it restyles the whole screen when it
    # is first shown, just after its mount styled every widget. Made with its class, the
    # screen is styled once, as its widgets mount, and never again whole at start.
    from textual.screen import Screen

    from groq_tui.ui.screens.chat import ChatScreen

    styled: list[str] = []
    original = Screen.update_node_styles

    def update_node_styles(self: Screen[object], animate: bool = True) -> None:
        if isinstance(self, ChatScreen):
            styled.append(" ".join(sorted(self.classes)))
        original(self, animate)

    monkeypatch.setattr(Screen, "update_node_styles", update_node_styles)
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(width, 45)) as pilot:
        screen = await ready(pilot)
        assert screen.has_class(width_class)
        assert styled == []
        # The styles are those of its width: the side panels as the class has them.
        sidebar, panel = screen.query_one("#sidebar"), screen.parameter_panel
        assert sidebar.display is (width_class != "-narrow")
        assert (panel is not None and panel.display) is (width_class == "-wide")


class FooterApp(App[None]):
    """A screen's bindings in a KeyFooter, and three widgets to focus: two without bindings
    of their own, one with a key shown in the footer."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("f9", "nothing", "Everywhere")]

    def compose(self) -> ComposeResult:
        yield Input(id="first")
        yield Input(id="second")
        yield KeyedButton("keyed", id="keyed")
        yield KeyFooter()

    def action_nothing(self) -> None:
        """Bound to a key, does nothing."""


class KeyedButton(Button):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f2", "press", "Press me")]


def footer_keys(app: App[None]) -> list[Widget]:
    """The footer's key widgets (Textual's FooterKey, not a public name)."""
    return list(app.query_one(KeyFooter).query("FooterKey"))


def key_names(app: App[None]) -> list[str]:
    return [str(vars(key)["key"]) for key in footer_keys(app)]


async def test_the_footer_is_built_once_and_rebuilt_only_when_its_keys_change() -> None:
    app = FooterApp()
    async with app.run_test() as pilot:
        app.query_one("#first", Input).focus()
        await pilot.pause()
        shown = footer_keys(app)
        assert key_names(app) == ["f9", "ctrl+p"]

        app.query_one("#second", Input).focus()  # no key of its own: same keys
        await pilot.pause()
        await pilot.pause()
        assert footer_keys(app) == shown  # the same widgets: not rebuilt

        app.query_one("#keyed", KeyedButton).focus()  # its key joins the footer
        await pilot.pause()
        await pilot.pause()
        assert key_names(app) == ["f2", "f9", "ctrl+p"]

        app.query_one("#first", Input).focus()  # and leaves it
        await pilot.pause()
        await pilot.pause()
        assert key_names(app) == ["f9", "ctrl+p"]


async def test_the_chat_footer_is_built_once_at_start_and_its_keys_styled_once(
    loopback: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each rebuild is a dozen widgets styled, then a layout of the screen. Before: built
    # three times at start (the keys changed as the composer took focus, and two changes
    # before a refresh were two rebuilds), and each key styled twice more as it mounted.
    from textual.dom import DOMNode

    composed: list[int] = []
    restyled: list[str] = []
    original_compose = KeyFooter.compose
    original_update = DOMNode.update_node_styles

    def compose(self: KeyFooter) -> ComposeResult:
        composed.append(1)
        return original_compose(self)

    def update_node_styles(self: DOMNode, animate: bool = True) -> None:
        if isinstance(self.parent, KeyFooter):
            restyled.append(type(self).__name__)
        original_update(self, animate)

    monkeypatch.setattr(KeyFooter, "compose", compose)
    monkeypatch.setattr(DOMNode, "update_node_styles", update_node_styles)
    app = make_app(loopback, tmp_path)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await ready(pilot)
        await pilot.pause()
        await pilot.pause()
        assert len(composed) == 1
        assert restyled == []
        footer = screen.query_one(KeyFooter)
        assert [str(vars(key)["key"]) for key in footer.query("FooterKey")][:2] == ["ctrl+q", "f1"]


async def test_the_history_is_listed_with_the_news_that_the_services_are_up(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    # Listed by a worker after the news, the history came a query and a frame after the
    # status said "ready": one more change of the first screen, 40-60 ms later.
    from groq_tui.domain import ChatParameters, Conversation
    from groq_tui.services.app_events import ServicesReady
    from groq_tui.store import HistoryStore
    from groq_tui.ui.widgets.sidebar import ConversationSidebar

    store = await HistoryStore.open(tmp_path / "history.db")
    try:
        await store.create_conversation(
            Conversation(title="Saved before", model="m", parameters=ChatParameters())
        )
    finally:
        await store.close()
    app = make_app(loopback, tmp_path)
    listed_at_ready: list[list[str]] = []
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.chat_screen
        assert screen is not None
        sidebar = screen.query_one(ConversationSidebar)

        def at_ready(_: ServicesReady) -> None:  # after the screen's own handler
            listed_at_ready.append([item.title for item in sidebar.items])

        app.signals.services_ready.subscribe(screen, at_ready)
        await ready(pilot)
    assert listed_at_ready == [["Saved before"]]


async def test_the_first_wide_frame_is_the_whole_screen(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    # What the first layout placed is what the screen keeps: before, the empty
    # conversation's hint came a frame later (the pane, anchored at its mount, was scrolled
    # past its content in its first layout), and so did the parameter panel's scroll bar,
    # with every field of the panel two columns narrower.
    from groq_tui.ui.widgets.conversation_view import ConversationView
    from groq_tui.ui.widgets.slider import Slider

    app = make_app(loopback, tmp_path)
    first: list[tuple[object, ...]] = []

    def placed() -> tuple[object, ...]:
        chat = app.chat_screen
        assert chat is not None and chat.parameter_panel is not None
        view = chat.query_one(ConversationView)
        hint = chat.query_one("#empty-hint")
        sliders = tuple(slider.region.width for slider in chat.query(Slider))
        return (view.scroll_offset, hint.region, chat.parameter_panel.scrollbars_enabled, sliders)

    def hook(message: Message) -> None:
        chat = app.chat_screen
        if isinstance(message, Resize) and chat is not None and chat.is_mounted and not first:
            first.append(placed())

    async with app.run_test(size=(160, 45), message_hook=hook) as pilot:
        await ready(pilot)
        await pilot.pause()
        _, hint_region, scrollbars, _ = first[0]
        assert hint_region.y == 0  # in view
        assert scrollbars == (True, False)
        assert placed() == first[0]


async def test_the_first_frame_shows_the_history_and_limits_the_services_bring(
    loopback: LoopbackServer, tmp_path: Path
) -> None:
    # The services start after the first frame; what they brought (the history list, the
    # model's max_tokens limit, "ready") changed the screen a few hundred ms later. Now the
    # first layout has what the last run had, and the services bring the same.
    from groq_tui.ui.widgets.sidebar import ConversationSidebar
    from groq_tui.ui.widgets.status_bar import StatusBar
    from tests.app_support import send, wait_reply_done

    first_run = make_app(loopback, tmp_path)
    async with first_run.run_test(size=(160, 45)) as pilot:
        screen = await ready(pilot)
        await send(pilot, "remember me")
        await wait_reply_done(pilot, screen)
        limit = first_run.context.max_tokens_limit("llama-3.1-8b-instant")
    assert limit != 8192  # the loopback's model has its own (not the default)

    app = make_app(loopback, tmp_path)
    first: list[tuple[object, ...]] = []

    def shown() -> tuple[object, ...]:
        chat = app.chat_screen
        assert chat is not None and chat.parameter_panel is not None
        titles = [item.title for item in chat.query_one(ConversationSidebar).items]
        state = chat.query_one(StatusBar).state
        return (titles, chat.parameter_panel.max_tokens_limit, state)

    def hook(message: Message) -> None:
        chat = app.chat_screen
        if isinstance(message, Resize) and chat is not None and chat.is_mounted and not first:
            first.append((*shown(), app.context.chat_service is None))

    async with app.run_test(size=(160, 45), message_hook=hook) as pilot:
        await ready(pilot)
        await pilot.pause()
        assert first[0] == (["remember me"], limit, "ready", True)  # before the services
        assert shown() == first[0][:-1]
