"""Entry point: ``groq-tui [COMMAND] ...`` (also ``python -m groq_tui``).

Imports are deferred to the command that needs them, so ``groq-tui --help`` and the first
frame of the app are not held up by modules the command never uses.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from groq_tui.app import GroqApp
    from groq_tui.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the command, return its exit code."""
    # Start-up allocates a great deal and frees little: the collector's passes over it
    # (about 0.1 s here, two of them full) are put off until the app has started
    # (GroqApp.start_services collects once, freezes what is left and turns it back on).
    # A command turns it back on at once.
    gc.disable()
    try:
        return _main(argv)
    finally:
        gc.enable()


def _main(argv: Sequence[str] | None) -> int:
    from groq_tui.cli.parser import build_parser

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is not None:
        gc.enable()

    from groq_tui.cli.common import EXIT_USAGE, describe_error, exit_code_for, fail, settings_from
    from groq_tui.config import ConfigFileError, InvalidSettings

    try:
        # The app starts anyway: a setting it cannot use takes its default, and it says so.
        settings, problems = settings_from(args, lenient=args.command is None)
    except ConfigFileError as exc:
        return fail(describe_error(exc), exit_code_for(exc))
    except InvalidSettings as exc:
        for problem in exc.problems:
            fail(str(problem))
        return EXIT_USAGE
    if args.command is None:
        build_app(args, settings, [str(p) for p in problems]).run()
        return 0

    if args.command == "serve":
        from groq_tui.local import run_serve

        from_config = not args.no_config_models
        return run_serve(
            args.host,
            args.port,
            args.api_key,
            [*(settings.local_gguf if from_config else ()), *args.gguf],
            args.whisper or (settings.local_whisper if from_config else None),
            api_key_stdin=args.api_key_stdin,
            exit_with_stdin=args.exit_with_stdin,
        )
    from groq_tui.cli.terminal import protect_terminal, release_terminal

    protect_terminal(raw=bool(getattr(args, "raw", False)))
    try:
        return _run_command(args, settings)
    finally:
        release_terminal()


def build_app(args: argparse.Namespace, settings: Settings, problems: list[str]) -> GroqApp:
    """The app for this command line; ``problems`` are shown once it starts."""
    from groq_tui.app import GroqApp
    from groq_tui.services.context import AppContext

    context = AppContext(
        settings, model=args.model, continue_last=args.continue_last, offline=bool(args.local)
    )
    return GroqApp(context, setting_problems=problems)


def _run_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run a subcommand (not the app, not serve); returns its exit code."""
    from groq_tui.cli.common import EXIT_INTERRUPTED, fail

    if args.command == "devices":
        from groq_tui.cli.dictate import run_devices

        return run_devices(args, settings)
    if args.command == "chat":
        from groq_tui.cli.chat import run_chat as run
    elif args.command == "compare":
        from groq_tui.cli.compare import run_compare as run
    elif args.command == "dictate":
        from groq_tui.cli.dictate import run_dictate as run
    elif args.command == "speak":
        from groq_tui.cli.speak import run_speak as run
    elif args.command == "models":
        from groq_tui.cli.models import run_models as run
    else:
        from groq_tui.cli.audio import run_audio as run
    try:
        if args.local:
            return asyncio.run(_with_local_engine(run, args, settings))
        return asyncio.run(run(args, settings))
    except KeyboardInterrupt:
        sys.stdout.flush()
        return fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        return 0


async def _with_local_engine(
    run: Callable[[argparse.Namespace, Settings], Awaitable[int]],
    args: argparse.Namespace,
    settings: Settings,
) -> int:
    """Run a subcommand against the offline engine, started here and stopped after.

    The engine runs as a child process, as in the app: ``dictate`` records on this loop
    while the engine would parse uploads and shape events on it, and a crash in llama.cpp
    or CTranslate2 becomes an error message instead of a dead command.
    """
    from dataclasses import replace

    from groq_tui.cli.common import fail
    from groq_tui.config import Secret
    from groq_tui.local import BUNDLED_CHAT_MODEL_ID, BUNDLED_SPEECH_MODEL_ID
    from groq_tui.services.local_engine import LocalEngineError, start_local_engine

    try:
        engine = await start_local_engine(settings.local_gguf, settings.local_whisper)
    except LocalEngineError as exc:
        return fail(f"the offline engine cannot start: {exc}")
    try:
        local = replace(
            settings,
            base_url=engine.base_url,
            api_key=Secret(engine.api_key) if engine.api_key else None,
            model=BUNDLED_CHAT_MODEL_ID,
            audio_model=BUNDLED_SPEECH_MODEL_ID,
        )
        return await run(args, local)
    finally:
        await engine.stop()


if __name__ == "__main__":
    sys.exit(main())
