"""Markdown for replies that stream fast, rendered with Rich alone (no Textual here).

- :mod:`.blocks` splits growing text into finished top-level blocks and an open tail;
- :mod:`.rendering` renders one piece of Markdown to lines with Rich, with a dark or light
  code theme;
- :mod:`.lines` renders the blocks to lines at a width, each finished block once, within a
  :class:`~.budget.RenderBudget` of time per frame, and lays them out;
- :mod:`.budget` holds that budget, shared by every view drawn in one frame.

The widget that draws these lines on screen is
:class:`groq_tui.ui.widgets.streaming_markdown.StreamingMarkdown`.

The names are imported when first used: the chat screen needs only :class:`RenderBudget` for
its first frame, and markdown-it and Rich's Markdown (about 40 ms) are imported on a thread
after it (see ``groq_tui.app.warm_up_markdown``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from groq_tui.lazy_names import lazy_names
from groq_tui.ui.markdown.budget import RenderBudget

if TYPE_CHECKING:
    from groq_tui.ui.markdown.lines import MarkdownLines, View
    from groq_tui.ui.markdown.rendering import (
        DARK_CODE_THEME,
        LIGHT_CODE_THEME,
        BlockMarkdown,
        Line,
        code_theme_for,
    )

_LAZY = {
    "lines": ("MarkdownLines", "View"),
    "rendering": ("DARK_CODE_THEME", "LIGHT_CODE_THEME", "BlockMarkdown", "Line", "code_theme_for"),
}
"""The names imported on first use, by the module of this package that holds them."""


__getattr__ = lazy_names(__name__, _LAZY)


__all__ = [
    "DARK_CODE_THEME",
    "LIGHT_CODE_THEME",
    "BlockMarkdown",
    "Line",
    "MarkdownLines",
    "RenderBudget",
    "View",
    "code_theme_for",
]
