"""A screen's width class from its first frame, and its widgets styled once.

Textual gives a screen the class of its ``HORIZONTAL_BREAKPOINTS`` at the screen's first
Resize, which comes after the screen's widgets have been composed and styled: the new class
then styles the whole screen a second time (about 0.1 s of a wide start-up), and anything
composed by width (the chat screen's parameter panel) had to work the class out for itself.
Given the class as the screen is made, Textual's Resize finds it already set and does nothing.

Then Textual styles the whole screen once more when it is first shown (its ScreenResume asks
for a restyle, for screens coming back from under another, whose styles may be stale): just
after the mount styled every widget, that is the same work again, 30-60 ms of a start-up
here. :class:`StyledOnShow` skips that first one.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.screen import Screen


def classes_for_width(screen: Screen[Any], width: int) -> dict[str, bool]:
    """Each width class of ``screen``'s breakpoints, and whether ``width`` gives it (as
    Textual decides: the class of the widest breakpoint that ``width`` reaches)."""
    breakpoints = screen.HORIZONTAL_BREAKPOINTS
    if breakpoints is None:
        breakpoints = screen.app.HORIZONTAL_BREAKPOINTS
    given = {name: False for _, name in breakpoints or ()}
    for least, name in sorted(breakpoints or (), reverse=True):
        if width >= least:
            given[name] = True
            break
    return given


def set_width_classes(screen: Screen[Any]) -> None:
    """Give ``screen``, not yet composed, the width class of the terminal's width now."""
    try:
        width = screen.app.size.width
    except RuntimeError:  # no running app (Textual's NoActiveAppError): nothing to style yet
        return
    screen.update_classes(classes_for_width(screen, width), update=False)


class StyledOnShow(Screen[Any]):
    """A screen that is not restyled whole when first shown, right after its mount styled
    it (later resumes, from under another screen, restyle as Textual does)."""

    _shown_once = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._shown_once:
            self._shown_once = True
            event.refresh_styles = False
        super()._on_screen_resume(event)
