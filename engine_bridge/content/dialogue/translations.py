"""Translations: ``dialogue/locale/<lang>/<kind>.toml``, one ``line_id = "text"`` per
line, checked against the English lines they translate."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from engine_bridge.content.dialogue.loading import checked_text, kind_of, read_toml
from engine_bridge.content.dialogue.model import DIALOGUE_DIR, VARIABLE, Line
from engine_bridge.content.layers import ContentError, layered_files

__all__ = ["load_translations"]

_LANG_PATTERN = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")


def load_translations(
    roots: tuple[Path, ...],
    by_id: Mapping[str, Line],
    left_out: set[str],
    errors: list[ContentError],
) -> dict[str, dict[str, str]]:
    """Each language's translations by line id, over every root's ``dialogue/locale``;
    a file that does not load is added to ``errors`` and left out, and so is the file of
    a table in ``left_out`` (its own error says why)."""
    translations: dict[str, dict[str, str]] = {}
    languages: dict[str, list[Path]] = {}
    for root in roots:
        folder = root / DIALOGUE_DIR / "locale"
        if not folder.is_dir():
            continue
        for lang_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
            lang = lang_dir.name
            if not _LANG_PATTERN.fullmatch(lang) or lang == "en":
                errors.append(
                    ContentError(
                        lang_dir,
                        "the folder name must be a language code other than 'en' "
                        f"such as 'fr' or 'pt_BR', got {lang!r}",
                    )
                )
                continue
            languages.setdefault(lang, []).append(root)
    for lang, lang_roots in sorted(languages.items()):
        texts: dict[str, str] = {}
        folder = DIALOGUE_DIR / "locale" / lang
        for name, (root, path) in layered_files(lang_roots, folder).items():
            if name in left_out:
                continue
            try:
                texts.update(_parse_translation(root, path, name, by_id))
            except ContentError as exc:
                errors.append(exc)
        translations[lang] = texts
    return translations


def _parse_translation(
    root: Path, path: Path, name: str, by_id: Mapping[str, Line]
) -> dict[str, str]:
    kind = kind_of(path, name)
    fields = read_toml(root, path).top()
    texts: dict[str, str] = {}
    for line_id, _text in fields.items():
        line = by_id.get(line_id)
        if line is None or line.kind != kind:
            raise fields.error(line_id, f"field {line_id!r} names no line of {kind}'s table")
        text = checked_text(fields, line_id)
        unknown = set(VARIABLE.findall(text)) - set(VARIABLE.findall(line.text))
        if unknown:
            raise fields.error(
                line_id,
                f"field {line_id!r} uses variable {{{sorted(unknown)[0]}}}, "
                "which the English line does not",
            )
        texts[line_id] = text
    return texts
