"""Messages in the conversation pane: the user's prompts, the model's replies, tool calls.

Widgets here render a :class:`~groq_tui.domain.Message`. A focused message's keys are its
actions: copying is done here; for edit, delete, regenerate and a tool's result the view posts
a message and the screen does the work. Actions that do not apply to a message (editing a
reply, a tool result for a reply without tool calls) are hidden from the footer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.message import Message as TextualMessage
from textual.reactive import Reactive
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from groq_tui.domain import Message, MessageStatus, ToolCall
from groq_tui.domain.thinking import OPEN_TAG, ThinkSplitter, split_think
from groq_tui.safe_text import visible_controls
from groq_tui.ui.widgets.layout_sized import layout_sized
from groq_tui.ui.widgets.plain_lines import rows_alike

if TYPE_CHECKING:
    from groq_tui.ui.widgets.streaming_markdown import StreamingMarkdown
    from groq_tui.ui.widgets.thinking_block import ThinkingBlock, ThinkingDisplay

_STATUS_MARKS = {
    MessageStatus.STREAMING: "streaming…",
    MessageStatus.STOPPED: "stopped",
    MessageStatus.INTERRUPTED: "interrupted",
    MessageStatus.FAILED: "failed",
}


def shown_parts(message: Message) -> tuple[str, str]:
    """A reply's reasoning and answer as shown: a ``<think>`` block kept in the content
    (``reasoning_format: raw``) shows in the thinking block, not as answer text."""
    reasoning, content = message.reasoning, message.content
    if content.lstrip().startswith(OPEN_TAG):
        thought, content = split_think(content)
        reasoning = "\n\n".join(piece for piece in (reasoning, thought) if piece)
    return reasoning, content


def stats_line(message: Message) -> str:
    """The reply's figures: client timings, then the server's own times from usage."""
    stats, usage = message.stats, message.usage
    parts: list[str] = []
    if stats is not None and stats.time_to_first_token is not None:
        parts.append(f"TTFT {stats.time_to_first_token:.2f}s")
    if stats is not None and stats.tokens_per_second is not None:
        parts.append(f"{stats.tokens_per_second:.0f} tok/s")
    tokens = usage.completion_tokens if usage else stats.completion_tokens if stats else None
    if tokens is not None:
        parts.append(f"{tokens} tokens")
    if usage is not None and usage.reasoning_tokens is not None:
        parts.append(f"{usage.reasoning_tokens} reasoning")
    if usage is not None and usage.cached_tokens is not None:
        parts.append(f"{usage.cached_tokens} cached")
    if stats is not None and stats.thinking_time is not None:
        answering = stats.answering_time
        split = f"thinking {stats.thinking_time:.2f}s"
        if answering is not None:
            split += f" / answering {answering:.2f}s"
        parts.append(split)
    server = [
        f"{label} {value:.3f}s"
        for label, value in (
            ("prompt", usage.prompt_time if usage else None),
            ("completion", usage.completion_time if usage else None),
            ("total", usage.total_time if usage else None),
        )
        if value is not None
    ]
    if server:
        parts.append("server " + " / ".join(server))
    if message.service_tier:
        parts.append(f"tier {message.service_tier}")
    elif message.parameters is not None and message.parameters.extra.get("service_tier"):
        # A stream names its tier only in the usage chunk (053): say which one was asked for.
        parts.append(f"tier {message.parameters.extra['service_tier']} (asked)")
    return " · ".join(parts)


class ToolCallBlock(Collapsible):
    """A tool call the model made: its name, and its arguments as pretty JSON."""

    DEFAULT_CSS = """
    ToolCallBlock { background: $boost; margin: 0 0 1 0; }
    """

    def __init__(self, call: ToolCall) -> None:
        name = call.name or "?"
        arguments = call.arguments
        try:
            pretty = json.dumps(json.loads(arguments or "{}"), indent=2, ensure_ascii=False)
        except ValueError:
            pretty = arguments
        super().__init__(
            Static(Text(visible_controls(pretty)), classes="tool-arguments"),
            title=f"tool call: {visible_controls(name)}",
            collapsed=False,
        )
        self.call = call


@dataclass
class MessageRequest(TextualMessage):
    """The user asked for something to be done with a message (see :class:`MessageView`)."""

    view: MessageView

    @property
    def control(self) -> MessageView:
        """The message's view (for ``@on`` selectors)."""
        return self.view


