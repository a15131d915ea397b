"""NPC scripts import from one allow-list (engine_bridge.scripting.script_imports): the runtime
refuses the rest at the import, naming the module; the docs list exactly what it allows."""

from __future__ import annotations

import ast
import logging
import re
import textwrap
from pathlib import Path

import pytest

from engine_bridge.sandbox import Sandbox
from engine_bridge.scripting import script_imports
from engine_bridge.scripting.script_imports import (
    ALLOWED_MODULES,
    ForbiddenImportError,
    find_forbidden_imports,
    is_allowed,
    script_builtins,
)

REPO = Path(__file__).resolve().parent.parent

SCRIPT = """
{imports}
from engine_bridge.api import Npc


class Probe(Npc):
    kind = "probe"

    def on_spawn(self):
        self.remember("ok", True)
"""


def _load(tmp_path: Path, imports: str) -> Sandbox:
    (tmp_path / "probe.py").write_text(SCRIPT.format(imports=imports))
    return Sandbox(script_dirs=[tmp_path])


@pytest.mark.parametrize(
    "imports",
    ["import os", "import time", "from threading import Thread", "import ctypes.util"],
)
def test_a_forbidden_import_fails_the_script_at_its_line_naming_the_module(
    tmp_path: Path, imports: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="aicore")
    box = _load(tmp_path, imports)
    try:
        assert "probe" not in box.runtime.scheduler.classes
        failure = box.runtime.scripts.failures[-1]
        assert failure.kind == "ForbiddenImportError"
        assert (failure.file, failure.line) == (str(tmp_path / "probe.py"), 2)
        module = imports.split()[1]
        assert f"may not import {module!r}" in failure.message
        assert "docs/designers.md" in failure.message
    finally:
        box.close()


def test_allowed_modules_load_and_their_own_imports_of_forbidden_ones_still_work(
    tmp_path: Path,
) -> None:
    # numpy and json import os, sys and more themselves: that is library code, not script.
    imports = "import json\nimport math\nimport numpy as np\nfrom collections import abc, deque"
    box = _load(tmp_path, imports)
    try:
        slot = box.spawn("probe")
        box.step(1)
        assert box.npc(slot).recall("ok") is True
        assert box.runtime.script_errors == 0
    finally:
        box.close()


def test_an_import_inside_a_handler_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "probe.py").write_text(
        textwrap.dedent("""
        from engine_bridge.api import Npc

        class Probe(Npc):
            kind = "probe"

            def on_spawn(self):
                import subprocess
                self.remember("ran", subprocess)
        """)
    )
    box = Sandbox(script_dirs=[tmp_path])
    try:
        slot = box.spawn("probe")
        box.step(1)
        assert box.npc(slot).recall("ran") is None
        assert "ForbiddenImportError" in box.runtime.profile()["probe"]["last_error"]
    finally:
        box.close()


def test_the_guard_refuses_only_script_code() -> None:
    guarded = script_builtins()["__import__"]
    with pytest.raises(ForbiddenImportError) as refused:
        guarded("os", {"__name__": "npc_scripts.probe"})
    assert refused.value.name == "os"
    with pytest.raises(ForbiddenImportError):
        guarded("os")  # __import__("os") by hand: no globals
    with pytest.raises(ForbiddenImportError):
        guarded("engine_bridge", {"__name__": "npc_scripts.p"}, None, ("runtime",))
    assert guarded("engine_bridge", {"__name__": "npc_scripts.p"}, None, ("api",))
    assert guarded("os", {"__name__": "numpy.core"}).sep  # a library's own import


@pytest.mark.parametrize(
    ("module", "names", "allowed"),
    [
        ("math", (), True),
        ("collections.abc", (), True),
        ("numpy.linalg", (), True),
        ("engine_bridge.api", (), True),
        ("engine_bridge", ("api",), True),
        ("engine_bridge.core", ("errors",), True),
        ("engine_bridge", ("api", "errors"), False),
        ("engine_bridge", ("api", "runtime"), False),
        ("engine_bridge", (), False),
        ("engine_bridge.core.runtime", (), False),
        ("time", (), False),
        ("os.path", (), False),
        ("mathx", (), False),
    ],
)
def test_the_policy(module: str, names: tuple[str, ...], allowed: bool) -> None:
    assert is_allowed(module, names) is allowed


def test_the_scanner_finds_every_way_to_import_and_skips_type_checking_blocks() -> None:
    source = textwrap.dedent("""
        import math, os
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from engine_bridge.core.runtime import Runtime
        else:
            import sys
        def f():
            import threading
            __import__("ctypes")
            importlib.import_module("signal")
            from . import sibling
            return __import__(name)
    """)
    found = [(f.line, f.module) for f in find_forbidden_imports(ast.parse(source))]
    assert found == [
        (2, "os"),
        (7, "sys"),
        (9, "threading"),
        (10, "ctypes"),
        (11, "signal"),
        (12, "."),
    ]


def test_the_shipped_scripts_import_only_allowed_modules() -> None:
    for path in sorted((REPO / "npc_scripts").glob("*.py")):
        assert find_forbidden_imports(ast.parse(path.read_bytes())) == [], path


def test_the_designers_guide_lists_exactly_the_allowed_modules() -> None:
    guide = (REPO / "docs" / "designers.md").read_text()
    section = re.search(r"^## What scripts may import\n(.*?)(?=^## )", guide, re.S | re.M)
    assert section, "docs/designers.md has no '## What scripts may import' section"
    table = re.findall(r"^\| `([\w.]+)` \| (.*) \|$", section.group(1), re.M)
    assert table == list(ALLOWED_MODULES.items())
    for module, why in script_imports.FORBIDDEN_EXAMPLES.items():
        assert f"* `{module}`: {why}\n" in section.group(1), module
