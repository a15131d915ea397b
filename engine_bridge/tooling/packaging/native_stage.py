"""The native parts, built for the package: CMake into ``build/package`` with
``AICORE_PACKAGE_LAYOUT`` (libaicore's RPATH is ``$ORIGIN``, the host's ``$ORIGIN/../lib``)
and the Python modules on, installed into a staging prefix the assembly copies from.
Incremental: an up-to-date build costs a ninja no-op, a stale one rebuilds what changed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from engine_bridge.tooling.packaging.package_error import PackageError

__all__ = ["PACKAGE_BUILD_DIR", "NativeStage", "build_native_stage"]

PACKAGE_BUILD_DIR = Path("build") / "package"


@dataclass(frozen=True)
class NativeStage:
    """Where ``cmake --install`` put the native parts: ``bin/``, ``lib/`` and the compiled
    Python modules under their package folders (``vocal/``, ``engine_bridge/...``)."""

    prefix: Path

    @property
    def host(self) -> Path:
        """The installed ``aicore-host``."""
        return self.prefix / "bin" / "aicore-host"

    @property
    def lib(self) -> Path:
        """The folder holding ``libaicore.so`` and its version links."""
        return self.prefix / "lib"

    def python_modules(self) -> list[Path]:
        """The compiled modules of ``engine_bridge`` and ``vocal``, relative to the prefix."""
        found = [
            path.relative_to(self.prefix)
            for package in ("engine_bridge", "vocal")
            for path in (self.prefix / package).rglob("*.so")
        ]
        return sorted(found)


def _run(command: list[str], repo: Path, what: str) -> None:
    try:
        done = subprocess.run(
            command, cwd=repo, capture_output=True, text=True, check=False, timeout=3_600
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PackageError("native build", f"{what}: {exc}") from exc
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-30:])
        raise PackageError("native build", f"{what} failed (exit {done.returncode}):\n{tail}")


def build_native_stage(repo: Path, jobs: int | None = None) -> NativeStage:
    """Configure (the first time), build and install the native targets; raises
    :class:`PackageError` naming the failing step."""
    missing = [tool for tool in ("cmake", "ninja") if shutil.which(tool) is None]
    if missing:
        raise PackageError("native build", f"{', '.join(missing)} not on PATH (run `make setup`)")
    build = repo / PACKAGE_BUILD_DIR
    stage = build / "stage"
    if not (build / "CMakeCache.txt").exists():
        # The Python modules find pybind11 where this environment has it (a wheel build is
        # told by scikit-build-core; a plain CMake build must be).
        pybind11_dir = subprocess.run(
            [sys.executable, "-m", "pybind11", "--cmakedir"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if not pybind11_dir:
            raise PackageError("native build", "pybind11 is not installed here (`make setup`)")
        _run(
            [
                "cmake",
                "-S",
                ".",
                "-B",
                str(PACKAGE_BUILD_DIR),
                "-G",
                "Ninja",
                "-DCMAKE_BUILD_TYPE=Release",
                "-DAICORE_PACKAGE_LAYOUT=ON",
                "-DAICORE_BUILD_PYMODULE=ON",
                "-DAICORE_BUILD_TESTS=OFF",
                "-DAICORE_BUILD_BENCHMARKS=OFF",
                "-DCMAKE_INSTALL_LIBDIR=lib",
                "-DCMAKE_INSTALL_BINDIR=bin",
                f"-DPython_EXECUTABLE={sys.executable}",
                f"-Dpybind11_DIR={pybind11_dir}",
                # No PortAudio: the engine plays the audio, and --play would ship libasound,
                # JACK and Berkeley DB (libjack's dependency) with the game.
                "-DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON",
            ],
            repo,
            "configuring (cmake)",
        )
    jobs_text = str(jobs or os.cpu_count() or 2)
    _run(["cmake", "--build", str(PACKAGE_BUILD_DIR), "-j", jobs_text], repo, "cmake --build")
    # A fresh stage each time: a module renamed or removed must not linger in the package.
    shutil.rmtree(stage, ignore_errors=True)
    _run(
        ["cmake", "--install", str(PACKAGE_BUILD_DIR), "--prefix", str(stage)],
        repo,
        "cmake --install",
    )
    return NativeStage(stage)
