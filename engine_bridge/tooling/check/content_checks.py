"""The content half of ``aicore check``: every content file read by the loader the game
uses (voice presets, the voice-line manifest, story, dialogue, lore, scenes), each
problem reported at its file and, from the loader's structured error, its line."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

from engine_bridge.content.layers import ContentError
from engine_bridge.tooling.check.content_facts import ContentFacts
from engine_bridge.tooling.check.locations import field_line, key_line
from engine_bridge.tooling.check.report import Problem, Report, plural, shown
from engine_bridge.tooling.check.suggestions import did_you_mean

__all__ = ["check_content", "check_kinds_have_scripts"]


def check_content(roots: list[Path], report: Report) -> ContentFacts:
    """Check the content of ``roots`` (layered as the game layers them); returns what the
    script checks need to know of it."""
    content = ContentFacts()
    missing = [root for root in roots if not root.is_dir()]
    for root in missing:
        report.add(root, None, "no such content folder", code="no-content-folder")
    if missing:
        return content
    presets_ok = True
    for root in roots:
        if (root / "vocal").is_dir():
            _check_voice_presets(root, content, report)
    presets_ok = report.ok
    _check_voice_lines(roots, content, report)
    _check_story(roots, content, report)
    _check_dialogue(roots, content, report)
    _check_lore(roots, content, report)
    _check_model_manifests(roots, content, report)
    if presets_ok:
        for root in roots:
            _check_scenes(root, content, report)
    else:
        report.notes.append("scenes not checked: the voice presets they use have problems")
    return content


def _check_voice_presets(root: Path, content: ContentFacts, report: Report) -> None:
    from vocal.content import archetype_preset, archetypes, environment_preset, environments

    folder = root / "vocal" / "archetypes"
    if folder.is_dir():
        names = archetypes(root=root)
        content.archetypes = sorted({*(content.archetypes or []), *names})
        for name in names:
            _load(report, folder / f"{name}.json", partial(archetype_preset, name, root=root))
        report.checked.append(plural(len(names), "archetype"))
    else:
        report.notes.append(f"{shown(folder)}: missing; archetypes not checked")
    rooms = root / "vocal" / "environments.json"
    if rooms.is_file():
        names = _load(report, rooms, partial(environments, root=root))
        for name in names or ():
            _load(report, rooms, partial(environment_preset, name, root=root))
        if names is not None:
            report.checked.append(plural(len(names), "environment"))
    else:
        report.notes.append(f"{shown(rooms)}: missing; environments not checked")


def _check_voice_lines(roots: list[Path], content: ContentFacts, report: Report) -> None:
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
                report.add(manifest, key_line(manifest, "id", line.id), str(exc), code="content")
        merged.update({line.id: line for line in lines})  # merged by line id, later wins
    if content.manifest is None:
        report.notes.append(f"{MANIFEST_PATH}: missing; voice lines not checked")
        return
    content.line_ids = frozenset(merged)
    report.checked.append(plural(len(merged), "voice line"))


def _check_story(roots: list[Path], content: ContentFacts, report: Report) -> None:
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
    report.checked.append(plural(len(book.stories), "story", "stories"))


def _check_model_manifests(roots: list[Path], content: ContentFacts, report: Report) -> None:
    """The models' manifests (not their files: ``aicore models verify`` loads those), so
    that a kind naming a model no manifest declares is caught before the game runs."""
    from engine_bridge.models.manifest import FOLDER, MANIFEST, layered_manifest

    if not any((root / FOLDER / MANIFEST).is_file() for root in roots):
        report.notes.append(f"{FOLDER}/{MANIFEST}: missing; the kinds' models not checked")
        return
    entries, errors = layered_manifest(roots)
    _report_content_errors(errors, report)
    content.models = sorted(entries)
    report.checked.append(plural(len(entries), "model"))


def _check_dialogue(roots: list[Path], content: ContentFacts, report: Report) -> None:
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
    report.checked.append(plural(len(tables.kinds()), "dialogue table"))


def _check_lore(roots: list[Path], content: ContentFacts, report: Report) -> None:
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
    report.checked.append(plural(len(loaded), "lore file"))


def _folders(roots: list[Path], folder: str) -> str:
    return ", ".join(shown(root / folder) for root in roots)


def _report_content_errors(errors: Sequence[ContentError], report: Report) -> None:
    """Each file a loader left out, from its structured error."""
    report.problems.extend(content_problem(error) for error in errors)


def content_problem(error: ContentError) -> Problem:
    """A content error as a problem, from its fields alone (never its message): its line
    when the loader knew it, else where its table and field are in the file."""
    line = error.line
    if line is None:
        line = field_line(error.file, error.field, error.table_id)
    return Problem(shown(error.file), line, error.reason)


def check_kinds_have_scripts(content: ContentFacts, kinds: set[str], report: Report) -> None:
    """Content written for a kind no checked script defines is not an error (the kind's
    script may be in a folder not checked), but worth a note: it is often a typo."""
    for system, named in content.kinds_named.items():
        for path, kind in sorted(named):
            if kind not in kinds:
                report.notes.append(
                    f"{shown(path)}: {system} names kind {kind!r}, which no checked script defines"
                )


def _check_scenes(root: Path, content: ContentFacts, report: Report) -> None:
    from vocal.scene import load_scene

    files = sorted((root / "vocal" / "scenes").glob("*.toml"))
    for path in files:
        scene = _load(report, path, load_scene, path, root)
        if scene is None or content.line_ids is None:
            continue
        for npc in scene.npcs:
            if npc.line is not None and npc.line not in content.line_ids:
                report.add(
                    path,
                    key_line(path, "line", npc.line),
                    f"{npc.name}: line {npc.line!r} is not in the voice-line manifest"
                    f"{did_you_mean(npc.line, content.line_ids)}",
                    code="unknown-line-id",
                )
    if files:
        report.checked.append(plural(len(files), "scene"))


def _optional_module(name: str, what: str, report: Report) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        report.notes.append(f"{name} is not available ({exc}); {what} not checked")
        return None


def _load(report: Report, path: Path, loader: Callable[..., Any], *args: Any) -> Any:
    """``loader(*args)`` reading ``path``, or None with its error reported: at the place
    its fields give when it is structured, else against ``path`` as a whole."""
    try:
        return loader(*args)
    except Exception as exc:  # a loader must never take the check down with it
        report.problems.append(loader_problem(exc, path))
        return None


def loader_problem(exc: Exception, path: Path) -> Problem:
    """A loader's error reading ``path`` as a problem, from its fields, never its message.

    :class:`ContentError` and the errors shaped like it (the native preset loader's
    ``PresetError``: ``reason``, ``field``, ``line``) give their field and line; the
    file is ``path``, the one the loader was given (the native loader knows only the name
    it was passed). Any other error is reported against ``path`` without a line."""
    if isinstance(exc, ContentError):
        return content_problem(exc)
    reason = getattr(exc, "reason", None)
    if isinstance(reason, str):
        field = getattr(exc, "field", None)
        field = field if isinstance(field, str) else None
        line = getattr(exc, "line", None)
        table_id = getattr(exc, "table_id", None)
        if not isinstance(line, int):
            line = field_line(path, field, table_id if isinstance(table_id, str) else None)
        return Problem(shown(path), line, reason if field is None else f"{field}: {reason}")
    message = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
    return Problem(shown(path), None, message)
