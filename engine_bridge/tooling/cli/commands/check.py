"""``aicore check``: load every NPC script and content file without running the game and
report each problem as ``path:line: message`` (exit 1), or print one summary line (exit 0).

Scripts (``*.py`` in each folder, ``_*.py`` skipped, as the runtime does; a ``.py`` in a
subfolder is reported, the runtime never loads it) are read from their bytes as the
runtime compiles them, for syntax errors, compiler warnings and imports off the
allow-list (:mod:`engine_bridge.scripting.script_imports`). Their code then runs only in a checker
process of its own (:mod:`._script_checker`), each script under a timeout: imported as
the runtime imports it — a fresh module ``npc_scripts.<stem>``, the runtime's loader and
import guard, no handler called — and read, class by class, for misuse of the designer API
(:mod:`engine_bridge.api`): a missing or doubly claimed ``kind``, a class with a kind that
is no ``Npc``, a handler with the wrong parameters, an unknown ``archetype``, a
``decision_rate`` out of range, ``self.X`` that is neither part of ``Npc`` nor of the
class, a ``self.`` call that does not fit its signature, ``self.after`` with a negative
delay or a callback that cannot take its arguments, ``self.say("an_id")`` naming no voice
line and ``self.speak("topic")`` naming no topic of the kind's dialogue table. A script
that hangs or ends that process is reported at its file; the others are checked in a new
one.

Content is read by the same loaders the game uses (voice presets, voice-line manifest,
story, dialogue, lore, scenes); their messages name the file and the field, and the line
is found in the file where it can be.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import importlib
import importlib.util
import inspect
import json
import math
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from engine_bridge.api import Npc
from engine_bridge.content.layers import ContentError
from engine_bridge.scripting.script_imports import (
    ForbiddenImportError,
    find_forbidden_imports,
    refusal,
)

__all__ = ["HELP", "NAME", "Problem", "Report", "add_arguments", "check", "run"]

NAME = "check"
HELP = "find script and content errors without running the game: syntax, imports, API, data"

HANDLERS: dict[str, tuple[str, ...]] = {
    "on_spawn": (),
    "on_tick": ("dt",),
    "on_event": ("event",),
    "on_reload": (),
    "fallback": ("dt",),
}
"""Each handler the engine calls, with the arguments it passes after ``self``."""

DEFAULT_TIMEOUT_S = 10.0
"""Seconds one script may take to load and be checked before it counts as hanging."""

MAX_DECISION_RATE = 60.0
"""on_tick runs at most once a frame, and the engine steps 60 frames a second."""

# Text with no spaces in lower_snake_case is taken for a voice line id; a single word
# ("halt") may be either, so only ids with an underscore are checked.
_LINE_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


@dataclass(frozen=True)
class Problem:
    """One finding: where (``line`` None when the file has no line to point at), what kind
    of problem (``code``, stable: tests and tools match on it, never on the message) and
    the ``message`` for a person."""

    path: str
    line: int | None
    message: str
    code: str = "content"

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


@dataclass
class Report:
    """Everything one ``check`` found, and what it looked at."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What could not be checked, and why (not a failure)."""
    checked: list[str] = field(default_factory=list)
    """What was checked, for the summary: ``"7 scripts"``, ``"17 voice lines"``..."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, path: Path | str, line: int | None, message: str, *, code: str) -> None:
        self.problems.append(Problem(_shown(path), line, message, code))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dirs",
        nargs="*",
        type=Path,
        metavar="DIR",
        help="NPC script folders or files (default: the repository's npc_scripts/)",
    )
    parser.add_argument(
        "--content",
        type=Path,
        action="append",
        metavar="DIR",
        help="a content folder, repeatable: later ones are layered over earlier ones "
        "(default: the shipped content)",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help="seconds each script may take to load and be checked, in the checker's own "
        f"process, before it is reported as hanging (default {DEFAULT_TIMEOUT_S:g})",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be above 0 seconds: {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    if args.content:
        content = list(args.content)
    else:
        from vocal.content import content_root

        content = [content_root()]
    report = check(args.dirs or [_repo_root() / "npc_scripts"], content, timeout=args.timeout)
    for problem in report.problems:
        print(problem)
    for note in report.notes:
        print(f"note: {note}")
    if not report.ok:
        files = len({p.path for p in report.problems})
        print(
            f"aicore check: {_plural(len(report.problems), 'problem')} in {_plural(files, 'file')}"
        )
        return 1
    print(f"aicore check: {', '.join(report.checked)}: all fine")
    return 0


def check(
    script_paths: Sequence[Path],
    content_roots: Path | Sequence[Path],
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> Report:
    """Check the scripts in ``script_paths`` (folders or files) against the content of
    ``content_roots`` (one folder, or several layered as the game layers them: later ones
    replace or extend earlier ones), and that content itself. Nothing of the game runs.

    Script code runs only in a child process (:mod:`._script_checker`), each script with
    ``timeout`` seconds to load and be checked: a script that loops, ends the process or
    crashes it is reported at its file, and the others are still checked."""
    report = Report()
    roots = [Path(content_roots)] if isinstance(content_roots, str | Path) else list(content_roots)
    with _content_at(roots[-1]), _no_bytecode_files():
        content = _check_content(roots, report)
        kinds = _check_scripts([Path(p) for p in script_paths], content, report, timeout)
    _check_kinds_have_scripts(content, kinds, report)
    # Loaders read each other's files (dialogue reads the voice lines): report each once.
    report.problems = list(dict.fromkeys(report.problems))
    order = {path: i for i, path in enumerate(dict.fromkeys(p.path for p in report.problems))}
    report.problems.sort(key=lambda p: (order[p.path], p.line or 0))
    return report


# -- content ----------------------------------------------------------------------------


@dataclass
class _Content:
    """What the script checks need to know of the content; None where it is unknown."""

    archetypes: list[str] | None = None
    line_ids: frozenset[str] | None = None
    topics: dict[str, frozenset[str]] | None = None
    """Each kind's dialogue topics."""
    manifest: Path | None = None
    kinds_named: dict[str, set[tuple[Path, str]]] = field(default_factory=dict)
    """Per content system, (file, kind) for each NPC kind the content names."""

    def to_json(self) -> dict[str, Any]:
        """What the script checks use, for the checker process."""
        return {
            "archetypes": self.archetypes,
            "line_ids": None if self.line_ids is None else sorted(self.line_ids),
            "topics": None
            if self.topics is None
            else {kind: sorted(topics) for kind, topics in self.topics.items()},
            "manifest": None if self.manifest is None else str(self.manifest),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Content:
        line_ids, topics, manifest = data["line_ids"], data["topics"], data["manifest"]
        return cls(
            archetypes=data["archetypes"],
            line_ids=None if line_ids is None else frozenset(line_ids),
            topics=None if topics is None else {k: frozenset(v) for k, v in topics.items()},
            manifest=None if manifest is None else Path(manifest),
        )


def _check_content(roots: list[Path], report: Report) -> _Content:
    content = _Content()
    missing = [root for root in roots if not root.is_dir()]
    for root in missing:
        report.add(root, None, "no such content folder", code="no-content-folder")
    if missing:
        return content
    presets_ok = True
    for root in roots:
        if (root / "vocal").is_dir():
            with _content_at(root):
                _check_voice_presets(root, content, report)
    presets_ok = report.ok
    _check_voice_lines(roots, content, report)
    _check_story(roots, content, report)
    _check_dialogue(roots, content, report)
    _check_lore(roots, content, report)
    if presets_ok:
        for root in roots:
            with _content_at(root):
                _check_scenes(root, content, report)
    else:
        report.notes.append("scenes not checked: the voice presets they use have problems")
    return content


def _check_voice_presets(root: Path, content: _Content, report: Report) -> None:
    from vocal.content import archetype_preset, archetypes, environment_preset, environments

    folder = root / "vocal" / "archetypes"
    if folder.is_dir():
        content.archetypes = sorted({*(content.archetypes or []), *archetypes()})
        for name in archetypes():
            _load(report, folder / f"{name}.json", archetype_preset, name)
        report.checked.append(_plural(len(archetypes()), "archetype"))
    else:
        report.notes.append(f"{_shown(folder)}: missing; archetypes not checked")
    rooms = root / "vocal" / "environments.json"
    if rooms.is_file():
        names = _load(report, rooms, environments)
        for name in names or ():
            _load(report, rooms, environment_preset, name)
        if names is not None:
            report.checked.append(_plural(len(names), "environment"))
    else:
        report.notes.append(f"{_shown(rooms)}: missing; environments not checked")


def _check_voice_lines(roots: list[Path], content: _Content, report: Report) -> None:
    from vocal.voice_lines import MANIFEST_PATH, load_line, load_manifest

    merged: dict[str, Any] = {}
    for root in roots:
        manifest = root / MANIFEST_PATH
        if not manifest.is_file():
            continue
        lines = _load(report, manifest, load_manifest, root)
        if lines is None:
            continue
        content.manifest = manifest
        for line in lines:
            try:
                load_line(line)
            except Exception as exc:  # a missing or unreadable WAV, whatever the library says
                report.add(manifest, _key_line(manifest, "id", line.id), str(exc), code="content")
        merged.update({line.id: line for line in lines})  # merged by line id, later wins
    if content.manifest is None:
        report.notes.append(f"{MANIFEST_PATH}: missing; voice lines not checked")
        return
    content.line_ids = frozenset(merged)
    report.checked.append(_plural(len(merged), "voice line"))


def _check_story(roots: list[Path], content: _Content, report: Report) -> None:
    story = _optional_module("engine_bridge.content.story", "story", report)
    if story is None:
        return
    try:
        book = story.StoryBook.load(*roots)
    except FileNotFoundError:
        report.notes.append(f"{_folders(roots, 'story')}: no story file; story not checked")
        return
    _report_content_errors(book.errors, report)
    content.kinds_named["story"] = {
        (path, kind) for s in book.stories.values() for kind in s.kinds for path in [s.path]
    }
    report.checked.append(_plural(len(book.stories), "story", "stories"))


def _check_dialogue(roots: list[Path], content: _Content, report: Report) -> None:
    dialogue = _optional_module("engine_bridge.content.dialogue", "dialogue", report)
    if dialogue is None:
        return
    try:
        tables = dialogue.DialogueTables.load(*roots)
    except FileNotFoundError:
        report.notes.append(f"{_folders(roots, 'dialogue')}: missing; dialogue not checked")
        return
    _report_content_errors(tables.errors, report)
    content.topics = {kind: frozenset(tables.topics(kind)) for kind in tables.kinds()}
    content.kinds_named["dialogue"] = {
        (path, path.stem)
        for root in roots
        for path in sorted((root / "dialogue").glob("*.toml"))
        if path.stem in tables.kinds()
    }
    report.checked.append(_plural(len(tables.kinds()), "dialogue table"))


def _check_lore(roots: list[Path], content: _Content, report: Report) -> None:
    knowledge = _optional_module("engine_bridge.content.knowledge", "lore", report)
    if knowledge is None:
        return
    try:
        base = knowledge.KnowledgeBase.open(":memory:", *roots)
    except FileNotFoundError:
        report.notes.append(f"{_folders(roots, 'lore')}: missing; lore not checked")
        return
    with base:
        _report_content_errors(base.errors, report)
        files = {error.file for error in base.errors}
        entries = base.entries()
    content.kinds_named["lore"] = {
        (entry.source, kind) for entry in entries for kind in entry.known_by or ()
    }
    loaded = {entry.source for entry in entries} - files
    report.checked.append(_plural(len(loaded), "lore file"))


def _folders(roots: list[Path], folder: str) -> str:
    return ", ".join(_shown(root / folder) for root in roots)


def _report_content_errors(errors: Sequence[ContentError], report: Report) -> None:
    """Each file a loader left out, from its structured error (file, line, field, reason)."""
    for error in errors:
        line = error.line if error.line is not None else _field_line(error)
        report.problems.append(Problem(_shown(error.file), line, error.reason))


def _field_line(error: ContentError) -> int | None:
    """The line of an error's field: inside the ``[[table]]`` with its ``table_id`` when
    it has one, else the one line of the file that sets that key."""
    if error.field is None:
        return None
    try:
        lines = error.file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    if error.table_id is not None:
        return _table_field_line(lines, error.table_id, [error.field.split(".")[0]])
    key = error.field.split(".")[-1]
    hits = [i for i, text in enumerate(lines) if _is_key(text, key)]
    return hits[0] + 1 if len(hits) == 1 else None


def _check_kinds_have_scripts(content: _Content, kinds: set[str], report: Report) -> None:
    """Content written for a kind no checked script defines is not an error (the kind's
    script may be in a folder not checked), but worth a note: it is often a typo."""
    for system, named in content.kinds_named.items():
        for path, kind in sorted(named):
            if kind not in kinds:
                report.notes.append(
                    f"{_shown(path)}: {system} names kind {kind!r}, which no checked script defines"
                )


def _check_scenes(root: Path, content: _Content, report: Report) -> None:
    from vocal.scene import load_scene

    files = sorted((root / "vocal" / "scenes").glob("*.toml"))
    for path in files:
        scene = _load(report, path, load_scene, path)
        if scene is None or content.line_ids is None:
            continue
        for npc in scene.npcs:
            if npc.line is not None and npc.line not in content.line_ids:
                report.add(
                    path,
                    _key_line(path, "line", npc.line),
                    f"{npc.name}: line {npc.line!r} is not in the voice-line manifest"
                    f"{_did_you_mean(npc.line, content.line_ids)}",
                    code="unknown-line-id",
                )
    if files:
        report.checked.append(_plural(len(files), "scene"))


def _optional_module(name: str, what: str, report: Report) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        report.notes.append(f"{name} is not available ({exc}); {what} not checked")
        return None


def _load(report: Report, path: Path, loader: Callable[..., Any], *args: Any) -> Any:
    """``loader(*args)``, or None with its error reported against the file it names."""
    try:
        return loader(*args)
    except Exception as exc:  # a loader must never take the check down with it
        report.problems.append(_data_problem(exc, path))
        return None


def _data_problem(exc: Exception, default: Path) -> Problem:
    message = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
    path, rest = _split_path(message, default)
    return Problem(_shown(path), _locate(path, rest), rest)


def _split_path(message: str, default: Path) -> tuple[Path, str]:
    """The loaders' messages begin with the file they read (the native ones with its name
    only); split it off, or fall back to ``default``."""
    head, sep, rest = message.partition(": ")
    if sep:
        named = Path(head)
        base = default if default.is_dir() else default.parent
        for candidate in (named, base / head):
            if candidate.is_file():
                return candidate, rest
    return default, message


# -- finding the line a data message is about --------------------------------------------


def _locate(path: Path, message: str) -> int | None:
    if at := re.search(r"\bat line (\d+)", message):
        return int(at.group(1))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    quoted = [m.group(2) for m in re.finditer(r"(['\"])([^'\"\s]+)\1", message)]
    # "line 3 ('vampire_thirst'): field 'text' ...", "beat 'the_ledger': field ...": the
    # first quoted name that is some table's id says which table; a later one, its field.
    for i, token in enumerate(quoted):
        found = _table_field_line(lines, token, quoted[i + 1 :])
        if found is not None:
            return found
    dotted = message.split(": ", 1)[0]
    if re.fullmatch(r"[A-Za-z_]\w*(\[\d+\])?(\.[A-Za-z_]\w*(\[\d+\])?)*", dotted):
        found = _path_line(lines, dotted, json=path.suffix == ".json")
        if found is not None:
            return found
    for token in quoted:
        hits = [i for i, text in enumerate(lines) if _is_key(text, token)]
        if len(hits) == 1:
            return hits[0] + 1
    return None


def _is_key(text: str, key: str) -> bool:
    pattern = rf'^\s*{re.escape(key)}\s*=|"{re.escape(key)}"\s*:'
    return re.search(pattern, text) is not None


def _table_field_line(lines: list[str], table_id: str, quoted: list[str]) -> int | None:
    """The line of the field a message names, inside the TOML table whose id it names."""
    pattern = re.compile(rf"\s*id\s*=\s*[\"']{re.escape(table_id)}[\"']")
    id_line = next((i for i, text in enumerate(lines) if pattern.match(text)), None)
    if id_line is None:
        return None
    start = next((i for i in range(id_line, -1, -1) if lines[i].lstrip().startswith("[")), 0)
    end = next(
        (i for i in range(id_line + 1, len(lines)) if lines[i].lstrip().startswith("[")),
        len(lines),
    )
    for token in quoted:
        hits = [i for i in range(start, end) if re.match(rf"\s*{re.escape(token)}\s*=", lines[i])]
        if len(hits) == 1:
            return hits[0] + 1
    return id_line + 1


def _path_line(lines: list[str], dotted: str, *, json: bool) -> int | None:
    """The line of ``a.b[2].c``: each key searched from where the previous one was found;
    ``[n]`` skips to the n-th (from 0) occurrence of the next key (or TOML table)."""
    position, skip = 0, 0
    for key, index in re.findall(r"([A-Za-z_]\w*)(?:\[(\d+)\])?", dotted):
        if json:
            pattern = rf'"{re.escape(key)}"\s*:'
        elif index:
            pattern = rf"^\s*\[\[{re.escape(key)}\]\]"
        else:
            pattern = rf"^\s*{re.escape(key)}\s*="
        hits = [i for i in range(position, len(lines)) if re.search(pattern, lines[i])]
        target = int(index) if index and not json else skip
        if len(hits) <= target:
            return None
        position = hits[target]
        skip = int(index) if index and json else 0
    return position + 1


def _key_line(path: Path, key: str, value: str) -> int | None:
    """The line of ``key = "value"`` in a TOML file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    pattern = re.compile(rf"\s*{re.escape(key)}\s*=\s*[\"']{re.escape(value)}[\"']")
    return next((i + 1 for i, text in enumerate(lines) if pattern.match(text)), None)


# -- scripts ----------------------------------------------------------------------------


@dataclass
class _Script:
    """One script that compiled and imported."""

    path: Path
    module: ModuleType
    tree: ast.Module


@dataclass(frozen=True)
class _Claim:
    owner: str
    where: str


def _check_scripts(
    paths: list[Path], content: _Content, report: Report, timeout: float
) -> set[str]:
    """Check each script; returns the NPC kinds they define. What can be read from the
    source is checked here; what needs the script's code run, in the checker process."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += [p for p in sorted(path.glob("*.py")) if not p.name.startswith("_")]
            _check_nested_scripts(path, report)
        elif path.is_file():
            files.append(path)
        else:
            report.add(path, None, "no such script folder or file", code="no-such-script")
    seen: dict[str, Path] = {}
    readable = []
    for path in files:
        if path.stem in seen:
            report.add(
                path,
                1,
                f"another script is also named {path.name} ({_shown(seen[path.stem])}); the "
                f"runtime loads both as npc_scripts.{path.stem} and keeps only the last",
                code="duplicate-script-name",
            )
        seen[path.stem] = path
        if _read_script(path, report) is not None:
            readable.append(path)
    kinds = _run_checker(readable, content, timeout, report)
    report.checked[:0] = [_plural(len(files), "script"), _plural(len(kinds), "NPC kind")]
    return kinds


def _check_nested_scripts(folder: Path, report: Report) -> None:
    """The runtime loads ``DIR/*.py`` only: a script in a subfolder never runs. Files and
    folders named ``_*`` or ``.*`` are kept out on purpose (as ``_*.py`` is beside the
    scripts) and are left alone."""
    for path in sorted(folder.rglob("*.py")):
        inner = path.relative_to(folder).parts
        if len(inner) == 1 or any(part.startswith(("_", ".")) for part in inner):
            continue
        report.add(
            path,
            None,
            f"not loaded by the runtime: scripts must be directly in {_shown(folder)}/ "
            "(the runtime loads no subfolder); move it there, or name the file or its "
            "folder _* to keep it out on purpose",
            code="not-loaded",
        )


def _read_script(path: Path, report: Report) -> ast.Module | None:
    """The script's syntax tree, read from its bytes as the runtime compiles them (a
    coding cookie and a UTF-8 BOM are honoured), with its syntax errors, compiler
    warnings and imports the runtime would refuse reported; None if it does not compile."""
    try:
        source = path.read_bytes()
    except OSError as exc:
        report.add(path, None, f"cannot read: {exc}", code="unreadable")
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            tree = ast.parse(source, str(path))
            compile(tree, str(path), "exec", dont_inherit=True)
        except SyntaxError as exc:
            report.add(path, exc.lineno, f"{type(exc).__name__}: {exc.msg}", code="syntax")
            return None
        except ValueError as exc:  # a NUL byte in the source
            report.add(path, 1, f"SyntaxError: {exc}", code="syntax")
            return None
    for warning in caught:
        report.add(
            path, warning.lineno, f"{warning.category.__name__}: {warning.message}", code="warning"
        )
    for refused in find_forbidden_imports(tree):
        report.add(path, refused.line, refused.reason, code="forbidden-import")
    return tree


# -- the checker process ----------------------------------------------------------------

_STARTUP_S = 60.0
"""The checker process's own start (Python, numpy) is not a script's time; it gets this
long, a machine busy building being slow, not stuck."""


@dataclass
class _Outcome:
    """How one checker process ended."""

    result: dict[str, Any] | None  # its answer, when it gave one
    at: Path | None  # the script whose code it was running last
    stage: str  # "load" or "check"
    returncode: int | None  # None: killed after the timeout
    line: int | None = None  # where in that script it was stuck, when it could say


def _run_checker(files: list[Path], content: _Content, timeout: float, report: Report) -> set[str]:
    """Run the scripts' code in checker processes: a script that hangs or ends its process
    is reported at its file and left out, and the others are checked in a new one."""
    remaining = list(files)
    while remaining:
        outcome = _run_checker_once(remaining, content, timeout)
        if outcome.result is not None and outcome.returncode == 0:
            for path, line, message, code in outcome.result["problems"]:
                report.problems.append(Problem(path, line, message, code))
            return set(outcome.result["kinds"])
        how = _how_it_ended(outcome.returncode, timeout)
        if outcome.at is None or outcome.at not in remaining:
            report.add(
                remaining[0],
                None,
                f"the script checker process {how} before it ran a script; scripts not checked",
                code="checker-failed",
            )
            return set()
        loading = outcome.stage == "load"
        doing = "loading this script" if loading else "checking its classes"
        if outcome.returncode is None:
            likely = (
                "a loop at its top level, or a blocking call?"
                if loading
                else "code that runs when a class is read: a metaclass, a descriptor?"
            )
            report.add(
                outcome.at,
                outcome.line,
                f"timed out after {timeout:g} s while {doing} ({likely}); the game would "
                "freeze the same way",
                code="load-timeout",
            )
        else:
            report.add(
                outcome.at,
                None,
                f"{doing} ended the process ({how}); the game would end the same way",
                code="load-ended-process",
            )
        remaining.remove(outcome.at)
    return set()


def _how_it_ended(returncode: int | None, timeout: float) -> str:
    if returncode is None:
        return f"timed out after {timeout:g} s"
    if returncode < 0:
        with contextlib.suppress(ValueError):
            return f"killed by signal {signal.Signals(-returncode).name}"
        return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def _run_checker_once(files: list[Path], content: _Content, timeout: float) -> _Outcome:
    from engine_bridge.tooling.cli.commands import _script_checker

    request = json.dumps({"scripts": [str(f) for f in files], "content": content.to_json()})
    process = subprocess.Popen(
        [sys.executable, "-B", "-m", _script_checker.__name__],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    # stdin stays open: on a timeout, a line on it asks the checker where it is stuck.
    with contextlib.suppress(OSError):  # it ended first: told by its exit code
        process.stdin.write(request.encode() + b"\n")
        process.stdin.flush()
    lines: queue.Queue[bytes | None] = queue.Queue()
    # A thread, not select(): pipes cannot be polled on Windows, where designers work too.
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    at: Path | None = None
    stage, result, wait_s = "load", None, max(_STARTUP_S, timeout)
    try:
        while True:
            try:
                raw = lines.get(timeout=wait_s)
            except queue.Empty:
                line = _ask_where_stuck(process.stdin, lines)
                process.kill()
                process.wait()
                return _Outcome(None, at, stage, None, line)
            if raw is None:
                break
            try:
                message = json.loads(raw)
            except ValueError:
                break  # not the checker speaking: ended abnormally
            if "at" in message:
                at, stage, wait_s = Path(message["at"]), message["stage"], timeout
            elif "problems" in message:
                result = message
        try:
            returncode = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:  # it closed its output but lives on
            process.kill()
            process.wait()
            return _Outcome(None, at, stage, None)
        return _Outcome(result, at, stage, returncode)
    finally:
        with contextlib.suppress(OSError):
            process.stdin.close()


_ANSWER_S = 2.0
"""How long a stuck checker has to say where: its watchdog thread needs the GIL, which a
script looping in Python code gives up every few milliseconds (and one blocked inside a
single C call never does: then the line is unknown)."""


def _ask_where_stuck(control: Any, lines: queue.Queue[bytes | None]) -> int | None:
    """The line of the script the checker's main thread is running, if it can say."""
    try:
        control.write(b"where\n")
        control.flush()
    except OSError:
        return None
    while True:
        try:
            raw = lines.get(timeout=_ANSWER_S)
        except queue.Empty:
            return None
        if raw is None:
            return None
        with contextlib.suppress(ValueError):
            message = json.loads(raw)
            if "stuck" in message:
                line = message["stuck"]
                return line if isinstance(line, int) else None


def _read_lines(stream: Any, lines: queue.Queue[bytes | None]) -> None:
    with stream:
        for raw in stream:
            lines.put(raw)
    lines.put(None)


def check_in_this_process(
    paths: list[Path], content: _Content, emit: Callable[[Path, str], None]
) -> tuple[list[Problem], set[str]]:
    """The checker process's part: import each script as the runtime does and check its
    classes. ``emit(path, stage)`` is called before each script's code runs, so that the
    parent knows which script to blame when this process hangs or ends."""
    report = Report()
    scripts = []
    for path in paths:
        emit(path, "load")
        module = _import_script(path, report)
        if module is not None:
            scripts.append(_Script(path, module, ast.parse(path.read_bytes(), str(path))))
    classes = [(s.path, cls, _class_node(s.tree, cls)) for s in scripts for cls in _classes(s)]
    nodes = {cls: node for _, cls, node in classes}
    claims: dict[str, _Claim] = {}
    for script in scripts:
        emit(script.path, "check")
        _check_plain_classes(script, report)
        for path, cls, node in classes:
            if path == script.path:
                _check_class(path, cls, node, nodes, content, claims, report)
    return report.problems, set(claims)


def _import_script(path: Path, report: Report) -> ModuleType | None:
    """Import as :class:`engine_bridge.scripting.script_host.ScriptHost` does: a fresh module
    ``npc_scripts.<stem>`` run by the runtime's own loader, with the import allow-list,
    no handler called."""
    from engine_bridge.scripting.script_host import _run_source  # the runtime's way, not a copy

    name = f"npc_scripts.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None:
        report.add(path, None, "cannot be imported as a Python module", code="unimportable")
        return None
    module = importlib.util.module_from_spec(spec)
    try:
        _run_source(module, path)
    except (Exception, SystemExit, KeyboardInterrupt) as exc:
        line = next(
            (
                frame.lineno
                for frame in reversed(traceback.extract_tb(exc.__traceback__))
                if Path(frame.filename).resolve() == path.resolve()
            ),
            1,
        )
        if isinstance(exc, ForbiddenImportError) and exc.name:
            report.add(path, line, refusal(exc.name), code="forbidden-import")
        else:
            message = f"import failed: {type(exc).__name__}: {exc}"
            report.add(path, line, message, code="import-failed")
        return None
    sys.modules[name] = module  # as the runtime does, once it has loaded
    on_frame = getattr(module, "on_frame", None)
    if callable(on_frame) and not _accepts(on_frame, 3):
        report.add(
            path,
            _first_line(on_frame),
            f"on_frame{_signature(on_frame)} takes the wrong parameters: the runtime calls "
            "on_frame(runtime, dt, events) once a frame",
            code="hook-parameters",
        )
    return module


def _classes(script: _Script) -> list[type[Npc]]:
    """The Npc classes a script defines (with a kind or not), in source order."""
    module = script.module
    found = [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, Npc)
        and obj is not Npc
        and obj.__module__ == module.__name__
    ]
    return sorted(found, key=lambda cls: _member_line(_class_node(script.tree, cls), None))


def _check_plain_classes(script: _Script, report: Report) -> None:
    """A class with a ``kind`` and handlers that forgot to subclass ``Npc``: the engine
    never sees it, and nothing else would say so."""
    module = script.module
    for obj in list(vars(module).values()):
        if not inspect.isclass(obj) or issubclass(obj, Npc) or obj.__module__ != module.__name__:
            continue
        own = vars(obj)
        handlers = sorted(h for h in HANDLERS if h in own)
        if isinstance(own.get("kind"), str) and handlers:
            node = _class_node(script.tree, obj)
            report.add(
                script.path,
                _member_line(node, None),
                f"{obj.__name__} has a kind and handlers ({', '.join(handlers)}) but does not "
                f"subclass Npc, so the engine never spawns it: class {obj.__name__}(Npc)",
                code="not-an-npc",
            )


def _check_class(
    path: Path,
    cls: type[Npc],
    node: ast.ClassDef | None,
    nodes: dict[type[Npc], ast.ClassDef | None],
    content: _Content,
    claims: dict[str, _Claim],
    report: Report,
) -> None:
    """``nodes``: every class checked, with its ``class`` statement (None if made at run
    time); base classes and subclasses of ``cls`` among them are taken into account."""
    name = cls.__name__

    def line_of(member: str) -> int:
        return _member_line(node, member)

    others = [c for c in nodes if c is not cls]
    _check_kind(path, cls, others, line_of("kind"), claims, report)
    archetype = cls.archetype
    known = content.archetypes
    if known is not None and archetype is not None and archetype not in known:
        report.add(
            path,
            line_of("archetype"),
            f"{name}.archetype {archetype!r} is not a voice archetype; use one of "
            f"{', '.join(known)}, or None for a human voice",
            code="unknown-archetype",
        )
    rate = cls.decision_rate
    if (
        isinstance(rate, bool)
        or not isinstance(rate, int | float)
        or not (math.isfinite(rate) and 0 < rate <= MAX_DECISION_RATE)
    ):
        report.add(
            path,
            line_of("decision_rate"),
            f"{name}.decision_rate must be on_tick calls per second, above 0 and at most "
            f"{MAX_DECISION_RATE:g} (the frame rate); got {rate!r}",
            code="bad-decision-rate",
        )
    _check_handlers(path, cls, node, nodes, report)
    if node is not None:
        _check_methods(path, cls, node, nodes, content, report)


def _check_kind(
    path: Path,
    cls: type[Npc],
    others: list[type[Npc]],
    line: int,
    claims: dict[str, _Claim],
    report: Report,
) -> None:
    kind, name = cls.kind, cls.__name__
    if not isinstance(kind, str):
        report.add(path, line, f"{name}.kind must be a string, got {kind!r}", code="bad-kind")
        return
    if not kind:
        # A base class other NPC classes extend needs no kind of its own.
        if not any(issubclass(other, cls) for other in others):
            report.add(
                path,
                line,
                f'{name} has no kind: set kind = "..." (the name the engine spawns it by); '
                "without one the engine never uses this class",
                code="no-kind",
            )
        return
    claim = claims.get(kind)
    if claim is not None:
        report.add(
            path,
            line,
            f"{name} claims kind {kind!r}, already claimed by {claim.owner} ({claim.where}); "
            "the engine would use only one of them",
            code="duplicate-kind",
        )
        return
    claims[kind] = _Claim(name, f"{_shown(path)}:{line}")


def _check_handlers(
    path: Path,
    cls: type[Npc],
    node: ast.ClassDef | None,
    nodes: dict[type[Npc], ast.ClassDef | None],
    report: Report,
) -> None:
    for handler, arguments in HANDLERS.items():
        owner = next(k for k in cls.__mro__ if handler in vars(k))
        if owner is Npc or (owner is not cls and owner in nodes):
            continue  # the API's own, or reported where the checked base class defines it
        value = vars(owner)[handler]
        expected = f"{handler}({', '.join(('self', *arguments))})"
        where = f"{cls.__name__}.{handler}"
        line = _member_line(node, handler)
        if isinstance(value, staticmethod | classmethod) or not inspect.isfunction(value):
            report.add(
                path, line, f"{where} must be a method: def {expected}", code="handler-not-a-method"
            )
        elif inspect.iscoroutinefunction(value) or inspect.isasyncgenfunction(value):
            report.add(
                path,
                line,
                f"{where} is async: the engine calls {expected} and never awaits it, so its "
                "body would never run",
                code="handler-async",
            )
        elif inspect.isgeneratorfunction(value):
            report.add(
                path,
                line,
                f"{where} is a generator (it yields): the engine calls {expected} and never "
                "iterates it, so its body would never run",
                code="handler-generator",
            )
        elif not _accepts(value, 1 + len(arguments)):
            report.add(
                path,
                line,
                f"{where}{_signature(value)} takes the wrong parameters: the engine calls "
                f"{expected}",
                code="handler-parameters",
            )
    if "__init__" in vars(cls):
        report.add(
            path,
            _member_line(node, "__init__"),
            f"{cls.__name__}.__init__ is never called: the engine creates NPCs without it; "
            "set up state in on_spawn",
            code="init-never-called",
        )


def _check_methods(
    path: Path,
    cls: type[Npc],
    node: ast.ClassDef,
    nodes: dict[type[Npc], ast.ClassDef | None],
    content: _Content,
    report: Report,
) -> None:
    uses = _SelfUses.of(node)
    _check_handler_names(path, cls, node, uses, report)
    if not uses.dynamic and not _has_custom_getattr(cls):
        # What the class, its bases and its subclasses (a base may call a method each kind
        # defines) define, or set on self (self.x = ... in on_spawn), exists when read.
        relatives = [
            (other, other_node)
            for other, other_node in nodes.items()
            if issubclass(other, cls) or issubclass(cls, other)
        ]
        known = _known_attributes(cls)
        for other, other_node in relatives:
            known |= _known_attributes(other)
            if other_node is not None:
                known |= _SelfUses.of(other_node).stores
        _check_self_attributes(path, cls, uses, known, report)
    for method, call in uses.calls:
        _check_call_arguments(path, cls, method, call, report)
        if method == "say":
            _check_say(path, call, content, report)
        elif method == "speak":
            _check_speak(path, cls, call, content, report)
        elif method == "after":
            _check_after(path, cls, call, report)


def _method(cls: type, name: str) -> tuple[Callable[..., Any], bool] | None:
    """The plain Python function ``self.<name>`` calls, and whether ``self`` (or the class)
    is passed to it first; None for a property, a builtin, or what is not there."""
    try:
        value = inspect.getattr_static(cls, name)
    except AttributeError:
        return None
    if isinstance(value, staticmethod):
        value, bound = value.__func__, False
    elif isinstance(value, classmethod):
        value, bound = value.__func__, True
    else:
        bound = True
    return (value, bound) if inspect.isfunction(value) else None


def _binding_error(
    function: Callable[..., Any], bound: bool, positional: int, keywords: list[str]
) -> str | None:
    """Why calling ``function`` with that many arguments fails, or None if it fits."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*([None] * (int(bound) + positional)), **dict.fromkeys(keywords))
    except TypeError as exc:
        return str(exc)
    return None


def _check_call_arguments(
    path: Path, cls: type[Npc], method: str, call: ast.Call, report: Report
) -> None:
    """``self.say()``, ``self.move_to(1, 2, 3, 4, 5)``: a call that does not fit the
    action's (or the class's own method's) signature raises TypeError when it runs."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        return  # f(*args) or f(**options): the count is not in the source
    found = _method(cls, method)
    if found is None:
        return
    function, bound = found
    keywords = [k.arg for k in call.keywords if k.arg is not None]
    error = _binding_error(function, bound, len(call.args), keywords)
    if error is not None:
        report.add(
            path,
            call.lineno,
            f"self.{method}(...) does not fit {method}{_signature(function)}: {error}",
            code="api-arguments",
        )


def _check_after(path: Path, cls: type[Npc], call: ast.Call, report: Report) -> None:
    """``self.after(seconds, fn, *args)``: a delay that is a negative number (refused
    when it runs) and a callback that cannot take the arguments given (a TypeError when
    it fires, long after the line that scheduled it)."""
    seconds = _argument(call, 0, "seconds")
    delay = _number(seconds)
    if seconds is not None and delay is not None and delay < 0:
        report.add(
            path,
            seconds.lineno,
            f"self.after({delay:g}, ...): a timer cannot fire in the past; the delay is "
            "in seconds from now, 0 or more",
            code="timer-negative-delay",
        )
    callback = _argument(call, 1, "fn")
    extra = call.args[2:]
    if callback is None or any(isinstance(a, ast.Starred) for a in extra):
        return
    error: str | None = None
    shown = ast.unparse(callback)
    if isinstance(callback, ast.Lambda):
        error = _lambda_error(callback, len(extra))
    elif isinstance(callback, ast.Attribute) and isinstance(callback.value, ast.Name):
        found = _method(cls, callback.attr) if callback.value.id in _self_names(call) else None
        if found is not None:
            error = _binding_error(found[0], found[1], len(extra), [])
            shown = f"{shown}{_signature(found[0])}"
    elif isinstance(callback, ast.Name):
        # A function of the script's own module (a local of that name would shadow it, but
        # naming a local after a module function is rare enough to read the module's).
        value = getattr(sys.modules.get(cls.__module__), callback.id, None)
        if inspect.isfunction(value):
            error = _binding_error(value, False, len(extra), [])
            shown = f"{callback.id}{_signature(value)}"
    if error is not None:
        given = _plural(len(extra), "argument")
        report.add(
            path,
            call.lineno,
            f"self.after(...) will call {shown} with {given} and fail: {error}",
            code="timer-callback-arguments",
        )


def _self_names(call: ast.Call) -> set[str]:
    """The name ``self.after`` was called on: its callback ``<that>.cb`` is a method."""
    function = call.func
    if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
        return {function.value.id}
    return set()


def _number(node: ast.expr | None) -> float | None:
    """The value of a number literal, ``-1`` included."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _number(node.operand)
        if inner is None:
            return None
        return -inner if isinstance(node.op, ast.USub) else inner
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        return float(node.value)
    return None


def _lambda_error(function: ast.Lambda, given: int) -> str | None:
    arguments = function.args
    positional = arguments.posonlyargs + arguments.args
    required = len(positional) - len(arguments.defaults)
    required_keywords = [
        a.arg
        for a, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
        if default is None
    ]
    if required_keywords:
        return f"missing a required keyword-only argument: {required_keywords[0]!r}"
    if given < required:
        return f"the lambda needs {_plural(required, 'argument')}"
    if given > len(positional) and arguments.vararg is None:
        return f"the lambda takes {_plural(len(positional), 'argument')}"
    return None


def _check_self_attributes(
    path: Path, cls: type[Npc], uses: _SelfUses, known: set[str], report: Report
) -> None:
    """``self.mvoe_to(...)``: a typo the runtime would only find when the line runs."""
    reported: set[str] = set()
    for attribute, line, called in uses.loads:
        if attribute in known or attribute in reported:
            continue
        reported.add(attribute)
        closest = _closest(attribute, {k for k in known if not k.startswith("__")})
        hint = f"; did you mean self.{closest}?" if closest else ""
        if called:
            message = f"self.{attribute}(...) is neither an Npc action nor a method of"
        else:
            message = (
                f"self.{attribute} is neither an Npc attribute nor set (self.{attribute} = ...) in"
            )
        report.add(path, line, f"{message} {cls.__name__}{hint}", code="unknown-attribute")


def _check_handler_names(
    path: Path, cls: type[Npc], node: ast.ClassDef, uses: _SelfUses, report: Report
) -> None:
    """A method named almost like a handler (``on_tik``) is never called by the engine."""
    used = {attribute for attribute, _, _ in uses.loads}
    for item in node.body:
        if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if item.name in HANDLERS or hasattr(Npc, item.name) or item.name in used:
            continue
        match = difflib.get_close_matches(item.name, HANDLERS, n=1, cutoff=0.8)
        if match:
            report.add(
                path,
                item.lineno,
                f"{cls.__name__}.{item.name} is not a handler the engine calls; did you mean "
                f"{match[0]}?",
                code="handler-typo",
            )


def _check_say(path: Path, call: ast.Call, content: _Content, report: Report) -> None:
    if content.line_ids is None:
        return
    for text, line in _strings(_argument(call, 0, "line")):
        if _LINE_ID.fullmatch(text) and text not in content.line_ids:
            manifest = _shown(content.manifest) if content.manifest else "the manifest"
            report.add(
                path,
                line,
                f"self.say({text!r}) looks like a voice line id, but {manifest} has no such "
                f"line (it would be spoken as the text {text!r})"
                f"{_did_you_mean(text, content.line_ids)}",
                code="unknown-line-id",
            )


def _check_speak(
    path: Path, cls: type[Npc], call: ast.Call, content: _Content, report: Report
) -> None:
    tables, kind = content.topics, cls.kind
    if tables is None or not isinstance(kind, str) or not kind:
        return
    for topic, line in _strings(_argument(call, 0, "topic")):
        if kind not in tables:
            report.add(
                path,
                line,
                f"self.speak({topic!r}): kind {kind!r} has no dialogue table "
                f"(dialogue/{kind}.toml), so no line can be found",
                code="no-dialogue-table",
            )
        elif topic not in (topics := tables[kind]):
            report.add(
                path,
                line,
                f"self.speak({topic!r}): the {kind} dialogue table has no line on topic "
                f"{topic!r} (topics: {', '.join(sorted(topics))})"
                f"{_did_you_mean(topic, topics)}",
                code="unknown-topic",
            )


class _SelfUses(ast.NodeVisitor):
    """What the methods of one class body do with their ``self``."""

    def __init__(self) -> None:
        self.loads: list[tuple[str, int, bool]] = []  # (attribute, line, called)
        self.stores: set[str] = set()
        self.calls: list[tuple[str, ast.Call]] = []  # self.<method>(...) calls
        self.dynamic = False  # setattr(self, <expression>), vars(self), self.__dict__
        self._self: str | None = None
        self._called: set[int] = set()

    @classmethod
    def of(cls, node: ast.ClassDef) -> _SelfUses:
        uses = cls()
        for item in node.body:
            if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            decorators = {d.id for d in item.decorator_list if isinstance(d, ast.Name)}
            parameters = item.args.posonlyargs + item.args.args
            if decorators & {"staticmethod", "classmethod"} or not parameters:
                continue
            uses._self = parameters[0].arg
            for statement in item.body:
                uses.visit(statement)
        return uses

    def _is_self(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id == self._self

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if self._is_self(node.value):
            if isinstance(node.ctx, ast.Load):
                if node.attr == "__dict__":
                    self.dynamic = True
                self.loads.append((node.attr, node.lineno, id(node) in self._called))
            else:
                self.stores.add(node.attr)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        if isinstance(function, ast.Attribute) and self._is_self(function.value):
            self._called.add(id(function))
            self.calls.append((function.attr, node))
        elif isinstance(function, ast.Name) and node.args and self._is_self(node.args[0]):
            if function.id == "vars":
                self.dynamic = True
            elif function.id in ("setattr", "getattr", "hasattr", "delattr"):
                name = node.args[1] if len(node.args) > 1 else None
                if isinstance(name, ast.Constant) and isinstance(name.value, str):
                    self.stores.add(name.value)  # guarded or set by name: known to exist
                elif function.id == "setattr":
                    self.dynamic = True
        self.generic_visit(node)

    def _visit_scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        arguments = node.args
        names = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
        if self._self not in names:  # a parameter named like self hides it
            self.generic_visit(node)

    visit_FunctionDef = _visit_scope  # noqa: N815 -- ast.NodeVisitor's naming
    visit_AsyncFunctionDef = _visit_scope  # noqa: N815
    visit_Lambda = _visit_scope  # noqa: N815


def _known_attributes(cls: type[Npc]) -> set[str]:
    """Everything the class and the Npc API define, annotations (``slot: int``) included."""
    known = set(dir(cls))
    for klass in cls.__mro__:
        known |= set(vars(klass).get("__annotations__", {}))
    return known


def _has_custom_getattr(cls: type[Npc]) -> bool:
    return any(
        name in vars(klass)
        for klass in cls.__mro__
        if klass is not object
        for name in ("__getattr__", "__getattribute__")
    )


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _strings(node: ast.expr | None) -> Iterator[tuple[str, int]]:
    """The string constants an argument can be: ``"a"``, ``"a" if c else "b"``, ``x or "a"``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value, node.lineno
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _strings(value)


def _class_node(tree: ast.Module, cls: type) -> ast.ClassDef | None:
    """The (last, so the bound) top-level ``class`` statement of ``cls`` in a script."""
    nodes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls.__name__]
    return nodes[-1] if nodes else None


