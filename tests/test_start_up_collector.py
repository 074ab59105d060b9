"""The garbage collector is off while the app starts (its passes cost about 0.1 s of the
first screen) and on again once it has started; a command never runs without it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from groq_tui.__main__ import build_app, main
from groq_tui.cli.common import settings_from
from groq_tui.cli.parser import build_parser
from tests.app_support import ready, wait_for
from tests.loopback import LoopbackServer


@pytest.fixture
def collector_restored() -> Iterator[None]:
    yield
    gc.enable()  # whatever the test did, the rest of the suite runs with it


@pytest.mark.usefixtures("collector_restored")
async def test_the_collector_is_back_on_and_start_up_frozen_once_started(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GROQ_API_KEY", "test-key")
    args = build_parser().parse_args(["--base-url", loopback.base_url])
    settings, _ = settings_from(args, lenient=True)
    gc.disable()  # as the entry point does before it builds the app
    frozen_before = gc.get_freeze_count()
    app = build_app(args, settings, [])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await wait_for(pilot, gc.isenabled)
        assert gc.get_freeze_count() > frozen_before


@pytest.mark.usefixtures("collector_restored")
def test_commands_and_early_exits_leave_the_collector_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert gc.isenabled()
    assert main(["models", "--timeout", "-1"]) == 2  # a bad flag: refused before it runs
    assert gc.isenabled()
    capsys.readouterr()
