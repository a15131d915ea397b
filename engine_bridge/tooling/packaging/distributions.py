"""The third-party packages a game runs: the closure of the project's runtime
``dependencies`` and the extras a game ships, read from the installed distributions'
metadata, and copied file by file as their ``RECORD`` lists them.

Two lists are explicit decisions, each with its reason: :data:`NEVER_SHIPPED` (a
distribution a dependency declares that the game never imports; it is dropped with all it
alone pulls in) and :data:`FORBIDDEN` (tools that must never reach a game: the package
build fails if one would).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

from engine_bridge.tooling.packaging.package_error import PackageError

__all__ = [
    "FORBIDDEN",
    "NEVER_SHIPPED",
    "SHIPPED_EXTRAS",
    "ShippedDistribution",
    "copy_distributions",
    "runtime_distributions",
]

# The game runs the NPC decision models (content/models: onnxruntime) and may sync with the
# cloud gateway and verify pushed content (pyzmq, cryptography) when its config asks for
# it; tools, test and train are for people (pyproject.toml says so of each).
SHIPPED_EXTRAS = ("models", "sync")
# Declared by a dependency, never imported by the game.
NEVER_SHIPPED = {
    "pip": "sqlite-utils declares it for its `install` command, which only a person runs",
}
# Never in a game: installers, test runners, linters, trainers, plotting, the debugger.
FORBIDDEN = frozenset(
    {
        "pip",
        "setuptools",
        "wheel",
        "pytest",
        "hypothesis",
        "ruff",
        "scikit-learn",
        "skl2onnx",
        "onnx",
        "matplotlib",
        "debugpy",
        "cython",
        "meson",
        "ninja",
        "cmake",
        "pybind11",
        "scikit-build-core",
    }
)
# Test folders inside third-party packages (numpy/_core/tests, scipy/*/tests): the game
# never imports them.
_TEST_FOLDER = "tests"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class ShippedDistribution:
    """One third-party distribution in the package, with what its metadata says of its
    licence (``License-Expression``, else ``License``, else the licence classifiers)."""

    name: str
    version: str
    licence: str
    required_by: str


def _licence(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression.strip()
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) <= 80:
        return text
    classifiers = [
        c.rsplit("::", 1)[-1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::")
    ]
    if classifiers:
        return ", ".join(classifiers)
    return text.splitlines()[0][:80] if text else "not stated in its metadata"


def _wanted(requirement: Requirement, extras: tuple[str, ...]) -> bool:
    if requirement.marker is None:
        return True
    environments = [{"extra": extra} for extra in extras] or [{"extra": ""}]
    return any(requirement.marker.evaluate(env) for env in environments)


def runtime_distributions(project: str = "aicore") -> list[ShippedDistribution]:
    """The closure of ``project``'s dependencies and :data:`SHIPPED_EXTRAS`, minus
    :data:`NEVER_SHIPPED`; raises :class:`PackageError` if one is not installed or is
    :data:`FORBIDDEN`."""
    try:
        root = metadata.distribution(project)
    except metadata.PackageNotFoundError as exc:
        raise PackageError("site-packages", f"{project} is not installed (`make setup`)") from exc
    found: dict[str, ShippedDistribution] = {}
    pending = [
        (text, project)
        for text in root.requires or []
        if _wanted(Requirement(text), ("", *SHIPPED_EXTRAS))
    ]
    while pending:
        text, parent = pending.pop()
        requirement = Requirement(text)
        name = _canonical(requirement.name)
        if name in found or name in NEVER_SHIPPED:
            continue
        if name in FORBIDDEN:
            raise PackageError(
                "site-packages", f"{name} (required by {parent}) is a tool a game never ships"
            )
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError as exc:
            raise PackageError(
                "site-packages", f"{requirement.name} (required by {parent}) is not installed"
            ) from exc
        found[name] = ShippedDistribution(
            name=dist.metadata["Name"],
            version=dist.version,
            licence=_licence(dist),
            required_by=parent,
        )
        extras = tuple(requirement.extras)
        pending += [
            (child, name) for child in dist.requires or [] if _wanted(Requirement(child), extras)
        ]
    return sorted(found.values(), key=lambda d: d.name.lower())


def copy_distributions(shipped: list[ShippedDistribution], site_packages: Path) -> int:
    """Copy every file each distribution's ``RECORD`` lists under its site-packages (its
    ``dist-info`` with it, for ``importlib.metadata`` and its licence files), leaving out
    test folders, stale bytecode and anything outside site-packages (console scripts);
    returns the bytes copied."""
    copied = 0
    for shipped_dist in shipped:
        dist = metadata.distribution(shipped_dist.name)
        files = dist.files
        if files is None:
            raise PackageError(
                "site-packages", f"{shipped_dist.name} has no RECORD: cannot tell its files"
            )
        for entry in files:
            relative = Path(str(entry))
            if relative.parts[0] == ".." or _TEST_FOLDER in relative.parts[:-1]:
                continue
            if relative.parent.name == "__pycache__" and ".opt-" in relative.name:
                continue
            source = Path(str(dist.locate_file(entry)))
            if not source.is_file():
                continue  # RECORD lists .pyc files Python may never have written
            target = site_packages / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            copied += target.stat().st_size
    return copied