class MessageView(Vertical, can_focus=True):
    """One message. Focus it (click or tab) for its actions."""

    virtual_size: Reactive[Size] = layout_sized()
    """Set by the layout only: its change asks for no second layout (see layout_sized)."""

    DEFAULT_CSS = """
    MessageView {
        height: auto;
        padding: 0 1;
        margin: 0 0 1 0;
        border-left: outer $primary 40%;
    }
    MessageView:focus { border-left: outer $accent; background: $boost; }
    MessageView.-user { border-left: outer $secondary; }
    MessageView.-tool { border-left: outer $warning 60%; }
    MessageView .message--header { color: $text-muted; height: 1; }
    MessageView .message--stats { color: $text-muted; height: auto; }
    MessageView .message--error { color: $error; height: auto; }
    MessageView .message--user-text { height: auto; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy", "Copy", id="message.copy"),
        Binding("y", "copy_code", "Copy code", id="message.copy_code"),
        Binding("e", "edit", "Edit & resend", id="message.edit"),
        Binding("d", "delete", "Delete", id="message.delete"),
        Binding("r", "regenerate", "Regenerate", id="message.regenerate"),
        Binding("t", "tool_result", "Tool result", id="message.tool_result"),
        Binding("z", "toggle_thinking", "Thinking", id="message.thinking"),
        Binding("s", "read_aloud", "Read aloud", id="message.read_aloud"),
    ]

    class EditRequested(MessageRequest):
        """The user wants to edit this prompt and send it again."""

    class DeleteRequested(MessageRequest):
        """The user wants this message deleted."""

    class RegenerateRequested(MessageRequest):
        """The user wants this (last) reply asked for again."""

    class ToolResultRequested(MessageRequest):
        """The user wants to give the result of this reply's tool calls."""

    class ReadAloudRequested(MessageRequest):
        """The user wants this message read aloud."""

    def __init__(self, message: Message, *, thinking_display: ThinkingDisplay = "collapse") -> None:
        super().__init__(classes=f"-{message.role}")
        self.message = message
        self.body: StreamingMarkdown | None = None
        self.thinking: ThinkingBlock | None = None
        """The reply's reasoning, once it has any."""
        self.thinking_display: ThinkingDisplay = thinking_display
        self._splitter: ThinkSplitter | None = None
        self._copied_code: int | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        """The message's own lines, under its children: its left border and padding.

        With no border, outline or padding above or below, every row of them is the same, so
        one is rendered (by Textual, as usual) and repeated. A streaming reply grows its
        message in every frame, and Textual renders a widget whose size changed afresh, line
        by line.
        """
        if crop.height > 1 and rows_alike(self):
            return super().render_lines(Region(crop.x, crop.y, crop.width, 1)) * crop.height
        return super().render_lines(crop)

    def compose(self) -> ComposeResult:
        yield Static(self._header_text(), classes="message--header")
        if self.message.role == "assistant":
            # Imported on first use: Markdown parsing is not needed for the first frame.
            from groq_tui.ui.widgets.streaming_markdown import StreamingMarkdown

            reasoning, answer = shown_parts(self.message)
            streaming = self.message.status is MessageStatus.STREAMING
            if reasoning:
                yield self._thinking_block(reasoning, thinking=streaming and not answer)
            self.body = StreamingMarkdown(answer)
            if streaming:
                self._splitter = None if answer else ThinkSplitter()
            else:
                self.body.finish()
            yield self.body
        else:
            yield Static(Text(visible_controls(self.message.content)), classes="message--user-text")
        for call in self.message.tool_calls:
            yield ToolCallBlock(call)
        if self.message.executed_tools:
            yield self._tools_list()
        yield Static(Text(stats_line(self.message)), classes="message--stats")
        yield Static(Text(visible_controls(self.message.error or "")), classes="message--error")

    def on_mount(self) -> None:
        self._refresh_footer()

    def _header_text(self) -> Text:
        message = self.message
        who = {"user": "you", "assistant": "assistant", "tool": "tool", "system": "system"}[
            message.role
        ]
        text = Text(who, style="bold")
        if message.role == "assistant" and message.model:
            text.append(f" · {visible_controls(message.model)}")
        if message.role == "tool" and message.name:
            text.append(f" · {visible_controls(message.name)}")
        mark = _STATUS_MARKS.get(message.status)
        if mark:
            text.append(f"  [{mark}]", style="italic")
        return text

    def _refresh_footer(self) -> None:
        stats = self.query_one(".message--stats", Static)
        line = stats_line(self.message)
        stats.update(Text(line))
        stats.display = bool(line)
        error = self.query_one(".message--error", Static)
        error.update(Text(visible_controls(self.message.error or "")))
        error.display = bool(self.message.error)

    # -- streaming -------------------------------------------------------------------------

    def append(self, text: str) -> None:
        """More reply text arrived (cheap: the markdown widget coalesces renders)."""
        if self._splitter is not None:
            # A <think> block kept in the content (reasoning_format raw) is shown as thinking;
            # the splitter is dropped once the answer begins.
            thought, text = self._splitter.feed(text)
            if text:
                self._splitter = None
            if thought:
                self.append_reasoning(thought)
        if not text:
            return
        if self.thinking is not None:
            self.thinking.answer_started()
        if self.body is not None:
            self.body.append(text)

    def append_reasoning(self, text: str) -> None:
        """More of the model's reasoning arrived: into the thinking block (made on first use)."""
        if self.thinking is None:
            self.thinking = self._thinking_block("", thinking=True)
            self.mount(self.thinking, before=self.body)
        self.thinking.append(text)

    def set_thinking_display(self, display: ThinkingDisplay) -> None:
        """Show the reasoning always, folded once answered, or not at all."""
        self.thinking_display = display
        if self.thinking is not None:
            self.thinking.display_mode = display

    def _thinking_block(self, reasoning: str, *, thinking: bool) -> ThinkingBlock:
        from groq_tui.ui.widgets.thinking_block import ThinkingBlock

        block = ThinkingBlock(reasoning, display=self.thinking_display, thinking=thinking)
        if not thinking:
            block.finalize(self.message)
        self.thinking = block
        return block

    def _tools_list(self) -> Widget:
        from groq_tui.ui.widgets.executed_tools import ExecutedToolsList

        return ExecutedToolsList(self.message.executed_tools)

    def finalize(self, message: Message) -> None:
        """The reply ended: show its final state, stats, tool calls and any error."""
        self.message = message
        reasoning, answer = shown_parts(message)
        self._splitter = None
        if self.thinking is None and reasoning and self.body is not None:
            self.mount(self._thinking_block(reasoning, thinking=False), before=self.body)
        elif self.thinking is not None:
            shown = self.thinking.body.markdown
            if reasoning != shown and reasoning.startswith(shown):
                self.thinking.body.append(reasoning[len(shown) :])
            self.thinking.finalize(message)
        if self.body is not None:
            if self.body.markdown != answer:
                # Non-streamed or replaced content: render what was saved.
                self.body.append(answer[len(self.body.markdown) :])
            self.body.finish()
        self.query_one(".message--header", Static).update(self._header_text())
        existing = list(self.query(ToolCallBlock))
        if message.tool_calls and not existing:
            stats = self.query_one(".message--stats", Static)
            for call in message.tool_calls:
                self.mount(ToolCallBlock(call), before=stats)
        if message.executed_tools and not self.query("ExecutedToolsList"):
            self.mount(self._tools_list(), before=self.query_one(".message--stats", Static))
        self._refresh_footer()
        self.refresh_bindings()

    def code_blocks(self) -> list[str]:
        """The fenced code blocks of this message."""
        return self.body.code_blocks() if self.body is not None else []

    # -- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the actions that apply to this message are shown and run."""
        message = self.message
        if action == "copy_code":
            return message.role == "assistant"
        if action == "edit":
            return message.role == "user"
        if action == "regenerate":
            return message.role == "assistant" and self._is_last_reply()
        if action == "tool_result":
            return message.role == "assistant" and self._has_unanswered_tool_calls()
        if action == "toggle_thinking":
            return self.thinking is not None
        if action == "read_aloud":
            return message.role == "assistant" and bool(message.content.strip())
        return True

    def _has_unanswered_tool_calls(self) -> bool:
        if not self.message.tool_calls:
            return False
        siblings = list(self.parent.children) if self.parent is not None else [self]
        answered = {
            w.message.tool_call_id
            for w in siblings[siblings.index(self) + 1 :]
            if isinstance(w, MessageView) and w.message.role == "tool"
        }
        return any(call.id not in answered for call in self.message.tool_calls)

    def _is_last_reply(self) -> bool:
        siblings = list(self.parent.children) if self.parent is not None else [self]
        later = siblings[siblings.index(self) + 1 :]
        return not any(isinstance(w, MessageView) and w.message.role == "assistant" for w in later)

    def action_copy(self) -> None:
        """Copy the message's text."""
        self.app.copy_to_clipboard(self.message.content)
        self.notify("Copied the message.", timeout=2)

    def action_copy_code(self) -> None:
        """Copy a code block: the last one, then each earlier one on the next presses."""
        blocks = self.code_blocks()
        if not blocks:
            self.notify("This message has no code block.", severity="warning", timeout=3)
            return
        previous = len(blocks) if self._copied_code is None else self._copied_code
        index = self._copied_code = (previous - 1) % len(blocks)
        self.app.copy_to_clipboard(blocks[index])
        more = ""
        if len(blocks) > 1:  # the next press goes one block back, from the first to the last
            more = f" (y again: block {index})" if index else f" (y again: block {len(blocks)})"
        self.notify(f"Copied code block {index + 1} of {len(blocks)}{more}.", timeout=3)

    def action_edit(self) -> None:
        """Edit this prompt and send it again (the later messages are replaced)."""
        self.post_message(self.EditRequested(self))

    def action_delete(self) -> None:
        """Delete this message."""
        self.post_message(self.DeleteRequested(self))

    def action_regenerate(self) -> None:
        """Ask for this reply again."""
        self.post_message(self.RegenerateRequested(self))

    def action_toggle_thinking(self) -> None:
        """Open or fold this reply's reasoning."""
        if self.thinking is not None:
            self.thinking.toggle()

    def action_tool_result(self) -> None:
        """Give the result of the tool calls of this reply."""
        self.post_message(self.ToolResultRequested(self))

    def action_read_aloud(self) -> None:
        """Read this message aloud."""
        self.post_message(self.ReadAloudRequested(self))
