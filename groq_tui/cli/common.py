"""What every subcommand shares: settings from flags, the client, one-line errors.

The client and the error descriptions (httpx, pydantic models: about 0.1 s) are imported
when used: the app imports this module for its settings, before its first frame.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from groq_tui.config import (
    ConfigFileError,
    SettingProblem,
    Settings,
    load_settings,
    load_settings_leniently,
)

if TYPE_CHECKING:
    from groq_tui.api import GroqClient

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def settings_from(
    args: argparse.Namespace, *, lenient: bool = False
) -> tuple[Settings, list[SettingProblem]]:
    """Settings with this invocation's flags on top, and what could not be used.

    Raises:
        ConfigFileError: The config file is not readable TOML.
        InvalidSettings: A value cannot be used (unless ``lenient``: then it takes its
            default and is listed).
    """
    flags = {
        "api_key": getattr(args, "api_key", None),
        "base_url": getattr(args, "base_url", None),
        "max_retries": getattr(args, "max_retries", None),
        "timeout": getattr(args, "timeout", None),
    }
    if lenient:
        return load_settings_leniently(**flags)
    return load_settings(**flags), []


def client_from(settings: Settings) -> GroqClient:
    """The API client for these settings."""
    from groq_tui.api import GroqClient

    return GroqClient(
        api_key=settings.api_key_value,
        base_url=settings.base_url,
        max_retries=settings.max_retries,
        timeout=settings.timeout,
    )


def fail(message: str, code: int = EXIT_FAILURE) -> int:
    """Print one line on stderr and return the exit code."""
    sys.stderr.write(f"groq-tui: {message}\n")
    sys.stderr.flush()
    return code


def describe_error(exc: BaseException, settings: Settings | None = None) -> str:
    """One line saying what went wrong and what to do about it (flags named as flags)."""
    from groq_tui.services import errors as services_errors

    if isinstance(exc, ConfigFileError):
        return f"{exc} - fix or remove it"
    return services_errors.describe_error(exc, settings.base_url if settings else None, cli=True)


async def describe_error_async(
    exc: BaseException, client: GroqClient | None, settings: Settings | None
) -> str:
    """Like :func:`describe_error`, adding the available models to an unknown-model error."""
    from groq_tui.services import errors as services_errors

    return await services_errors.describe_error_with_models(
        exc, client, settings.base_url if settings else None, cli=True
    )


def exit_code_for(exc: BaseException) -> int:
    """2 for input the user must fix before anything is sent, else 1."""
    from groq_tui.api import InvalidRequestParameter

    if isinstance(exc, InvalidRequestParameter | ConfigFileError):
        return EXIT_USAGE
    return EXIT_FAILURE
