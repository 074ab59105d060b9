"""How the screens reach the app context, and hear of its changes, without knowing the App.

The App implements :class:`ContextHost`: it holds the :class:`AppContext` and publishes the
context's news as Textual signals (:class:`ContextSignals`). Screens use :func:`host_of`.
Requests that concern another screen are messages the App routes (:mod:`groq_tui.ui.routing`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

from textual.dom import DOMNode
from textual.signal import Signal

from groq_tui.services.app_events import Connection, ServicesReady
from groq_tui.services.context import AppContext


class ContextSignals:
    """The app context's observers, republished as Textual signals on ``owner``.

    Args:
        owner: The node the signals belong to (the App).
        context: The context to listen to.
    """

    def __init__(self, owner: DOMNode, context: AppContext) -> None:
        self.connection_changed: Signal[Connection] = Signal(owner, "connection_changed")
        """The server in use changed (and maybe the chat model to use)."""
        self.models_loaded: Signal[None] = Signal(owner, "models_loaded")
        """The model list was (re)loaded."""
        self.services_ready: Signal[ServicesReady] = Signal(owner, "services_ready")
        """The history and the client are up."""
        context.connection_changed.subscribe(self.connection_changed.publish)
        context.models_loaded.subscribe(self.models_loaded.publish)
        context.services_ready.subscribe(self.services_ready.publish)
        context.services_ready.subscribe(self._started)
        self._context = context
        self._after_start: list[Callable[[], object]] = []

    def once_started(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` now if the services are up, else as soon as they are: the app
        is ready for keys from its first frame, and what needs the client waits for it (a
        few hundred milliseconds at most) instead of being refused."""
        if self._context.clients is not None:
            callback()
        else:
            self._after_start.append(callback)

    def _started(self, _: ServicesReady) -> None:
        waiting, self._after_start = self._after_start, []
        for callback in waiting:
            callback()


@runtime_checkable
class ContextHost(Protocol):
    """An app that holds an app context (the GroqApp)."""

    context: AppContext
    signals: ContextSignals


def host_of(node: DOMNode) -> ContextHost:
    """The app ``node`` runs in, as the holder of the app context."""
    app = node.app
    if not isinstance(app, ContextHost):
        raise TypeError(f"{type(app).__name__} holds no app context")
    return app
