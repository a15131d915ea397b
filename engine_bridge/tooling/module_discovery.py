"""Find the modules of a package that extend something (CLI commands, demo steps)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

__all__ = ["submodules"]


def submodules(package: ModuleType) -> list[ModuleType]:
    """Import and return every public submodule of ``package``, sorted by name.

    An import error propagates: a part that cannot load must never vanish silently.
    """
    names = sorted(i.name for i in pkgutil.iter_modules(package.__path__))
    return [
        importlib.import_module(f"{package.__name__}.{name}")
        for name in names
        if not name.startswith("_")
    ]
