"""Loads the designers' script files and runs their hooks so that nothing they do can take
the game down: every call is guarded, every failure reported once with file:line."""

from __future__ import annotations

import ast
import importlib.util
import logging
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

from engine_bridge.core.errors import ScriptTimeoutError
from engine_bridge.scripting.failure_report import describe_failure
from engine_bridge.scripting.script_imports import script_builtins
from engine_bridge.scripting.script_versions import ScriptVersion, read_script, version_on_disk

__all__ = ["Budget", "LoadFailure", "ScriptFailure", "ScriptHost", "declared_kinds"]

log = logging.getLogger("aicore.scripts")


class Budget(Protocol):
    """Arms the watchdog for the script code about to run (with the handler budget, or the
    CPU and wall seconds given), and disarms it."""

    def arm(self, cpu_s: float | None = None, wall_s: float | None = None) -> None: ...

    def disarm(self) -> None: ...


@dataclass(frozen=True)
class ScriptFailure:
    """One reported failure: where it happened and why."""

    script: str
    where: str  # "file:line"
    kind: str  # the exception's type name
    message: str
    traceback: str
    file: str | None = None  # the script file that failed, when the exception names it
    line: int | None = None  # its line there


@dataclass(frozen=True)
class LoadFailure:
    """A script file that failed to load, and the kinds it declares (read from its source
    without running it), so that spawning one of them can say which file to fix."""

    path: Path
    failure: ScriptFailure
    kinds: frozenset[str]


