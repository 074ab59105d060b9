"""What every subcommand shares: settings from flags, the client, one-line errors."""

from __future__ import annotations

import argparse
import sys

from groq_tui.api import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    GroqClient,
    GroqError,
    InvalidRequestParameter,
    NotFoundError,
    RateLimitError,
    RequestTooLargeError,
    StreamInterrupted,
)
from groq_tui.config import ConfigFileError, Settings, load_settings

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings with this invocation's flags on top."""
    return load_settings(
        api_key=getattr(args, "api_key", None),
        base_url=getattr(args, "base_url", None),
        max_retries=getattr(args, "max_retries", None),
        timeout=getattr(args, "timeout", None),
    )


def client_from(settings: Settings) -> GroqClient:
    """The API client for these settings."""
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


def _flag(param: str) -> str:
    base = param.split("[", 1)[0].split(".", 1)[0]
    return "--" + base.replace("_", "-")


def describe_error(exc: BaseException, settings: Settings | None = None) -> str:
    """One line saying what went wrong and what to do about it."""
    if isinstance(exc, InvalidRequestParameter):
        if exc.param.startswith("messages"):
            return f"invalid conversation: {exc}"
        return f"invalid {_flag(exc.param)}: {exc.message.split(': ', 1)[-1]}"
    if isinstance(exc, AuthenticationError):
        return (
            f"{exc} - the server rejected the API key; set GROQ_API_KEY (or --api-key) "
            "to a valid key"
        )
    if isinstance(exc, RateLimitError):
        wait = exc.retry_after
        hint = f"wait {wait:.0f}s and try again" if wait is not None else "wait and try again"
        return f"rate limited: {exc} - {hint}"
    if isinstance(exc, RequestTooLargeError):
        return f"request too large: {exc} - send less (a shorter prompt or a smaller file)"
    if isinstance(exc, StreamInterrupted):
        return f"reply interrupted: {exc}"
    if isinstance(exc, APIConnectionError):
        where = settings.base_url if settings else "the server"
        return f"{exc} - check the network and the base URL ({where})"
    if isinstance(exc, APIError):
        return str(exc)
    if isinstance(exc, ConfigFileError):
        return f"{exc} - fix or remove it"
    return str(exc) or type(exc).__name__


async def describe_error_async(
    exc: BaseException, client: GroqClient | None, settings: Settings | None
) -> str:
    """Like :func:`describe_error`, adding the available models to an unknown-model error."""
    message = describe_error(exc, settings)
    if isinstance(exc, NotFoundError) and client is not None and "model" in str(exc).lower():
        try:
            models = await client.models.list()
        except GroqError:
            return message
        ids = sorted(m.id for m in models.data if m.active is not False)
        if ids:
            message += f" - available models: {', '.join(ids)}"
    return message


def exit_code_for(exc: BaseException) -> int:
    """2 for input the user must fix before anything is sent, else 1."""
    if isinstance(exc, InvalidRequestParameter | ConfigFileError):
        return EXIT_USAGE
    return EXIT_FAILURE
