"""The key bar at the bottom of a screen: Textual's Footer, with the keys that matter on every
screen first, built once and rebuilt only when the keys it shows change.

Order: Textual's footer lists the focused widget's keys, then its screen's, then the app's,
and a narrow terminal cuts the end of the list: quitting and help went first. Here the app's
first keys lead; what falls off the end is in the help panel (F1), which lists every key of
the screen, and in the command palette.

Rebuilds: Textual's :class:`~textual.widgets.Footer` composes empty, then rebuilds all its keys
(a dozen widgets, each styled, then a layout of the whole screen) whenever the screen says its
bindings may have changed: on every focus change, every mount that touches the focus chain,
every message whose state changes its actions. Most of those leave the keys as they were. At
start-up that was five rebuilds, about 0.3 s of CPU before the first screen was complete;
during a reply, a rebuild for each state change of the reply.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import ClassVar

from textual.app import ComposeResult
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer


class KeyFooter(Footer):
    """A :class:`~textual.widgets.Footer` that shows :attr:`FIRST` actions' keys before the
    others, shows its keys from the first frame on and rebuilds only when they change."""

    FIRST: ClassVar[tuple[str, ...]] = ("quit", "toggle_help")
    """The actions whose keys are shown first, in this order."""

    _keys_shown: tuple[Hashable, ...] | None = None
    """What the footer shows (see :meth:`_keys_to_show`); None before it is composed."""

    def compose(self) -> ComposeResult:
        # The keys from the start (Footer waits for the first bindings signal, then rebuilds).
        self.set_reactive(Footer._bindings_ready, True)
        self._keys_shown = self._keys_to_show(self.screen)
        widgets: list[Widget] = list(super().compose())
        for widget in widgets:
            # A key (Textual's FooterKey, not a public name) is bound to the footer's compact
            # at mount, except the command palette's, which keeps its own. Set now, so that
            # a key is not styled a second and a third time (compact on, then off) as it
            # mounts.
            compact = getattr(type(widget), "compact", None)
            if isinstance(compact, Reactive):
                if not widget.has_class("-command-palette"):
                    widget.set_reactive(compact, self.compact)
                widget.set_class(bool(getattr(widget, "compact", False)), "-compact", update=False)

        def rank(widget: Widget) -> int:
            action = getattr(widget, "action", "")  # a FooterKey's (Textual keeps it private)
            return self.FIRST.index(action) if action in self.FIRST else len(self.FIRST)

        yield from sorted(widgets, key=rank)

    def bindings_changed(self, screen: Screen[object]) -> None:
        # Footer.bindings_changed rebuilds after the next refresh (if the app has focus and
        # the footer is on that screen); several calls before that refresh would each
        # rebuild. Whether the keys changed is asked when the refresh has come.
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._rebuild_if_changed)

    async def _rebuild_if_changed(self) -> None:
        if self.is_attached and self._keys_to_show(self.screen) != self._keys_shown:
            await self.recompose()

    def _keys_to_show(self, screen: Screen[object]) -> tuple[Hashable, ...]:
        """Everything of the screen's bindings that :meth:`Footer.compose` reads."""
        app = self.app
        keys: list[Hashable] = [self.show_command_palette, app.ENABLE_COMMAND_PALETTE]
        for _node, binding, enabled, tooltip in screen.active_bindings.values():
            if binding.show or binding.key == app.COMMAND_PALETTE_BINDING:
                keys.append(
                    (
                        binding.key,
                        app.get_key_display(binding),
                        binding.description,
                        binding.action,
                        binding.group,
                        enabled,
                        tooltip,
                    )
                )
        return tuple(keys)
