"""The time a frame may spend rendering finished Markdown blocks, shared by several views."""

from __future__ import annotations

import time


class RenderBudget:
    """A slice of each frame for rendering finished blocks, shared by the views that use it.

    A burst of text, a long reply loaded from history or a width change can leave many
    finished blocks to render. The blocks the reader sees render at once; the others render
    within this slice a frame, so the loop stays free for key presses. One budget serves every
    view of a screen: the slice is per frame, not per view (a screen of fifty replies after a
    resize gets one slice a frame, not fifty).

    Owned by the screen (or any ancestor widget that offers one, see
    :class:`groq_tui.ui.widgets.streaming_markdown.RenderBudgetOwner`); a view without an
    owner makes its own.

    Args:
        slice_seconds: Seconds per frame for rendering blocks the reader does not see.
        frame_seconds: How long a frame lasts: the first render after that starts a new slice.
    """

    def __init__(self, slice_seconds: float = 0.008, frame_seconds: float = 1 / 60) -> None:
        self.slice_seconds = slice_seconds
        """Seconds per frame for rendering blocks the reader does not see."""
        self.frame_seconds = frame_seconds
        """How long a frame lasts; after that the slice starts again."""
        self._frame_started = float("-inf")
        self._spent = 0.0

    def exhausted(self) -> bool:
        """Whether this frame's slice is spent; the first call of a new frame starts a new one.

        Returns:
            True if the views should stop rendering blocks out of sight until the next frame.
        """
        now = time.monotonic()
        if now - self._frame_started > self.frame_seconds:
            self._frame_started, self._spent = now, 0.0
            return False
        return self._spent >= self.slice_seconds

    def charge(self, seconds: float) -> None:
        """Count ``seconds`` of rendering against this frame's slice."""
        self._spent += seconds
