"""A package whose names are imported on first use (PEP 562).

The client, audio, the local engine and the Markdown renderer each pull in heavy libraries
(httpx, numpy, llama.cpp, markdown-it). Their packages list what they export and where it
lives; a name's module is imported the first time the name is looked up, so importing one
light part of a package (its errors, its parameter checks) does not load the rest.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_names(package: str, modules: Mapping[str, Iterable[str]]) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``: each name that ``modules`` lists under a module of
    the package (``{"client": ("GroqClient",)}``) is imported from it when first used, then
    kept in the package (the next look-up does not come here)."""
    home = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = home.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
