"""The last guard between model text and the terminal: a line filter over every widget.

Widgets that show model or server text make it safe as it enters
(:func:`groq_tui.safe_text.visible_controls`); this filter catches whatever a widget missed
(a notification, a title, a cell of a table), so no escape sequence from a reply can reach
the terminal through the app. Textual caches filtered lines per strip, and a line without a
control character is passed on untouched, so the cost is one check of the joined text per new line.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from groq_tui.safe_text import has_controls, visible_controls


class ControlCharacterFilter(LineFilter):
    """Shows control characters in rendered lines as visible stand-ins."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not has_controls("".join([segment.text for segment in segments if not segment.control])):
            return segments
        return [
            segment
            if segment.control
            else Segment(visible_controls(segment.text), segment.style, segment.control)
            for segment in segments
        ]
