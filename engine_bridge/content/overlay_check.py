"""Would a new content overlay break the game? The content systems started over the
content with it, compared with the content with the overlay installed now.

A pushed bundle (``engine_bridge/sync/content_push.py``) is refused when, layered over the
game's content roots in place of the installed overlay, it turns a content system off
that was on, makes a content file fail to load that did not fail before, or lists a voice
line whose recording it does not hold. Errors the game already had do not count against
it: a bundle may fix content, and must not be blamed for what it did not touch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine_bridge.content.layers import normalize_roots
from engine_bridge.content.systems import ContentSystems

__all__ = ["ContentRegression", "overlay_regressions"]


@dataclass(frozen=True, slots=True)
class ContentRegression:
    """One thing the new overlay breaks: the system, the file (relative to its content
    root; None for the system as a whole) and why."""

    system: str
    file: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class _Survey:
    on: frozenset[str]
    off: dict[str, str]
    errors: dict[tuple[str, str | None, str | None, str], ContentRegression]


def overlay_regressions(
    base_roots: Sequence[Path], installed: Path | None, new: Path
) -> list[ContentRegression]:
    """What ``new`` layered over ``base_roots`` breaks that ``installed`` (None: no
    overlay) layered over them does not."""
    before = _survey([*base_roots, *([installed] if installed is not None else [])])
    after = _survey([*base_roots, new])
    found = [
        ContentRegression(name, None, f"the system turns off: {after.off[name]}")
        for name in sorted(before.on - after.on)
    ]
    found += [error for key, error in after.errors.items() if key not in before.errors]
    return found


def _survey(roots: list[Path]) -> _Survey:
    resolved = normalize_roots(roots)
    systems = ContentSystems(resolved)
    try:
        errors: dict[tuple[str, str | None, str | None, str], ContentRegression] = {}
        for name, status in systems.status.items():
            for error in status.errors:
                file = _relative(error.file, resolved)
                # A reason may name another file by its full path: the overlay's root differs
                # between the installed and the new one, the file does not.
                reason = error.reason
                for root in resolved:
                    reason = reason.replace(f"{root}/", "")
                errors[(name, file, error.field, reason)] = ContentRegression(name, file, reason)
        # The manifest loader reads lines.toml alone; a line's WAV is opened when it is
        # played, too late to refuse the bundle that forgot it.
        for line in systems.lines.values():
            if not line.path.is_file():
                file = _relative(line.path, resolved)
                reason = f"line {line.id!r}: its recording is missing"
                errors[("voice_lines", file, "file", reason)] = ContentRegression(
                    "voice_lines", file, reason
                )
        on = frozenset(name for name, status in systems.status.items() if status.on)
        return _Survey(on, systems.off, errors)
    finally:
        systems.close()


def _relative(file: Path, roots: Sequence[Path]) -> str:
    for root in reversed(roots):
        if file.is_relative_to(root):
            return file.relative_to(root).as_posix()
    return file.as_posix()
