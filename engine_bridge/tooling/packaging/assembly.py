"""The package, put together (``docs/packaging.md``, "What the package holds")::

    DIR/bin/aicore-host
    DIR/lib/libaicore.so*, libpython3.X.so.1.0, the system libraries the rest needs
    DIR/python/lib/python3.X/                 the trimmed standard library, lib-dynload
    DIR/python/lib/python3.X/site-packages/   engine_bridge, vocal and their dependencies
    DIR/content/, DIR/npc_scripts/
    DIR/licences/                             the interpreter's and the system libraries'
                                              licence texts
    DIR/package.json                          what was shipped, each package's licence

``DIR/python`` is the prefix libaicore starts Python from when the engine gives no
``python_home`` (it looks beside its own folder), so the folder runs wherever it is moved.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from engine_bridge import __version__
from engine_bridge.tooling.packaging.debug_info import strip_debug_information
from engine_bridge.tooling.packaging.distributions import (
    SHIPPED_EXTRAS,
    ShippedDistribution,
    copy_distributions,
    runtime_distributions,
)
from engine_bridge.tooling.packaging.elf_dynamic import is_elf
from engine_bridge.tooling.packaging.interpreter_files import (
    copy_standard_library,
    library_folder_name,
    python_shared_library,
)
from engine_bridge.tooling.packaging.licence_files import collect_licences
from engine_bridge.tooling.packaging.native_stage import NativeStage, build_native_stage
from engine_bridge.tooling.packaging.package_error import PackageError
from engine_bridge.tooling.packaging.shared_libraries import bundle_and_relink

__all__ = ["PackageReport", "build_package"]

# The project's own packages: the game's runtime and the voice pipeline's Python face. The
# tooling room (the CLI, check, bench, the trainer) is for people: nothing the game runs
# imports it (docs/architecture.md), so it stays out, as do the pybind11 sources.
_OWN_PACKAGES = ("engine_bridge", "vocal")
_LEFT_OUT = {("engine_bridge", "tooling"), ("vocal", "bindings")}


@dataclass(frozen=True)
class PackageReport:
    """What a build produced: where, how big, and what it holds."""

    folder: Path
    size_bytes: int
    distributions: tuple[ShippedDistribution, ...]
    bundled_libraries: tuple[str, ...]


def _folder_size(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _copy_own_package(repo: Path, package: str, site_packages: Path) -> None:
    source = repo / package

    def ignore(folder: str, names: list[str]) -> set[str]:
        here = Path(folder)
        dropped = {n for n in names if n == "__pycache__" or n.endswith((".so", ".pyd"))}
        if here == source:
            dropped |= {n for n in names if (package, n) in _LEFT_OUT}
        return dropped

    shutil.copytree(source, site_packages / package, ignore=ignore)


_PARTIAL_SUFFIX = ".partial"
_PARTIAL_MARK = ".aicore-package-partial"  # says a half-built folder is ours to delete


def build_package(out: Path, repo: Path, *, jobs: int | None = None) -> PackageReport:
    """Build the relocatable runtime into ``out`` (replaced if it exists) from the source
    tree ``repo`` and this interpreter; raises :class:`PackageError` naming the step.

    The package is assembled in ``out.partial`` beside it and renamed into place once
    whole, so a build that fails leaves the last good package (or nothing) at ``out``,
    never a half-built folder the next build would refuse to replace."""
    if not (repo / "pyproject.toml").is_file() or not (repo / "cpp").is_dir():
        raise PackageError("source", f"{repo} is not the AI Core source tree")
    out = out.resolve()
    if out.exists() and not (out / "package.json").is_file() and any(out.iterdir()):
        raise PackageError("output", f"{out} exists and is not a package: not replacing it")
    partial = out.with_name(out.name + _PARTIAL_SUFFIX)
    if partial.exists():
        if not (partial / _PARTIAL_MARK).is_file():
            raise PackageError("output", f"{partial} exists and is not a package being built")
        shutil.rmtree(partial)
    stage = build_native_stage(repo, jobs)
    partial.mkdir(parents=True)
    (partial / _PARTIAL_MARK).touch()
    try:
        report = _assemble(partial, repo, stage)
        (partial / _PARTIAL_MARK).unlink()
        if out.exists():
            shutil.rmtree(out)
        partial.rename(out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return PackageReport(
        folder=out,
        size_bytes=_folder_size(out),
        distributions=report.distributions,
        bundled_libraries=report.bundled_libraries,
    )


def _assemble(out: Path, repo: Path, stage: NativeStage) -> PackageReport:
    lib = out / "lib"
    python_lib = out / "python" / "lib" / library_folder_name()
    site_packages = python_lib / "site-packages"
    (out / "bin").mkdir(parents=True)
    shutil.copy2(stage.host, out / "bin" / stage.host.name)
    shutil.copytree(stage.lib, lib, symlinks=True)
    libpython = python_shared_library()
    shutil.copy2(libpython, lib / libpython.name)

    copy_standard_library(python_lib)
    site_packages.mkdir()
    shipped = runtime_distributions()
    copy_distributions(shipped, site_packages)
    for package in _OWN_PACKAGES:
        _copy_own_package(repo, package, site_packages)
    for module in stage.python_modules():
        shutil.copy2(stage.prefix / module, site_packages / module)
    for folder in ("content", "npc_scripts"):
        shutil.copytree(repo / folder, out / folder, ignore=shutil.ignore_patterns("__pycache__"))

    # Before any RPATH is rewritten (debug_info.py says why).
    strip_debug_information(p for p in out.rglob("*") if is_elf(p))
    ours = [
        out / "bin" / stage.host.name,
        *lib.glob("libaicore*"),
        *(site_packages / m for m in stage.python_modules()),
    ]
    bundled = bundle_and_relink(out, lib, ours)
    licence_files = collect_licences(out, {p.name: source for p, source in bundled.items()})
    report = PackageReport(
        folder=out,
        size_bytes=0,
        distributions=tuple(shipped),
        bundled_libraries=tuple(sorted(p.name for p in bundled)),
    )
    manifest = {
        "aicore": __version__,
        "extras": list(SHIPPED_EXTRAS),
        "python": library_folder_name(),
        "distributions": [asdict(d) for d in shipped],
        "bundled_libraries": list(report.bundled_libraries),
        "licence_files": licence_files,
    }
    (out / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return report
