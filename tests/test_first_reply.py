"""The first reply of a session pays for nothing it does not use.

Measured in tmux (``benchmarks/reply_timeline.py``): the first reply's request went out about
120 ms after Enter, later ones after 10-20 ms; the gap was the speech modules (PortAudio
playback, numpy) imported on the event loop by the reply's speech hook, with auto-read off.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SPEECH_ONLY = ("groq_tui.services.speech_session", "groq_tui.audio.playback", "sounddevice")
"""Modules that only reading aloud needs."""

FIRST_REPLY = f"""
import asyncio, sys
from pathlib import Path
from tests.app_support import make_app, ready, send, wait_reply_done
from tests.loopback import LoopbackServer

async def main() -> None:
    with LoopbackServer() as loopback:
        loopback.reply_text = "Hello there."
        app = make_app(loopback, Path(sys.argv[1]))
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await ready(pilot)
            before = [m for m in {SPEECH_ONLY!r} if m in sys.modules]
            await send(pilot, "hi")
            view = await wait_reply_done(pilot, screen)
            assert view.message.content == "Hello there.", view.message.content
            after = [m for m in {SPEECH_ONLY!r} if m in sys.modules]
    print(before, after)

asyncio.run(main())
"""


def test_a_reply_not_read_aloud_imports_no_speech_module(tmp_path: Path) -> None:
    # In a fresh interpreter: in this one another test may have imported them already.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GROQ_TUI_AUTO_READ": "false"}
    result = subprocess.run(
        [sys.executable, "-c", FIRST_REPLY, str(tmp_path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[] []"
