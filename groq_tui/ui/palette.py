"""The one way a command palette provider here offers its commands: a list of entries."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from textual.command import DiscoveryHit, Hit, Hits, Provider

Action = Callable[[], Any] | Callable[[], Awaitable[Any]]
Command = tuple[str, Action, str]
"""A palette entry: its name, what it does, its help line."""


class ListedCommands(Provider):
    """A provider whose entries are a list: the first few shown before typing, all searched."""

    discovered: ClassVar[int] = 9
    """How many entries show before anything is typed."""

    @abstractmethod
    def _commands(self) -> list[Command]:
        """The entries on offer now."""

    async def discover(self) -> Hits:
        for name, action, help_text in self._commands()[: self.discovered]:
            yield DiscoveryHit(name, action, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), action, help=help_text)


__all__ = ["Action", "Command", "ListedCommands"]
