"""The relocatable runtime (issue #18, docs/packaging.md): ``aicore package`` builds it, the
folder is moved to a path it was never built at, and ``aicore-host`` runs the shipped game
from it under ``env -i`` — no PATH, no virtual environment, no PYTHONHOME — with the
Python that ships inside it.

The package's native build is incremental (``build/package``; ``make test`` runs ``make
package`` first), so building the test's own copy costs a ninja no-op and the copying.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from engine_bridge.tooling.packaging.elf_dynamic import is_elf, read_dynamic

SHIPPED_KINDS = "townsfolk,vampire,werewolf,ghoul,zombie,wraith,aethelred"
FRAMES = 300  # five seconds of game time at 60 Hz
NPCS = 14
FORBIDDEN_TOP_LEVEL = (
    "pip",
    "setuptools",
    "_pytest",
    "pytest",
    "sklearn",
    "matplotlib",
    "debugpy",
    "hypothesis",
    "skl2onnx",
    "onnx",
    "ruff",
    "pybind11",
)
TRIMMED_STDLIB = ("test", "idlelib", "tkinter", "ensurepip", "distutils", "lib2to3", "turtledemo")


@pytest.fixture(scope="module")
def package(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The package, built with the CLI, then moved: the path it was built at is gone."""
    built = tmp_path_factory.mktemp("built") / "aicore-runtime"
    done = subprocess.run(
        [sys.executable, "-m", "engine_bridge.tooling.cli", "package", "--out", str(built)],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    moved = tmp_path_factory.mktemp("moved") / "My Game" / "runtime"
    moved.parent.mkdir()
    shutil.move(built, moved)
    assert not built.exists()
    yield moved
    shutil.rmtree(moved, ignore_errors=True)


@pytest.fixture(scope="module")
def game_run(package: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run of the moved package's host under ``env -i``: its exit status, output, report,
    WAV and save folder."""
    out = tmp_path_factory.mktemp("run")
    done = subprocess.run(
        [
            "/usr/bin/env",
            "-i",
            str(package / "bin" / "aicore-host"),
            "--npcs",
            str(NPCS),
            "--frames",
            str(FRAMES),
            "--kinds",
            SHIPPED_KINDS,
            "--scripts",
            str(package / "npc_scripts"),
            "--content",
            str(package / "content"),
            "--save",
            str(out / "save"),
            "--save-every",
            "2",
            "--wav",
            str(out / "mix.wav"),
            "--report",
            str(out / "report.json"),
            "--quiet",
        ],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    report = json.loads((out / "report.json").read_text()) if done.returncode == 0 else {}
    return {"done": done, "report": report, "out": out}


def test_the_moved_package_runs_the_shipped_scripts_under_env_i(game_run: dict[str, Any]) -> None:
    done = game_run["done"]
    assert done.returncode == 0, done.stdout + done.stderr
    report = game_run["report"]
    assert report["frames"] == FRAMES
    assert report["npcs"] == NPCS
    assert report["script_errors"] == 0, done.stderr
    assert report["rejected_messages"] == 0
    assert report["commands_out"] > 0
    # Every content system started from the packaged Python: voice lines, dialogue, story, lore.
    assert report["systems_off"] == [], report["systems_off"]
    assert report["content_errors"] == []
    assert "Traceback" not in done.stderr


def test_the_moved_package_renders_voices(game_run: dict[str, Any]) -> None:
    assert game_run["done"].returncode == 0, game_run["done"].stderr
    samples, rate = soundfile.read(game_run["out"] / "mix.wav", dtype="float32")
    assert rate == game_run["report"]["audio_sample_rate"]
    assert samples.shape[0] >= rate * FRAMES // 60
    assert game_run["report"]["commands_applied"].get("say", 0) > 0
    assert float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) > 1e-4, "the mix is silent"


def test_the_moved_package_writes_a_save(game_run: dict[str, Any]) -> None:
    assert game_run["done"].returncode == 0, game_run["done"].stderr
    saves = game_run["report"]["saves"]
    assert saves["error"] is None
    sound = [f for f in saves["files"] if f["problem"] is None]
    assert any(f["slot"] == "autosave" for f in sound), saves
    assert any((game_run["out"] / "save").rglob("*autosave*")), list(
        (game_run["out"] / "save").rglob("*")
    )


def _forbidden_roots(repo: Path) -> list[str]:
    roots = [str(repo), str(Path(sys.base_prefix).resolve()), str(Path(sys.prefix).resolve())]
    return [*roots, "/usr/lib/python3", "/usr/local/lib/python3"]


def test_every_native_file_finds_its_neighbours_inside_the_package(
    package: Path, repo: Path
) -> None:
    elf_files = [p for p in package.rglob("*") if is_elf(p)]
    assert len(elf_files) > 50
    forbidden = _forbidden_roots(repo)
    for path in elf_files:
        dynamic = read_dynamic(path)
        assert dynamic is not None, path
        for entry in dynamic.runpath:
            assert entry.startswith("$ORIGIN"), f"{path}: absolute search folder {entry}"
    # The loader's own word, with no environment: every library resolves, and only inside
    # the package or to the system's own (never a build tree or a Python installation).
    checked = [
        package / "bin" / "aicore-host",
        *package.glob("lib/*.so*"),
        *package.glob("python/lib/python3*/lib-dynload/*.so"),
        *package.glob("python/lib/python3*/site-packages/**/*.so"),
    ]
    done = subprocess.run(
        ["/usr/bin/env", "-i", "/usr/bin/ldd", *map(str, checked)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "not found" not in done.stdout, done.stdout
    for line in done.stdout.splitlines():
        target = line.partition("=>")[2].strip()
        assert not any(target.startswith(root) for root in forbidden), line


def test_libaicore_and_the_host_carry_origin_relative_paths_and_no_msgpack(package: Path) -> None:
    library = next(package.glob("lib/libaicore.so.*.*"))
    host = read_dynamic(package / "bin" / "aicore-host")
    aicore = read_dynamic(library)
    assert host is not None
    assert aicore is not None
    assert host.runpath == ("$ORIGIN/../lib",)
    assert aicore.runpath == ("$ORIGIN",)
    assert any(name.startswith("libpython3") for name in aicore.needed)
    assert not any("msgpack" in name for name in aicore.needed + host.needed)


def test_the_package_holds_no_tools_and_a_trimmed_standard_library(package: Path) -> None:
    site = next(package.glob("python/lib/python3*/site-packages"))
    names = {p.name.lower() for p in site.iterdir()}
    for tool in FORBIDDEN_TOP_LEVEL:
        assert tool not in names, tool
        assert not any(n.startswith(f"{tool}-") and n.endswith(".dist-info") for n in names), tool
    assert not (site / "engine_bridge" / "tooling").exists()
    assert (site / "engine_bridge" / "native").is_dir()
    assert any((site / "vocal").glob("_native*.so"))
    stdlib = site.parent
    assert (stdlib / "os.py").is_file()
    for dropped in TRIMMED_STDLIB:
        assert not (stdlib / dropped).exists(), dropped
    shipped = json.loads((package / "package.json").read_text())
    assert {d["name"].lower() for d in shipped["distributions"]} >= {
        "numpy",
        "msgpack",
        "onnxruntime",
    }
    assert all(d["licence"] for d in shipped["distributions"])
