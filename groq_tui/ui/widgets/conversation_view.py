"""The scrolled conversation: message views, paging of long histories, and following.

:class:`ConversationView` keeps the newest text in view while a reply streams, with
Textual's :meth:`~textual.widget.Widget.anchor`: an anchored pane is scrolled to its end by
the layout itself, in the same repaint that grows the content, so nothing can race it (a
timer that scrolls after the fact loses the end of a reply whose last render lands after
the timer's last tick). Textual releases the anchor when the reader scrolls, and anchors
again once they are back at the end; the view keeps its own account of that
(:attr:`ConversationView.following`) from public hooks only: :meth:`release_anchor`,
:meth:`scroll_end` and its scroll position.

The content sits in a container at least as tall as the view, so a short conversation still
starts at the top while the view is anchored (Textual scrolls an anchored pane so that its
content ends at the bottom).

The chat screen shows :class:`~groq_tui.domain.Message` s through it (:meth:`show`,
:meth:`append`, paging with a "show earlier" button); a compare column adds its own
widgets (:meth:`add`).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.await_remove import AwaitRemove
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.reactive import Reactive
from textual.types import AnimationLevel, CallbackType, EasingFunction
from textual.widget import AwaitMount, Widget
from textual.widgets import Button

from groq_tui.domain import Message
from groq_tui.domain.wording import counted
from groq_tui.ui.widgets.layout_sized import layout_sized
from groq_tui.ui.widgets.messages import MessageView

if TYPE_CHECKING:
    from groq_tui.ui.widgets.thinking_block import ThinkingDisplay

PAGE = 30
"""Messages mounted at once when a conversation opens; earlier ones load on demand."""


class ConversationContent(Vertical):
    """The column of messages inside the view: blank itself (Textual's ``BLANK``), so the
    frames of a growing reply do not re-render its background line by line."""

    virtual_size: Reactive[Size] = layout_sized()
    """Set by the layout only: its change asks for no second layout (see layout_sized)."""

    BLANK: ClassVar[bool] = True


class ConversationView(VerticalScroll):
    """A scrolling conversation that follows its end unless the reader scrolled away.

    Args:
        *above: Widgets shown above the messages (e.g. a hint for an empty conversation).
        id: The widget's id.
        classes: CSS classes.
    """

    virtual_size: Reactive[Size] = layout_sized()
    """Set by the layout only: its change asks for no second layout (see layout_sized)."""

    DEFAULT_CSS = """
    ConversationView { height: 1fr; scrollbar-gutter: stable; }
    ConversationView > .conversation--content { height: auto; min-height: 100%; }
    ConversationView .conversation--earlier { width: 100%; margin: 0 0 1 0; }
    ConversationView .conversation--earlier.-none { display: none; }
    """

    BLANK: ClassVar[bool] = True
    """The view draws nothing of its own (padding only, in its background): Textual gives
    its lines as one blank strip instead of styling each line again whenever the content
    grows, i.e. in every frame of a streaming reply."""

    PAGE: ClassVar[int] = PAGE
    """How many messages :meth:`show` mounts, and each press of "show earlier" adds."""

    def __init__(self, *above: Widget, id: str | None = None, classes: str | None = None) -> None:
        # Empty from the start: styled as such when first composed, not restyled at its mount.
        super().__init__(id=id, classes=" ".join(filter(None, [classes, "-empty"])))
        self._above = above
        self.messages: list[Message] = []
        """Every message of the conversation, mounted or not, in order."""
        self.views: dict[int, MessageView] = {}
        """The mounted message views, by message id."""
        self.hidden_before = 0
        """How many of :attr:`messages` are not mounted yet (the earliest ones)."""
        self.thinking_display: ThinkingDisplay = "collapse"
        """How replies show their reasoning (see :meth:`set_thinking_display`)."""
        self._following = True
        self._pinned: Widget | None = None
        self._scrolling_to_pin = False

    def compose(self) -> ComposeResult:
        with ConversationContent(classes="conversation--content"):
            yield Button("", id="load-earlier", classes="conversation--earlier -none")
            yield from self._above

    def on_mount(self) -> None:
        self.watch(self, "scroll_y", self._scrolled, init=False)
        self.watch(self, "virtual_size", self._resized, init=False)
        self._changed()

    def on_resize(self) -> None:
        # Anchored once it has a size: Textual's layout scrolls an anchored pane by its
        # content's height less the pane's height, which is 0 before the pane's first layout.
        # Anchored at its mount, the pane's first frame was scrolled past all of its content
        # (the app's first frame came without the empty conversation's hint).
        if self._following and not self.is_anchored:
            self.anchor()

    # -- following -------------------------------------------------------------------------

    @property
    def following(self) -> bool:
        """Whether the view keeps its end in view as the content grows."""
        return self._following

    def follow(self) -> None:
        """Go to the end and follow it again (a new prompt was sent, a reply restarts)."""
        self._following = True
        self._pinned = None
        self.anchor()

    # -- showing one message -----------------------------------------------------------------

    def pin(self, widget: Widget) -> None:
        """Show ``widget`` at the top of the view and keep it there while the content above it
        renders and changes height (a long reply laid out block by block), until the reader
        scrolls or the view follows its end again."""
        self._pinned = widget
        self._following = False
        super().release_anchor()
        self.call_after_refresh(self._scroll_to_pin)

    @property
    def pinned(self) -> Widget | None:
        """The widget kept in view (see :meth:`pin`), if any."""
        return self._pinned

    def _scroll_to_pin(self) -> None:
        widget = self._pinned
        if widget is None or not widget.is_attached:
            self._pinned = None
            return
        self._scrolling_to_pin = True
        try:
            self.scroll_to_widget(widget, top=True, animate=False, immediate=True)
        finally:
            self._scrolling_to_pin = False

    def _resized(self) -> None:
        if self._pinned is not None:
            self.call_after_refresh(self._scroll_to_pin)

    # Textual releases the anchor in release_anchor() and takes it back in scroll_end() or
    # when the scroll position reaches the end; the three hooks below keep `following` in step.

    def release_anchor(self) -> None:
        """Textual calls this whenever the reader scrolls (wheel up, keys, scrollbar drag)."""
        super().release_anchor()
        self._following = False
        if not self._scrolling_to_pin:
            self._pinned = None  # the reader moved: leave the view where they take it

    def scroll_end(
        self,
        *,
        animate: bool = True,
        speed: float | None = None,
        duration: float | None = None,
        easing: EasingFunction | str | None = None,
        force: bool = False,
        on_complete: CallbackType | None = None,
        level: AnimationLevel = "basic",
        immediate: bool = False,
        x_axis: bool = True,
        y_axis: bool = True,
    ) -> None:
        """Scroll to the end; an anchored view follows again from now (as Textual does)."""
        super().scroll_end(
            animate=animate,
            speed=speed,
            duration=duration,
            easing=easing,
            force=force,
            on_complete=on_complete,
            level=level,
            immediate=immediate,
            x_axis=x_axis,
            y_axis=y_axis,
        )
        if self.is_anchored and y_axis:
            self._following = True

    def _scrolled(self, scroll_y: float) -> None:
        # The layout moves an anchored view without this watcher (it sets the position
        # directly); a change seen here is a scroll. Back at the end, Textual anchors again
        # (same test as Widget._check_anchor), and so does this account.
        if not self._following and scroll_y >= self.max_scroll_y:
            self._following = True

    # -- content ---------------------------------------------------------------------------

    @property
    def content(self) -> Vertical:
        """The container of everything shown, at least as tall as the view."""
        return self.query_one(".conversation--content", Vertical)

    def add(self, *widgets: Widget) -> AwaitMount:
        """Add widgets at the end (a compare column's prompts and replies)."""
        self._forget_painted()
        return self.content.mount_all(widgets)

    def _forget_painted(self) -> None:
        """A new turn: the replies before it drop the strips they kept for their lines in view
        (those still in view paint them again)."""
        # Imported here: the first frame has no reply, and the Markdown renderer loads later.
        from groq_tui.ui.widgets.streaming_markdown import StreamingMarkdown

        for earlier in self.content.query(StreamingMarkdown):
            earlier.forget_painted()

    async def show(self, messages: list[Message], at: int | None = None) -> None:
        """Show a conversation: its last :attr:`PAGE` messages, or from message ``at`` on.

        Args:
            messages: The whole conversation.
            at: Scroll to (and focus) the message with this id instead of the end.
        """
        self.messages = list(messages)
        self.views.clear()
        await self.content.query(MessageView).remove()
        self.hidden_before = max(0, len(self.messages) - self.PAGE)
        if at is not None:
            index = next((i for i, m in enumerate(self.messages) if m.id == at), None)
            if index is not None:
                self.hidden_before = min(self.hidden_before, index)
        await self._mount(self.messages[self.hidden_before :])
        self._changed()
        target = self.views.get(at) if at is not None else None
        if target is not None:
            self.pin(target)
            target.focus(scroll_visible=False)
        else:
            self.follow()

    def append(self, message: Message) -> Awaitable[MessageView]:
        """Add a message at the end, and follow the end again; await its view.

        The message is one of :attr:`messages`, and its view mounting, on return: a reply
        started before the view is mounted already answers it.
        """
        self.messages.append(message)
        view = MessageView(message, thinking_display=self.thinking_display)
        return self._appended(view, self.content.mount(view))

    async def _appended(self, view: MessageView, mounting: AwaitMount) -> MessageView:
        await mounting
        self._forget_painted()
        self._mounted([view])
        self._changed()
        self.follow()
        return view

    def remove_message(self, message: Message) -> AwaitRemove:
        """Take one message out (its view too, if mounted)."""
        if message in self.messages:
            self.messages.remove(message)
        view = self.views.pop(message.id, None) if message.id is not None else None
        self._changed()
        return self.remove_children([view] if view is not None else [])

    def remove_from(self, message: Message) -> AwaitRemove:
        """Take out this message and every later one."""
        index = self.messages.index(message)
        later, self.messages[index:] = self.messages[index:], []
        views = [self.views.pop(m.id) for m in later if m.id is not None and m.id in self.views]
        self._changed()
        return self.remove_children(views)

    def set_thinking_display(self, display: ThinkingDisplay) -> None:
        """Show replies' reasoning always, folded once answered, or not at all."""
        self.thinking_display = display
        for view in self.views.values():
            view.set_thinking_display(display)

    def view_near(self, index: int) -> MessageView | None:
        """The mounted view of the message at ``index``, else of the nearest earlier one."""
        for message in reversed(self.messages[: index + 1]):
            if message.id is not None and message.id in self.views:
                return self.views[message.id]
        return None

    def last(self, role: str) -> Message | None:
        """The last message with this role."""
        return next((m for m in reversed(self.messages) if m.role == role), None)

    @on(Button.Pressed, "#load-earlier")
    async def load_earlier(self, event: Button.Pressed | None = None) -> None:
        """Mount the :attr:`PAGE` messages before the earliest one shown."""
        if event is not None:
            event.stop()
        start = max(0, self.hidden_before - self.PAGE)
        first = next(iter(self.content.query(MessageView)), None)
        await self._mount(self.messages[start : self.hidden_before], before=first)
        self.hidden_before = start
        self._changed()

    async def _mount(
        self, messages: list[Message], before: MessageView | None = None
    ) -> list[MessageView]:
        views = [MessageView(m, thinking_display=self.thinking_display) for m in messages]
        if views:
            await self.content.mount_all(views, before=before)
        self._mounted(views)
        return views

    def _mounted(self, views: list[MessageView]) -> None:
        for view in views:
            if view.message.id is not None:
                self.views[view.message.id] = view

    def _changed(self) -> None:
        self.set_class(not self.messages, "-empty")
        button = self.query_one("#load-earlier", Button)
        button.label = f"show {counted(min(self.PAGE, self.hidden_before), 'earlier message')}"
        button.set_class(self.hidden_before == 0, "-none")