def _member_line(node: ast.ClassDef | None, name: str | None) -> int:
    """The line that (last) binds ``name`` in a class body, else the ``class`` line."""
    if node is None:
        return 1
    line = node.lineno
    for item in node.body if name else ():
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
            bound = [item.name]
        elif isinstance(item, ast.Assign):
            bound = [t.id for t in item.targets if isinstance(t, ast.Name)]
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            bound = [item.target.id]
        else:
            bound = []
        if name in bound:
            line = item.lineno
    return line


def _accepts(function: Callable[..., Any], count: int) -> bool:
    """Whether ``function`` can be called with ``count`` positional arguments."""
    try:
        inspect.signature(function).bind(*([None] * count))
    except TypeError:
        return False
    except ValueError:  # no signature to read (a builtin): give it the benefit of the doubt
        return True
    return True


def _signature(function: Callable[..., Any]) -> str:
    try:
        signature = inspect.signature(function)
        return str(signature.replace(return_annotation=inspect.Signature.empty))
    except (TypeError, ValueError):
        return "(...)"


def _first_line(obj: Any) -> int:
    if isinstance(obj, staticmethod | classmethod):
        obj = obj.__func__
    code = getattr(obj, "__code__", None)
    if code is not None:
        return int(code.co_firstlineno)
    with contextlib.suppress(TypeError, OSError):
        return inspect.getsourcelines(obj)[1]
    return 1


