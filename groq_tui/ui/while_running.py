"""Mount handlers that need the widgets their screen composed.

Textual still sends a screen its Mount when the app stops in the turn the screen was pushed
(F4 then ctrl+q, typed ahead), though the screen's widgets were never mounted: a handler that
looked one up raised NoMatches, and the app ended with a traceback. :func:`while_running`
runs such a handler only while the app runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from textual.dom import DOMNode

Node = TypeVar("Node", bound=DOMNode)


def while_running(handler: Callable[[Node], None]) -> Callable[[Node], None]:
    """``handler`` (an ``on_mount``), skipped once the app has stopped running."""

    @functools.wraps(handler)
    def run(node: Node) -> None:
        if node.app.is_running:
            handler(node)

    return run
