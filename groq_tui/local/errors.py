"""The local engine's exceptions, and the service's error format they turn into.

Every refusal reaches the client exactly as the Groq service would phrase it::

    {"error": {"message": "...", "type": "invalid_request_error", "param": "...", "code": "..."}}

so the app's error handling (status code -> exception type, message shown to the user) works
the same against the engine as against the service.
"""

from __future__ import annotations

from typing import Any


class EngineUnavailable(RuntimeError):
    """The offline engine cannot run here: a package or a model file is missing.

    The message says what is missing and how to install it.
    """


class EngineConfigError(ValueError):
    """A configured model path (extra GGUF file, Whisper directory) is unusable."""


class UnsafeBindError(ValueError):
    """Asked to listen on a non-loopback address without an API key to guard it."""


class EngineError(Exception):
    """A request the engine refuses or failed, with the HTTP status it maps to.

    Args:
        message: What went wrong and, where possible, what to do instead.
        status: The HTTP status of the error response.
        error_type: The service's ``type`` field.
        param: The request parameter at fault, if one is.
        code: The service's machine-readable ``code``.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        error_type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_type = error_type
        self.param = param
        self.code = code

    def to_body(self) -> dict[str, Any]:
        """The error as the service's JSON body."""
        return {
            "error": {
                "message": self.message,
                "type": self.error_type,
                "param": self.param,
                "code": self.code,
            }
        }


def unsupported(param: str, why: str) -> EngineError:
    """A 400 for a parameter the engine cannot honour (rather than silently ignore)."""
    return EngineError(
        f"'{param}' is not supported by the local engine: {why}",
        param=param,
        code="unsupported_parameter",
    )


def invalid(param: str, message: str) -> EngineError:
    """A 400 for a parameter with a value outside what the API allows."""
    return EngineError(f"'{param}': {message}", param=param, code="invalid_value")


def model_not_found(model: str, available: list[str]) -> EngineError:
    """A 404 for a model id the engine does not serve, listing those it does."""
    return EngineError(
        f"The model `{model}` does not exist on this local engine. "
        f"Available models: {', '.join(available) or 'none'}.",
        status=404,
        param="model",
        code="model_not_found",
    )


_LLAMA_CODES = {
    "exceed_context_size_error": "context_length_exceeded",
    "invalid_request_error": None,
    "not_supported_error": "unsupported_parameter",
}


def from_llama_error(error: Any) -> EngineError:
    """Convert an error object from llama.cpp's server into the service's format.

    llama.cpp answers ``{"error": {"code": 400, "message": ..., "type": ...}}`` where ``code``
    is the HTTP status; the service puts a string code there and the status on the response.
    """
    body = error.get("error", error) if isinstance(error, dict) else error
    if not isinstance(body, dict):
        return EngineError(str(body), status=500, error_type="internal_server_error")
    status = body.get("code")
    status = status if isinstance(status, int) and 400 <= status <= 599 else 500
    llama_type = str(body.get("type") or "")
    message = str(body.get("message") or "the chat engine reported an error")
    if status >= 500:
        return EngineError(message, status=status, error_type="internal_server_error")
    return EngineError(message, status=status, code=_LLAMA_CODES.get(llama_type, llama_type))
