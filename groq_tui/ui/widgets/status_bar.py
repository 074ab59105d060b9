"""The status bar: which server, which model, how much rate limit is left, what is happening."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class StatusBar(Widget):
    """One line at the bottom of the chat screen."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
    }
    """

    host: reactive[str] = reactive("")
    """The server's host name (or "offline" for the local engine)."""
    model: reactive[str] = reactive("")
    """The conversation's model."""
    state: reactive[str] = reactive("ready")
    """Connection state: ready, sending, streaming, stopped, error, offline."""
    remaining_requests: reactive[int | None] = reactive(None)
    """Requests left in the current window, from x-ratelimit-remaining-requests."""
    remaining_tokens: reactive[int | None] = reactive(None)
    """Tokens left in the current window, from x-ratelimit-remaining-tokens."""
    offline: reactive[bool] = reactive(False)
    """True when talking to the local engine rather than the service."""

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.offline:
            text.append(" OFFLINE ", style="bold reverse")
            text.append(" ")
        text.append(self.host or "?", style="bold")
        text.append(" · ")
        text.append(self.model or "no model")
        if self.remaining_requests is not None or self.remaining_tokens is not None:
            text.append(" · left: ")
            text.append(f"{self._count(self.remaining_requests)} req")
            text.append(f", {self._count(self.remaining_tokens)} tok")
        style = {"error": "bold red", "streaming": "bold green", "sending": "yellow"}.get(
            self.state, ""
        )
        text.append(" · ")
        text.append(self.state, style=style)
        if self.offline:
            text.append(" · F5: use Groq", style="dim")
        return text

    @staticmethod
    def _count(value: int | None) -> str:
        if value is None:
            return "?"
        return f"{value / 1000:.1f}k" if value >= 10_000 else str(value)
