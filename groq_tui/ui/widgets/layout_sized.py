"""``virtual_size`` for widgets whose size only the layout sets.

Textual's ``Widget.virtual_size`` asks for a layout whenever it changes: right for a widget
that sets its own scrollable size (a log, a text area), since the layout must then place it
again. For a widget sized by the layout, the layout itself is what sets it, so every layout
that grows such a widget asks for one more, which finds nothing to change. A streaming reply
grows its Markdown, its message, the column and the pane in every frame, and the screen laid
itself out twice per frame of text (a second pass of 7-10 ms here).
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive


def layout_sized() -> Reactive[Size]:
    """A ``virtual_size`` that repaints the widget when it changes, without asking for another
    layout (declare it on the widget class as ``virtual_size``)."""
    return Reactive(Size(0, 0), layout=False)
