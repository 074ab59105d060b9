"""One line for any failure: what went wrong and what to do about it.

Shared by the CLI (stderr) and the app (toasts and error notes in the conversation), so a
user reads the same words wherever the failure shows.
"""

from __future__ import annotations

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


def _flag(param: str) -> str:
    base = param.split("[", 1)[0].split(".", 1)[0]
    return "--" + base.replace("_", "-")


def describe_error(exc: BaseException, base_url: str | None = None, *, cli: bool = False) -> str:
    """One line saying what went wrong and what to do about it.

    Args:
        exc: The failure.
        base_url: The server in use, named in connection errors.
        cli: Name parameters as command-line flags (``--top-p``) rather than fields.
    """
    if isinstance(exc, InvalidRequestParameter):
        if exc.param.startswith("messages"):
            return f"invalid conversation: {exc}"
        name = _flag(exc.param) if cli else exc.param
        return f"invalid {name}: {exc.message.split(': ', 1)[-1]}"
    if isinstance(exc, AuthenticationError):
        where = "set GROQ_API_KEY (or --api-key)" if cli else "enter a valid key (ctrl+p → API key)"
        return f"{exc} - the server rejected the API key; {where}"
    if isinstance(exc, RateLimitError):
        wait = exc.retry_after
        hint = f"wait {wait:.0f}s and try again" if wait is not None else "wait and try again"
        return f"rate limited: {exc} - {hint}"
    if isinstance(exc, RequestTooLargeError):
        return f"request too large: {exc} - send less (a shorter prompt or a smaller file)"
    if isinstance(exc, StreamInterrupted):
        return f"reply interrupted: {exc}"
    if isinstance(exc, APIConnectionError):
        where = base_url or "the server"
        return f"{exc} - check the network and the base URL ({where})"
    if isinstance(exc, APIError):
        return str(exc)
    return str(exc) or type(exc).__name__


async def describe_error_with_models(
    exc: BaseException, client: GroqClient | None, base_url: str | None = None, *, cli: bool = False
) -> str:
    """Like :func:`describe_error`, adding the available models to an unknown-model error."""
    message = describe_error(exc, base_url, cli=cli)
    if isinstance(exc, NotFoundError) and client is not None and "model" in str(exc).lower():
        try:
            models = await client.models.list()
        except GroqError:
            return message
        ids = sorted(m.id for m in models.data if m.active is not False)
        if ids and not all(i in message for i in ids):  # the local engine names them already
            message += f" - available models: {', '.join(ids)}"
    return message
