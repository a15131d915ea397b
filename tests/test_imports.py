"""Every module of the shipped packages imports.

The seed system lost 6 of its 47 services to import errors nothing caught before deploy;
this walks the packages so a new module that cannot import fails here first.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import engine_bridge
import vocal


def _all_modules() -> list[str]:
    names = []
    for package in (engine_bridge, vocal):
        names.append(package.__name__)
        names.extend(
            info.name
            for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}.")
            # `python -m` entry points run on import; they are tested as commands.
            if not info.name.endswith(".__main__")
        )
    return sorted(set(names))


def test_walk_finds_the_cli_the_native_module_and_the_demo_steps() -> None:
    names = _all_modules()
    for expected in (
        "engine_bridge.tooling.cli",
        "engine_bridge.tooling.cli.commands.doctor",
        "vocal._native",
        "engine_bridge.models._feature_rows",
    ):
        assert expected in names
    assert len(names) >= 10


@pytest.mark.parametrize("name", _all_modules())
def test_module_imports(name: str) -> None:
    importlib.import_module(name)
