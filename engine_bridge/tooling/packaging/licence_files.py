"""The licence texts a packaged game must carry (docs/packaging.md, "Third-party components
and licences"): every permissive and LGPL licence of what the package holds asks that its
text travel with the binaries.

The Python packages carry theirs in their ``*.dist-info`` folders, which the package keeps.
What has no such folder is gathered into ``DIR/licences/``: the interpreter's licence (its
standard library's ``LICENSE.txt``, or the Debian copyright file of the package that
installed it) and, for each system library copied into ``lib/``, the copyright file of the
Debian package it came from (``dpkg -S``, ``/usr/share/doc/<package>/copyright``). A library
whose licence cannot be found stops the build, naming it: a game must not ship it silently
without one.
"""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from collections.abc import Iterable
from pathlib import Path

from engine_bridge.tooling.packaging.package_error import PackageError

__all__ = ["LICENCES_FOLDER", "collect_licences", "debian_packages_of"]

LICENCES_FOLDER = "licences"
_DEBIAN_DOCS = Path("/usr/share/doc")


def debian_packages_of(files: Iterable[Path]) -> dict[Path, str]:
    """The Debian package that installed each file (by its resolved name), for the files
    ``dpkg`` knows; {} where there is no ``dpkg``."""
    real = {f: f.resolve() for f in files}
    if not real or shutil.which("dpkg") is None:
        return {}
    # By file name, not path: with a merged /usr a library is registered under /lib or
    # /usr/lib, whichever its package listed.
    done = subprocess.run(
        ["dpkg", "-S", *sorted({p.name for p in real.values()})],
        capture_output=True,
        text=True,
        check=False,
    )
    owners: dict[str, str] = {}
    for line in done.stdout.splitlines():
        packages, _, path = line.partition(": ")
        name = Path(path.strip()).name
        if "," not in packages:  # one owner: the file is that package's own
            owners.setdefault(name, packages.split(":")[0])
    return {f: owners[p.name] for f, p in real.items() if p.name in owners}


def _python_licence() -> Path | None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    text = stdlib / "LICENSE.txt"
    if text.is_file():
        return text
    # Debian's python3.X moves it to its copyright file.
    library = Path(sysconfig.get_config_var("LIBDIR") or "") / str(
        sysconfig.get_config_var("INSTSONAME") or ""
    )
    owner = debian_packages_of([library]).get(library) if library.is_file() else None
    copyright_file = _DEBIAN_DOCS / owner / "copyright" if owner else None
    return copyright_file if copyright_file and copyright_file.is_file() else None


def collect_licences(out: Path, libraries: dict[str, Path]) -> dict[str, str]:
    """Copy into ``out/licences`` the interpreter's licence and that of each bundled system
    library (``libraries``: the name in ``lib/`` → the system file it was copied from).
    Returns {component: its licence file, relative to ``out``}; raises
    :class:`PackageError` naming every component whose licence was not found."""
    folder = out / LICENCES_FOLDER
    folder.mkdir(exist_ok=True)
    found: dict[str, str] = {}
    missing: list[str] = []
    python = _python_licence()
    if python is None:
        missing.append("the Python interpreter")
    else:
        shutil.copyfile(python, folder / "python.txt")
        found["python"] = f"{LICENCES_FOLDER}/python.txt"
    owners = debian_packages_of(libraries.values())
    for name, source in sorted(libraries.items()):
        owner = owners.get(source)
        copyright_file = _DEBIAN_DOCS / owner / "copyright" if owner else None
        if copyright_file is None or not copyright_file.is_file():
            missing.append(name)
            continue
        target = folder / f"{owner}.copyright"
        if not target.exists():
            shutil.copyfile(copyright_file, target)
        found[name] = f"{LICENCES_FOLDER}/{target.name}"
    if missing:
        raise PackageError(
            "licences",
            f"no licence text found for {', '.join(missing)} (looked for the interpreter's "
            "LICENSE.txt and each library's Debian copyright file): add it before shipping",
        )
    return found
