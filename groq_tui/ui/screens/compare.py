"""The compare screen: one prompt, 2-4 models streaming side by side, with their figures.

The screen owns the worker that runs a :class:`~groq_tui.services.compare.CompareRun`; the
columns only render. Each column streams on its own, so a slow or failing model never holds
the others back.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Static

from groq_tui.domain import ChatParameters, Message, MessageStatus
from groq_tui.ui.app_context import host_of
from groq_tui.ui.markdown import RenderBudget
from groq_tui.ui.routing import HistoryChanged, OpenConversation
from groq_tui.ui.screens.compare_paging import PagedColumnsScreen
from groq_tui.ui.screens.dialogs import ModelChoice, ModelPicker, TextPrompt
from groq_tui.ui.screens.width_classes import StyledOnShow, set_width_classes
from groq_tui.ui.while_running import while_running
from groq_tui.ui.widgets.compare_column import CompareColumn
from groq_tui.ui.widgets.compare_summary import CompareSummary, saved_figures
from groq_tui.ui.widgets.composer import Composer
from groq_tui.ui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from collections.abc import Mapping

    from groq_tui.services.compare import CompareRun
    from groq_tui.services.context import AppContext
    from groq_tui.services.reply_request import SentRequest


def parse_overrides(text: str) -> dict[str, float | int | None]:
    """``temperature=0.2 max_tokens=100 seed=7`` (``name=`` clears one); raises ValueError."""
    values: dict[str, float | int | None] = {}
    for part in text.replace(",", " ").split():
        name, _, value = part.partition("=")
        if name not in ("temperature", "max_tokens", "seed"):
            raise ValueError(f"{name!r} cannot be overridden (temperature, max_tokens, seed)")
        if value == "":
            values[name] = None
        elif name == "temperature":
            number = float(value)
            if not 0 <= number <= 2:
                raise ValueError("temperature must be between 0 and 2")
            values[name] = number
        else:
            values[name] = int(value)
    return values


class CompareScreen(StyledOnShow, PagedColumnsScreen):
    """Compare models side by side."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # (Priority bindings, as the chat screen's: see ChatScreen.BINDINGS.)
        Binding("escape", "stop_all", "Stop all", id="compare.stop"),
        Binding("ctrl+l", "toggle_lock", "Lock scroll", id="compare.lock", priority=True),
        Binding("ctrl+s", "export", "Export", id="compare.export", priority=True),
        Binding("ctrl+t", "system_prompt", "System prompt", id="compare.system", priority=True),
        Binding("f4", "close", "Back to chat", id="compare.close", priority=True),
    ]

    CSS_PATH = "compare.tcss"

    def __init__(self, run: CompareRun) -> None:
        super().__init__()
        set_width_classes(self)
        self.render_budget = RenderBudget()
        """One render time slice a frame for every reply on this screen."""
        self.run = run
        self.streaming = False
        self.locked = False
        self._syncing = False

    @property
    def context(self) -> AppContext:
        """The app context: models, exports, the client."""
        return host_of(self).context

    def compose(self) -> ComposeResult:
        yield Static("", id="page")
        with Horizontal(id="columns"):
            for index, column in enumerate(self.run.columns):
                yield CompareColumn(index, column.model, column.overrides.describe())
        yield CompareSummary(id="summary")
        yield Composer(id="compare-composer", placeholder="Prompt for every model (Enter)")
        yield KeyFooter()

    @while_running
    def on_mount(self) -> None:
        self.query_one(Composer).focus()
        for widget in self.columns:
            # Each column follows its reply as it grows until the reader scrolls it; back at
            # the end, it follows again (ConversationView).
            self.watch(widget.body, "scroll_y", self._scrolled(widget), init=False)
        self.show_page()
        for widget in self.columns:
            widget.thinking_display = self.context.settings.thinking_display
        for turn, prompt in enumerate(self.run.prompts):  # a saved comparison reopened
            for widget, column in zip(self.columns, self.run.columns, strict=True):
                reply = column.replies[turn] if turn < len(column.replies) else None
                content, reasoning = (reply.content, reply.reasoning) if reply else ("", "")
                widget.start_turn(prompt.content, content, finished=True, reasoning=reasoning)
                if reply is not None:
                    self._show_saved_figures(widget, reply)
                    widget.finish(reply.error, reply)
        self._mark_best()

    def _show_saved_figures(self, widget: CompareColumn, reply: Message) -> None:
        widget.figures = saved_figures(reply)
        widget.refresh_header()

    # -- sending ---------------------------------------------------------------------------

    @on(Composer.Submitted, "#compare-composer")
    def _submitted(self, event: Composer.Submitted) -> None:
        event.stop()
        text = event.text
        if not text.strip():
            self.notify("Type a prompt first.", severity="warning", timeout=3)
            return
        if self.streaming:
            self.notify("Replies are still streaming: press Escape to stop them first.")
            return
        composer = self.query_one(Composer)
        composer.remember(text)
        composer.load_text("")
        self.streaming = True
        self._send(text)

    @work(exclusive=True, group="compare")
    async def _send(self, text: str) -> None:
        from groq_tui.services.types import StoreError

        # The requests leave first: a frame drawn before they left would hold them back.
        sent = self.run.send_prompt(text)
        try:
            await asyncio.gather(*(request.on_its_way() for request in sent.values()))
            try:
                turn = await self.run.add_prompt(text)
            except StoreError as exc:  # (a full disk) nothing is sent, and the text comes back
                self.streaming = False
                self.query_one(Composer).give_back(text, str(exc))
                return
            for widget in self.columns:
                widget.start_turn(text)
                widget.body.follow()  # a new prompt brings every column back to its end
            await self._stream(turn, None, sent)
        finally:
            for request in sent.values():  # the ones a failure left unread
                await request.close()

    @work(group="compare-retry")
    async def _retry(self, index: int) -> None:
        turn = len(self.run.prompts) - 1
        self.columns[index].restart_reply()
        self.columns[index].body.follow()
        await self._stream(turn, [index])

    async def _stream(
        self, turn: int, only: list[int] | None, sent: Mapping[int, SentRequest] | None = None
    ) -> None:
        from groq_tui.services.compare import ColumnDelta, ColumnDone, ColumnFailed

        widgets = self.columns
        started = time.perf_counter()
        last_header = 0.0
        told = False  # that the replies could not be saved
        events = self.run.run_turn(turn, only, sent=sent)
        lease = self.context.lease_client()  # a server switch leaves this turn its client
        try:
            async for event in events:
                widget = widgets[event.column]
                if isinstance(event, ColumnDelta):
                    widget.append(event.text, reasoning=event.reasoning)
                    figures = widget.figures
                    figures.state = "streaming"
                    figures.time_to_first_token = event.first_token_at
                    figures.tokens = event.deltas
                    if event.first_token_at is not None:
                        streaming = event.elapsed - event.first_token_at
                        if streaming > 0 and event.deltas > 1:
                            figures.tokens_per_second = event.deltas / streaming
                    now = time.perf_counter()
                    if now - last_header > 0.25:  # live figures at 4 Hz, not per token
                        last_header = now
                        self._mark_best()
                elif isinstance(event, ColumnDone):
                    widget.figures = saved_figures(event.message, event.stats)
                    widget.figures.tokens = event.stats.completion_tokens
                    widget.figures.state = "done"
                    widget.finish(None, event.message)
                    self._mark_best()
                elif isinstance(event, ColumnFailed):
                    widget.figures.state = "stopped" if event.stopped else "failed"
                    widget.finish(None if event.stopped else event.error, event.message)
                    if event.stopped and event.message.stats is not None:
                        self._show_saved_figures(widget, event.message)  # all that arrived
                    self._mark_best()
                if isinstance(event, ColumnDone | ColumnFailed) and event.not_saved and not told:
                    told = True  # once per turn: the columns share the disk
                    note = f"The replies are shown but not saved: {event.not_saved}"
                    self.notify(note, title="Replies not saved", severity="error", timeout=20)
        except asyncio.CancelledError:
            for index, widget in enumerate(widgets):
                running = widget.figures.state in ("waiting", "streaming")
                if running and (only is None or index in only):
                    widget.figures.state = "stopped"
                    widget.finish()
            self._mark_best()
            raise
        finally:
            await events.aclose()  # stops and settles every column still streaming
            lease.release()
            self._show_stopped_figures(turn, only)
            if only is None:
                self.streaming = False
            self._update_summary()
            elapsed = time.perf_counter() - started
            self.log(f"compare turn {turn} took {elapsed:.3f}s")
            self.post_message(HistoryChanged())

    def _show_stopped_figures(self, turn: int, only: list[int] | None) -> None:
        """Stopped columns show the figures saved with their reply: every token that arrived,
        also those still queued for the screen when the stop came."""
        if not self.is_attached:
            return
        for index, widget in enumerate(self.columns):
            replies = self.run.columns[index].replies
            stopped = widget.figures.state == "stopped" and (only is None or index in only)
            if stopped and turn < len(replies) and replies[turn].stats is not None:
                self._show_saved_figures(widget, replies[turn])
        self._mark_best(summary=False)

    def _mark_best(self, *, summary: bool = True) -> None:
        from groq_tui.services.compare import fastest

        widgets = self.columns
        figures = [w.figures for w in widgets]
        marks = {
            "ttft": fastest([f.time_to_first_token for f in figures], lower_is_better=True),
            "tps": fastest([f.tokens_per_second for f in figures], lower_is_better=False),
            "server": fastest([f.server_total for f in figures], lower_is_better=True),
        }
        for index, widget in enumerate(widgets):
            widget.best = {name for name, best in marks.items() if best == index}
            widget.refresh_header()
        if summary:
            self._update_summary()

    def _update_summary(self) -> None:
        summary = self.query_one(CompareSummary)
        summary.show([(widget.model, widget.figures) for widget in self.columns])

    @property
    def summary_table(self) -> Table | None:
        """The summary table as last drawn."""
        return self.query_one(CompareSummary).table

    def action_system_prompt(self) -> None:
        """Edit the system prompt every column gets from the next prompt on."""

        def edited(text: str | None) -> None:
            if text is not None:
                self._set_system_prompt(text)

        title = "System prompt for every model, from the next prompt on (empty: none)"
        current = self.run.conversation.parameters.system_prompt
        self.app.push_screen(TextPrompt(title, current), edited)

    @work(group="system-prompt")
    async def _set_system_prompt(self, text: str) -> None:
        from groq_tui.services.types import StoreError

        try:
            await self.run.set_system_prompt(text)
        except StoreError as exc:  # used from the next prompt on all the same
            self.notify(f"System prompt set, but not saved: {exc}", severity="warning")
            return
        self.notify("System prompt set." if text.strip() else "No system prompt.", timeout=3)

    def action_stop_all(self) -> None:
        """Stop every stream; what arrived is kept."""
        if self.streaming or any(self.run.running(i) for i in range(len(self.columns))):
            self.workers.cancel_group(self, "compare")
            self.workers.cancel_group(self, "compare-retry")
            self.notify("Stopped. Partial replies are kept.", timeout=3)

    # -- columns ---------------------------------------------------------------------------

    @on(CompareColumn.StopRequested)
    def _stop_column(self, event: CompareColumn.StopRequested) -> None:
        self.run.stop_column(event.column.index)

    @on(CompareColumn.RetryRequested)
    def _retry_column(self, event: CompareColumn.RetryRequested) -> None:
        index = event.column.index
        if self.run.running(index):
            self.notify("This column is still streaming.", timeout=3)
        elif self.run.prompts:
            self._retry(index)

    @on(CompareColumn.ContinueRequested)
    async def _continue_column(self, event: CompareColumn.ContinueRequested) -> None:
        await self._continue_with(event.column.index)

    @on(CompareColumn.ModelRequested)
    def _model_column(self, event: CompareColumn.ModelRequested) -> None:
        self._pick_model(event.column.index)

    @on(CompareColumn.OverridesRequested)
    def _overrides_column(self, event: CompareColumn.OverridesRequested) -> None:
        self._edit_overrides(event.column.index)

    async def _continue_with(self, index: int) -> None:
        if self.streaming or not self.run.prompts:
            self.notify("Wait for the replies first.", timeout=3)
            return
        conversation = await self.run.continue_with(index)
        if conversation.id is not None:
            notice = f"Continuing with {conversation.model}."
            self.post_message(OpenConversation(conversation.id, notice))

    def _pick_model(self, index: int) -> None:
        context = self.context
        choices = [
            ModelChoice(m.id, m.owned_by, m.context_window, m.active is not False)
            for m in context.chat_models
        ]
        column = self.run.columns[index]

        def picked(model: str | None) -> None:
            if model and not model.startswith("\0"):
                column.model = model
                self.columns[index].set_model(model, column.overrides.describe())

        self.app.push_screen(ModelPicker(choices, column.model, context.models_error), picked)

    def _edit_overrides(self, index: int) -> None:
        column = self.run.columns[index]

        def edited(text: str | None) -> None:
            if text is None:
                return
            try:
                values = parse_overrides(text)
            except ValueError as exc:
                self.notify(f"Overrides not changed: {exc}", severity="error")
                return
            for name, value in values.items():
                setattr(column.overrides, name, value)
            self.columns[index].set_model(column.model, column.overrides.describe())

        title = "Overrides for this column: temperature=… max_tokens=… seed=… (name= clears)"
        self.app.push_screen(
            TextPrompt(title, column.overrides.describe(), multiline=False), edited
        )

    # -- scrolling, export, leaving ------------------------------------------------------------

    def _scrolled(self, source: CompareColumn) -> Any:
        def follow(_: float) -> None:
            body = source.body
            if not self.locked or self._syncing or body.following:
                return  # (a column following its reply moves on its own, not the others)
            self._syncing = True
            try:
                # Scrolled to its end, a column takes the others to their ends, where they
                # follow their replies again; scrolled up, it takes them to the same place,
                # and they stop following too.
                at_end = body.scroll_y >= body.max_scroll_y
                fraction = 1.0 if at_end else body.scroll_y / body.max_scroll_y
                for widget in self.columns:
                    if widget is not source:
                        other = widget.body
                        other.scroll_to(
                            y=fraction * other.max_scroll_y,
                            animate=False,
                            immediate=True,  # now, while their echo is ignored
                            release_anchor=not at_end,
                        )
            finally:
                self._syncing = False

        return follow

    def action_toggle_lock(self) -> None:
        """Scroll all columns together (or not)."""
        self.locked = not self.locked
        self.notify(f"Scroll lock {'on' if self.locked else 'off'}.", timeout=2)

    @work(group="export")
    async def action_export(self) -> None:
        """Export the comparison to Markdown, with a side-by-side stats table per turn."""
        from groq_tui.services.export import compare_to_markdown

        if not self.run.prompts:
            self.notify("Nothing to export yet.", severity="warning")
            return
        content = compare_to_markdown(self.run)
        path = await self.context.files.write_export(self.run.conversation, content, "md")
        if path is not None:
            self.notify(f"Exported to {path}", timeout=8)

    def action_close(self) -> None:
        """Back to the chat screen (streams stop)."""
        self.action_stop_all()
        self.app.pop_screen()


def shared_parameters(parameters: ChatParameters) -> ChatParameters:
    """A copy of the chat's parameters for a comparison (the panel is the chat's)."""
    from dataclasses import replace

    return replace(parameters, stop=list(parameters.stop))


__all__ = ["CompareScreen", "MessageStatus", "parse_overrides"]
