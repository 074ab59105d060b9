"""One column of a comparison: a model's header with live figures, and its replies.

A focused column's keys are its actions; each posts its own message and the screen does the
work. Stop is offered while the column streams, retry and continue once it has ended. A reply
that reasons shows its thinking block above the answer, as in the chat; the summary table
(:class:`~groq_tui.ui.widgets.compare_summary.CompareSummary`) adds each column's reasoning
tokens and thinking time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message as TextualMessage
from textual.widget import Widget
from textual.widgets import Static

from groq_tui.domain import Message
from groq_tui.domain.thinking import OPEN_TAG, ThinkSplitter, split_think
from groq_tui.ui.widgets.conversation_view import ConversationView

if TYPE_CHECKING:
    from groq_tui.ui.widgets.streaming_markdown import StreamingMarkdown
    from groq_tui.ui.widgets.thinking_block import ThinkingBlock, ThinkingDisplay

_RUNNING = ("waiting", "streaming")
_ENDED = ("done", "stopped", "failed")


@dataclass(slots=True)
class LiveFigures:
    """What a column shows in its header while and after it streams."""

    time_to_first_token: float | None = None
    tokens_per_second: float | None = None
    tokens: int = 0
    server_prompt: float | None = None
    server_completion: float | None = None
    server_total: float | None = None
    state: str = "idle"
    reasoning_tokens: int | None = None
    thinking_time: float | None = None


@dataclass
class ColumnRequest(TextualMessage):
    """The user asked for something to be done with a column (see :class:`CompareColumn`)."""

    column: CompareColumn

    @property
    def control(self) -> CompareColumn:
        """The column (for ``@on`` selectors)."""
        return self.column


class CompareColumn(Vertical, can_focus=True):
    """A model's column. Focus it (click or tab) for its own actions."""

    DEFAULT_CSS = """
    CompareColumn {
        width: 1fr;
        height: 1fr;
        border: round $primary 40%;
        padding: 0 1;
    }
    CompareColumn:focus-within, CompareColumn:focus { border: round $accent; }
    CompareColumn .column--header { height: auto; }
    CompareColumn .column--body { height: 1fr; }
    CompareColumn .column--prompt { color: $text-muted; margin: 1 0 0 0; }
    CompareColumn .column--error { color: $error; height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "stop", "Stop column", id="column.stop"),
        Binding("r", "retry", "Retry column", id="column.retry"),
        Binding("c", "continue", "Continue with this", id="column.continue"),
        Binding("m", "model", "Model", id="column.model"),
        Binding("o", "overrides", "Overrides", id="column.overrides"),
        Binding("a", "add_column", "Add column", id="column.add"),
        Binding("x", "remove_column", "Remove column", id="column.remove"),
    ]

    class StopRequested(ColumnRequest):
        """Stop this column's stream (what arrived is kept)."""

    class RetryRequested(ColumnRequest):
        """Ask this column's model again for the last prompt."""

    class ContinueRequested(ColumnRequest):
        """Continue in the chat with this column's model and history."""

    class ModelRequested(ColumnRequest):
        """Choose another model for this column's next turns."""

    class OverridesRequested(ColumnRequest):
        """Edit this column's parameter overrides."""

    def __init__(self, index: int, model: str, overrides: str = "") -> None:
        super().__init__()
        self.index = index
        self.model = model
        self.overrides = overrides
        self.figures = LiveFigures()
        self.best: set[str] = set()
        self.current: StreamingMarkdown | None = None
        self._bindings_state: str | None = None
        self.thinking: ThinkingBlock | None = None
        """The current reply's reasoning, once it has any."""
        self.thinking_display: ThinkingDisplay = "collapse"
        self._splitter: ThinkSplitter | None = None

    def compose(self) -> ComposeResult:
        yield Static(self._header(), classes="column--header")
        yield ConversationView(classes="column--body")
        yield Static("", classes="column--error")

    @property
    def body(self) -> ConversationView:
        """The scrolling part holding the turns; it follows the reply (see ConversationView)."""
        return self.query_one(".column--body", ConversationView)

    def _header(self) -> Text:
        f = self.figures
        text = Text(no_wrap=False)
        text.append(self.model, style="bold")
        if self.overrides:
            text.append(f"  {self.overrides}", style="italic")
        text.append(f"  [{f.state}]\n", style="dim")

        def figure(name: str, label: str, value: str) -> None:
            style = "bold green" if name in self.best else ""
            text.append(f"{label} ", style="dim")
            text.append(value, style=style)
            text.append("  ")

        figure("ttft", "TTFT", "-" if f.time_to_first_token is None else
               f"{f.time_to_first_token:.2f}s")  # fmt: skip
        figure("tps", "tok/s", "-" if f.tokens_per_second is None else
               f"{f.tokens_per_second:.0f}")  # fmt: skip
        figure("tokens", "tokens", str(f.tokens))
        if f.server_total is not None:
            text.append("\nserver ", style="dim")
            figure("server", "total", f"{f.server_total:.3f}s")
            if f.server_prompt is not None and f.server_completion is not None:
                text.append(
                    f"(prompt {f.server_prompt:.3f}s, completion {f.server_completion:.3f}s)",
                    style="dim",
                )
        return text

    def refresh_header(self) -> None:
        """Redraw the header (after the figures or the best marks changed)."""
        self.query_one(".column--header", Static).update(self._header())
        if self.figures.state != self._bindings_state:
            # Stop, retry and continue depend on the state. Only a change of state refreshes
            # them: each refresh rebuilds the footer, too costly at the figures' 4 Hz.
            self._bindings_state = self.figures.state
            self.refresh_bindings()

    def set_model(self, model: str, overrides: str) -> None:
        """Show a new model and overrides for the next turns."""
        self.model, self.overrides = model, overrides
        self.refresh_header()

    def start_turn(
        self, prompt: str, reply: str = "", *, finished: bool = False, reasoning: str = ""
    ) -> None:
        """Add a turn: the prompt, then a reply that streams in (or is already whole, with
        its reasoning; a ``<think>`` block kept in its content shows as reasoning too)."""
        from groq_tui.ui.widgets.streaming_markdown import StreamingMarkdown

        self.query_one(".column--error", Static).update("")
        if reply.lstrip().startswith(OPEN_TAG):
            thought, reply = split_think(reply)
            reasoning = "\n\n".join(piece for piece in (reasoning, thought) if piece)
        self.current = StreamingMarkdown(reply)
        self.thinking = None
        self._splitter = None if finished else ThinkSplitter()
        if finished:
            self.current.finish()
        prompt_line = Text("› " + prompt.strip().splitlines()[0][:200])
        widgets: list[Widget] = [Static(prompt_line, classes="column--prompt")]
        if reasoning:
            widgets.append(self._thinking_block(reasoning, thinking=False))
        self.body.add(*widgets, self.current)
        self.figures = LiveFigures(state="waiting" if not finished else "done")
        self.refresh_header()

    def restart_reply(self) -> None:
        """Replace the last reply with an empty one (retry)."""
        from groq_tui.ui.widgets.streaming_markdown import StreamingMarkdown

        if self.current is not None:
            self.current.remove()
        if self.thinking is not None:
            self.thinking.remove()
            self.thinking = None
        self.current = StreamingMarkdown("")
        self._splitter = ThinkSplitter()
        self.body.add(self.current)
        self.query_one(".column--error", Static).update("")
        self.figures = LiveFigures(state="waiting")
        self.refresh_header()

    def append(self, text: str, *, reasoning: bool = False) -> None:
        """More reply text (or reasoning, shown in the reply's thinking block)."""
        if reasoning:
            self._append_reasoning(text)
            return
        if self._splitter is not None:
            thought, text = self._splitter.feed(text)
            if text:
                self._splitter = None
            if thought:
                self._append_reasoning(thought)
        if not text:
            return
        if self.thinking is not None:
            self.thinking.answer_started()
        if self.current is not None:
            self.current.append(text)

    def _append_reasoning(self, text: str) -> None:
        if self.thinking is None:
            block = self._thinking_block("", thinking=True)
            self.body.content.mount(block, before=self.current)
        assert self.thinking is not None
        self.thinking.append(text)

    def _thinking_block(self, reasoning: str, *, thinking: bool) -> ThinkingBlock:
        from groq_tui.ui.widgets.thinking_block import ThinkingBlock

        self.thinking = ThinkingBlock(reasoning, display=self.thinking_display, thinking=thinking)
        return self.thinking

    def finish(self, error: str | None = None, message: Message | None = None) -> None:
        """The reply ended (with an error line when it failed)."""
        if self._splitter is not None:
            thought, text = self._splitter.flush()
            self._splitter = None
            if thought:
                self._append_reasoning(thought)
            if text and self.current is not None:
                self.current.append(text)
        if self.thinking is not None and message is not None:
            self.thinking.finalize(message)
        elif self.thinking is not None:
            self.thinking.answer_started()
        if self.current is not None:
            self.current.finish()
        self.query_one(".column--error", Static).update(Text(error or ""))

    # -- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Stop while the column streams; retry and continue once it has ended."""
        if action == "stop":
            return self.figures.state in _RUNNING
        if action in ("retry", "continue"):
            return self.figures.state in _ENDED
        return True

    def action_stop(self) -> None:
        """Stop this column."""
        self.post_message(self.StopRequested(self))

    def action_retry(self) -> None:
        """Retry this column."""
        self.post_message(self.RetryRequested(self))

    def action_continue(self) -> None:
        """Continue in the chat with this column."""
        self.post_message(self.ContinueRequested(self))

    def action_model(self) -> None:
        """Choose this column's model."""
        self.post_message(self.ModelRequested(self))

    def action_overrides(self) -> None:
        """Edit this column's overrides."""
        self.post_message(self.OverridesRequested(self))

    def action_add_column(self) -> None:
        """Columns are fixed once a comparison starts: say how to get another set."""
        self._columns_are_fixed()

    def action_remove_column(self) -> None:
        """Columns are fixed once a comparison starts: say how to get another set."""
        self._columns_are_fixed()

    def _columns_are_fixed(self) -> None:
        self.notify(
            "Columns are chosen before the first prompt: start a new comparison "
            "(ctrl+p → Compare models) to add or remove models.",
            timeout=5,
        )
