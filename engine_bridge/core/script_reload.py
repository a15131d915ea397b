"""Reloading every changed script at once, when the engine asks (``aicore_scripts_reload``,
UE's ``aicore.reload`` console command), instead of waiting for the watcher's notice.

It is the watcher's reload (``Runtime.reload``) applied to each file whose version on disk
is not the one last loaded (``ScriptHost.changed_files``): NPCs keep their state and get
``on_reload``; a broken file is reported with its own file:line and the last good version
keeps running. What the watcher had noticed is taken here too, and its later notice of a
write already loaded reloads nothing again (``ScriptHost.is_loaded_version``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine_bridge.core.runtime import Runtime

__all__ = ["ScriptsReloaded", "reload_changed_scripts"]


@dataclass(frozen=True)
class ScriptsReloaded:
    """What a reload did: how many changed files now run their new version, and for each
    that failed to load, ``"file:line: kind: message"`` (its old version, if it had one,
    keeps running)."""

    reloaded: int
    failures: tuple[str, ...]


def reload_changed_scripts(runtime: Runtime) -> ScriptsReloaded:
    """Reload every changed script of ``runtime`` now, between frames (game thread)."""
    runtime.watcher.pending()  # noticed or not, every changed file is judged by its version
    scripts = runtime.scripts
    reloaded = 0
    failures: list[str] = []
    for path in scripts.changed_files():
        errors = scripts.errors
        if runtime.reload(path):
            reloaded += 1
        elif scripts.errors > errors and scripts.failures:
            failure = scripts.failures[-1]
            failures.append(f"{failure.where}: {failure.kind}: {failure.message}")
        else:
            failures.append(f"{path}: could not be read as a script")
    return ScriptsReloaded(reloaded, tuple(failures))