# -- shared -----------------------------------------------------------------------------


def _closest(word: str, candidates: Any) -> str | None:
    match = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.75)
    return match[0] if match else None


def _did_you_mean(word: str, candidates: Any) -> str:
    closest = _closest(word, candidates)
    return f"; did you mean {closest!r}?" if closest else ""


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def _shown(path: Path | str) -> str:
    """A path as the user will click it: relative to the working folder when inside it."""
    absolute = Path(path).absolute()
    with contextlib.suppress(ValueError):
        return str(absolute.relative_to(Path.cwd()))
    return str(absolute)


def _repo_root() -> Path:
    import engine_bridge

    return Path(engine_bridge.__file__).resolve().parents[1]


@contextlib.contextmanager
def _content_at(root: Path) -> Iterator[None]:
    """Point :mod:`vocal.content` (archetype and environment names) at ``root``."""
    before = os.environ.get("AICORE_CONTENT")
    os.environ["AICORE_CONTENT"] = str(root.absolute())
    try:
        yield
    finally:
        if before is None:
            del os.environ["AICORE_CONTENT"]
        else:
            os.environ["AICORE_CONTENT"] = before


@contextlib.contextmanager
def _no_bytecode_files() -> Iterator[None]:
    """Importing a script must not leave ``__pycache__`` in the designer's folder."""
    before = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        yield
    finally:
        sys.dont_write_bytecode = before