@dataclass
class ScriptHost:
    """The scripts of some folders, each loaded as a module ``npc_scripts.<stem>``."""

    directories: list[Path]
    modules: dict[str, ModuleType] = field(default_factory=dict)
    failures: list[ScriptFailure] = field(default_factory=list)
    errors: int = 0
    budget: Budget | None = None  # puts each call under the handler budget when set
    quarantine_after: int = 5  # failures of one script's hooks before they stop being called
    # Loading (module code, class bodies) may import libraries: a budget of its own, in CPU
    # seconds, and a wall-time backstop for a script that waits instead of computing.
    load_budget_s: float = 2.0
    load_wall_s: float = 10.0
    quarantined: set[str] = field(default_factory=set)
    # Scripts whose latest load failed and that have no running version, by stem.
    load_failures: dict[str, LoadFailure] = field(default_factory=dict)
    # Each file's version as its latest load read it (loaded or not), by resolved path.
    versions: dict[Path, ScriptVersion] = field(default_factory=dict)
    _failures_since_load: dict[str, int] = field(default_factory=dict)
    _reported: set[tuple[str, str, str]] = field(default_factory=set)

    def load_all(self) -> None:
        for path in self._script_files():
            self.load(path)

    def _script_files(self) -> list[Path]:
        # The files load_all loads: each folder's *.py but those starting with "_".
        return [
            path
            for directory in self.directories
            for path in sorted(Path(directory).glob("*.py"))
            if not path.name.startswith("_")
        ]

    def is_loaded_version(self, path: Path) -> bool:
        """Whether ``path`` on disk is, size, mtime and bytes, the version its latest load
        read: a change noticed after that load had read it needs no second load."""
        loaded = self.versions.get(path.resolve())
        return loaded is not None and loaded == version_on_disk(path)

    def changed_files(self) -> list[Path]:
        """The script files whose version on disk is not the one their latest load read,
        and files no load has read yet, in load order. A file whose latest load failed and
        that is unchanged is not listed: loading it again would fail the same way."""
        files = dict.fromkeys(self._script_files())
        files.update(dict.fromkeys(p for p in self.versions if p.is_file()))
        seen: set[Path] = set()
        changed = []
        for path in files:
            key = path.resolve()
            if key not in seen and not self.is_loaded_version(path):
                changed.append(path)
            seen.add(key)
        return changed

    def load(self, path: Path) -> ModuleType | None:
        """(Re)load one script; a syntax or import error is reported and returns None.

        The source is compiled from the file every time, never from a cached ``.pyc``:
        CPython validates those by the source's mtime in whole seconds and its size, so an
        edit of the same size within the same second would run the old code."""
        name = f"npc_scripts.{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None:
            return None
        module = importlib.util.module_from_spec(spec)
        failures = self._failures_since_load.get(path.stem, 0)
        self.quarantined.discard(path.stem)  # a new version gets its chance to load
        limits = (self.load_budget_s, self.load_wall_s)
        reported = len(self.failures)
        ok = self._call(
            path.stem,
            f"{path}:1",
            limits,
            _run_source,
            module,
            path,
            self.versions,
            script_file=str(path),
        )
        if ok is _FAILED:
            # A broken save is not the running version failing: it does not count toward
            # quarantining the last good version, which keeps running.
            self._failures_since_load[path.stem] = failures
            if path.stem not in self.modules and len(self.failures) > reported:
                self.load_failures[path.stem] = LoadFailure(
                    path, self.failures[-1], frozenset(declared_kinds(path))
                )
            return None
        sys.modules[name] = module
        self.modules[path.stem] = module
        self.load_failures.pop(path.stem, None)
        self._failures_since_load[path.stem] = 0
        return module

    def failed_load_of(self, kind: str) -> LoadFailure | None:
        """The failed script that declares ``kind``, if one does."""
        for failure in self.load_failures.values():
            if kind in failure.kinds:
                return failure
        return None

    def unload(self) -> None:
        """Take this host's modules out of ``sys.modules`` (where loading put them), so that
        a closed runtime's scripts, and everything they keep, can be freed."""
        for stem, module in self.modules.items():
            name = f"npc_scripts.{stem}"
            if sys.modules.get(name) is module:
                del sys.modules[name]
        self.modules.clear()

    def call(self, script: str, where: str, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(*args)``; any exception, SystemExit, KeyboardInterrupt, RecursionError,
        MemoryError or a budget interrupt is reported and ``_FAILED`` returned. With a
        ``budget``, the call runs under the handler budget; the report never does
        (formatting a deep traceback must not be taken for the script overrunning)."""
        return self._call(script, where, None, fn, *args)

    def _call(
        self,
        script: str,
        where: str,
        limits: tuple[float, float] | None,
        fn: Callable[..., Any],
        *args: Any,
        script_file: str | None = None,
    ) -> Any:
        if script in self.quarantined:
            return _FAILED
        budget = self.budget
        if budget is not None:
            if limits is None:
                budget.arm()
            else:
                budget.arm(*limits)
        try:
            result = fn(*args)
        except (Exception, SystemExit, KeyboardInterrupt, ScriptTimeoutError) as exc:
            if budget is not None:
                budget.disarm()
            self._report(script, where, exc, script_file)
            return _FAILED
        if budget is not None:
            budget.disarm()
        return result

    def _report(
        self, script: str, where: str, exc: BaseException, script_file: str | None = None
    ) -> None:
        """Count, report once per place, and quarantine a script whose hooks keep failing
        (until it is loaded again). Never raises: the exception is the script's."""
        self.errors += 1
        report = describe_failure(exc, script_file, where, self.budget)
        failure = ScriptFailure(
            script=script,
            where=report.where,
            kind=report.kind,
            message=report.message or report.kind,
            traceback=report.traceback,
            file=report.file,
            line=report.line,
        )
        self.failures.append(failure)
        del self.failures[:-100]  # keep the recent ones
        key = (script, failure.where, failure.kind)
        if key not in self._reported:
            self._reported.add(key)
            log.error("%s: %s in %s: %s", failure.where, failure.kind, script, failure.message)
        failures = self._failures_since_load.get(script, 0) + 1
        self._failures_since_load[script] = failures
        if failures >= self.quarantine_after and script in self.modules:
            self.quarantined.add(script)
            log.error(
                "script %s quarantined after %d failures of its hooks; edit it to retry",
                script,
                failures,
            )


# `kind = "name"` (or `kind: str = "name"`) on a line of its own, for a file that does not
# parse: the best guess at what it declares.
_KIND_LINE = re.compile(r"""^\s+kind\s*(?::[^=]*)?=\s*["']([^"'\n]+)["']""", re.MULTILINE)


def declared_kinds(path: Path) -> set[str]:
    """The kinds ``path`` declares (``kind = "..."`` in a class body), read from its source
    without running it; a file that does not parse is searched line by line; a file that
    declares none is taken to declare its stem. Never raises."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {path.stem}
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        kinds = set(_KIND_LINE.findall(text))
        return kinds or {path.stem}
    kinds = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        for stmt in node.body:
            targets = (
                stmt.targets
                if isinstance(stmt, ast.Assign)
                else [stmt.target]
                if isinstance(stmt, ast.AnnAssign)
                else []
            )
            value = getattr(stmt, "value", None)
            if (
                any(isinstance(t, ast.Name) and t.id == "kind" for t in targets)
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                kinds.add(value.value)
    return kinds or {path.stem}


def _run_source(
    module: ModuleType, path: Path, versions: dict[Path, ScriptVersion] | None = None
) -> None:
    # The version is kept whether or not the code runs: an unchanged broken file is not
    # worth loading again (ScriptHost.changed_files). `aicore check` keeps none.
    version, source = read_script(path)
    if versions is not None:
        versions[path.resolve()] = version
    # compile() reads a coding cookie and a UTF-8 BOM from the bytes, as import does.
    code = compile(source, str(path), "exec", dont_inherit=True)
    # The import allow-list (engine_bridge.scripting.script_imports) for the module and every
    # function it defines, which look their builtins up in the module's globals.
    module.__dict__["__builtins__"] = script_builtins()
    # As import does: the module is in sys.modules while its code runs (dataclasses and
    # typing look it up there), and the previous version is put back if the new one fails.
    name = module.__name__
    previous = sys.modules.get(name)
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)
    except BaseException:
        if previous is not None:
            sys.modules[name] = previous
        else:
            sys.modules.pop(name, None)
        raise


class _Failed:
    def __repr__(self) -> str:
        return "<failed>"


_FAILED = _Failed()
