"""Keeping a scrolling pane at its end while a reply streams into it."""

from __future__ import annotations

from textual.containers import ScrollableContainer

FOLLOW_INTERVAL = 1 / 30
"""How often a streaming pane is brought back to its end (seconds)."""


class EndFollower:
    """Scrolls a pane to its end as it grows, unless the user scrolled up to read.

    The pane is followed while its scroll position is where the follower last left it (or
    further down); once the user scrolls up it stays put, until they scroll back to the end.
    """

    def __init__(self, pane: ScrollableContainer) -> None:
        self.pane = pane
        self._followed_to = 0.0

    def follow(self) -> None:
        """Bring the pane to its end if the user has not scrolled away from it."""
        pane = self.pane
        if pane.scroll_y >= min(self._followed_to, pane.max_scroll_y) - 1:
            self.to_end()

    def to_end(self, *, immediate: bool = True) -> None:
        """Scroll to the end and follow from there.

        Args:
            immediate: Scroll now; False waits for the next refresh (after a mount).
        """
        pane = self.pane
        pane.scroll_end(animate=False, immediate=immediate)
        self._followed_to = pane.max_scroll_y
