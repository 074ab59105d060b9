"""A string that keeps itself out of reprs, logs and tracebacks: the API key."""

from __future__ import annotations

MASK = "**********"


class Secret:
    """Text that shows as ``**********``: only :meth:`get_secret_value` gives it back.

    Settings hold the API key as one, so printing the settings, a traceback's locals or a
    debug log of them never shows the key. Two secrets are equal when their texts are; an
    empty secret is false (no key), as with pydantic's ``SecretStr`` that this replaces.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        """The text itself, for the one place that needs it (the HTTP client)."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{self}')"

    def __str__(self) -> str:
        return MASK if self._value else ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __len__(self) -> int:
        return len(self._value)
