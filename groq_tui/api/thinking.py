"""Reasoning inside the content (``<think>`` blocks): see :mod:`groq_tui.domain.thinking`.

The splitter is plain text work shared by the client's callers and the UI's widgets (which
may not import the client), so it lives in the domain; this module keeps its old address.
"""

from groq_tui.domain.thinking import CLOSE_TAG, OPEN_TAG, ThinkSplitter, split_think

__all__ = ["CLOSE_TAG", "OPEN_TAG", "ThinkSplitter", "split_think"]
