"""Shortcuts past Textual's line-by-line styling, for the widgets of a growing conversation.

Textual renders a widget's lines through its styles (border, padding, tint, opacity, then the
app's line filters) into new strips, and renders every line of a widget again once its size
changed: in a streaming reply, the Markdown, its message and the conversation's containers,
in every frame. Where the styles add nothing row by row, the same lines can be had for much
less, and as the same strip objects from one frame to the next (whose own caches, of filters
and cuts, then serve again):

- :func:`rows_alike`: a widget whose rows of its own drawing are all the same (no border,
  outline or padding above or below), so one row rendered by Textual can stand for all;
- :func:`plainly_drawn` and :func:`plain_lines`: a widget with no border, padding, outline,
  tint, opacity, hatch or hover links, whose content lines need only be fitted to its width
  and passed through the app's line filters (what Textual would do to them).

The tests hold both to Textual's own rendering of the same widget.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.geometry import Region
from textual.strip import Strip
from textual.style import Style
from textual.widget import Widget

_NONE = ("", "none")


def _undecorated(widget: Widget) -> bool:
    """No keyline and no border title or subtitle (they differ from row to row)."""
    return (
        widget.styles.keyline[0] in _NONE
        and widget.border_title is None
        and widget.border_subtitle is None
    )


def rows_alike(widget: Widget) -> bool:
    """Whether every row the widget draws itself (under its children) is the same: no border,
    outline or padding above or below (borders and padding on the sides are alike in every
    row)."""
    styles = widget.styles
    top, _, bottom, _ = styles.padding
    kinds = (styles.border_top[0], styles.border_bottom[0], *(kind for kind, _ in styles.outline))
    return not top and not bottom and all(kind in _NONE for kind in kinds) and _undecorated(widget)


def plainly_drawn(widget: Widget) -> bool:
    """Whether Textual's styling would only fit the widget's lines to its width and filter
    them: no border, outline, padding, tint, opacity, text opacity, hatch or hover links."""
    styles = widget.styles
    edges = (*styles.border, *styles.outline)
    if any(styles.padding) or any(kind not in _NONE for kind, _ in edges):
        return False
    if not _undecorated(widget):
        return False
    if styles.tint.a or widget.opacity != 1.0 or styles.text_opacity != 1.0:
        return False
    if styles.has_rule("hatch") and styles.hatch != "none":
        return False
    if widget.auto_links:  # Textual restyles the link under the mouse
        hover = widget.hover_style
        if hover.link_id and "@click" in hover.meta:
            return False
    return True


def plain_lines(widget: Widget, crop: Region, line: Callable[[int], Strip]) -> list[Strip]:
    """The widget's lines in ``crop`` as Textual would draw them, for a widget that is
    :func:`plainly_drawn`: each content line fitted to the width in the widget's background,
    then through the app's line filters, then cut to the crop's columns."""
    base_background, background = widget.background_colors
    fill = Style(background=base_background + background).rich_style
    filters = widget.get_line_filters()
    width = widget.size.width
    strips: list[Strip] = []
    for y in crop.line_range:
        strip = line(y).adjust_cell_length(width, fill)
        for line_filter in filters:
            strip = strip.apply_filter(line_filter, background)
        strips.append(strip)
    if crop.column_span != (0, width):
        x1, x2 = crop.column_span
        strips = [strip.crop(x1, x2) for strip in strips]
    return strips
