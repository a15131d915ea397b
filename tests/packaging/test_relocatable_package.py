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
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from engine_bridge.tooling.packaging.elf_dynamic import is_elf, read_dynamic

SHIPPED_KINDS = "townsfolk,vampire,werewolf,ghoul,zombie,wraith,aethelred"
NPCS = 14
# Seeds whose world makes NPCs meet the player early (the sim is seeded: same seed, same
# world): with these kinds, a vampire greets at frame 6 with a line no one recorded (said
# by Flite) and zombies and a werewolf say recorded lines from frame 115.
GAME_SEED = 5
GAME_FRAMES = 300  # five seconds at 60 Hz
# Only vampires, whose greeting is new text: a vampire greets at frame 3.
FLITE_SEED = 7
FLITE_NPCS = 8
FLITE_FRAMES = 240
SLOT = "packaged"
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
TRIMMED_STDLIB_PREFIXES = ("config-",)  # config-3.X-<platform>: the static library, Makefile


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


def _host(package: Path, out: Path, *options: str) -> dict[str, Any]:
    """One run of the moved package's host under ``env -i`` (no PATH, no PYTHONHOME, no
    virtual environment) in ``out``: its exit status and output, report, trace and WAV."""
    done = subprocess.run(
        [
            "/usr/bin/env",
            "-i",
            str(package / "bin" / "aicore-host"),
            "--scripts",
            str(package / "npc_scripts"),
            "--content",
            str(package / "content"),
            "--wav",
            str(out / "mix.wav"),
            "--report",
            str(out / "report.json"),
            "--trace",
            str(out / "trace.jsonl"),
            *options,
        ],
        cwd=out,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    ok = done.returncode == 0
    return {
        "done": done,
        "report": json.loads((out / "report.json").read_text()) if ok else {},
        "trace": [json.loads(line) for line in (out / "trace.jsonl").read_text().splitlines()]
        if ok
        else [],
        "out": out,
    }


def _voiced_says(run: dict[str, Any]) -> list[dict[str, Any]]:
    """The lines a monster said (a human's are subtitles only): ``line`` names a shipped
    recording; without it the text is new and synthesised."""
    return [c for c in run["trace"] if c["type"] == "say" and c.get("archetype")]


def _rms(run: dict[str, Any]) -> float:
    samples, rate = soundfile.read(run["out"] / "mix.wav", dtype="float32")
    assert rate == run["report"]["audio_sample_rate"]
    # Every block the audio thread rendered is in the file (on the wall clock, --realtime,
    # the last block may fall just after the last frame, so not a length from the frames).
    assert samples.shape[0] == run["report"]["audio_blocks"] * run["report"]["audio_block_frames"]
    assert samples.shape[0] > 0
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


# Paced on the wall clock (--realtime) as a game runs: clips are prepared on the runtime's
# loader thread while the frames go on, as in a game; a run faster than real time would
# end before the loader had a turn. A line said in the first frames then has seconds to be
# prepared (it takes tens of milliseconds) and heard.
@pytest.fixture(scope="module")
def new_game(package: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A new game of every shipped kind: autosaves every second, saves to :data:`SLOT` at
    the end."""
    return _host(
        package,
        tmp_path_factory.mktemp("new_game"),
        *("--realtime", "--npcs", str(NPCS), "--frames", str(GAME_FRAMES)),
        *("--seed", str(GAME_SEED), "--kinds", SHIPPED_KINDS),
        *("--save", "save", "--save-every", "1", "--save-to", SLOT),
    )


@pytest.fixture(scope="module")
def loaded_game(
    package: Path, new_game: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The same world started from the new game's save, copied alone into a new save
    folder: the save file carries the play-through by itself."""
    assert new_game["done"].returncode == 0, new_game["done"].stderr
    out = tmp_path_factory.mktemp("loaded_game")
    slots = out / "save" / "default" / "slots"
    slots.mkdir(parents=True)
    shutil.copy2(new_game["out"] / "save" / "default" / "slots" / f"{SLOT}.db", slots)
    return _host(
        package,
        out,
        *("--npcs", str(NPCS), "--frames", "120", "--seed", str(GAME_SEED)),
        *("--kinds", SHIPPED_KINDS, "--save", "save", "--load", SLOT),
    )


@pytest.fixture(scope="module")
def vampires(package: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Vampires only: everything they say is new text, spoken by Flite inside the package."""
    return _host(
        package,
        tmp_path_factory.mktemp("vampires"),
        *("--realtime", "--npcs", str(FLITE_NPCS), "--frames", str(FLITE_FRAMES)),
        *("--seed", str(FLITE_SEED), "--kinds", "vampire"),
    )


def test_the_moved_package_runs_the_shipped_scripts_under_env_i(new_game: dict[str, Any]) -> None:
    done = new_game["done"]
    assert done.returncode == 0, done.stdout + done.stderr
    report = new_game["report"]
    assert report["frames"] == GAME_FRAMES
    assert report["npcs"] == NPCS
    assert report["script_errors"] == 0, done.stderr
    assert report["rejected_messages"] == 0
    assert report["commands_out"] > 0
    # Every content system started from the packaged Python: voice lines, dialogue, story, lore.
    assert report["systems_off"] == [], report["systems_off"]
    assert report["content_errors"] == []
    assert "Traceback" not in done.stderr
    # A line that cannot be voiced (no preset, no synthesiser) is logged, never silent.
    assert "could not be voiced" not in done.stderr, done.stderr


def test_the_moved_package_voices_recorded_lines_and_new_text(new_game: dict[str, Any]) -> None:
    assert new_game["done"].returncode == 0, new_game["done"].stderr
    said = _voiced_says(new_game)
    assert any("line" in c for c in said), said  # a shipped recording
    assert any("line" not in c for c in said), said  # new text, synthesised
    assert _rms(new_game) > 1e-3, "the mix is silent"


def test_new_text_is_spoken_by_flite_inside_the_moved_package(
    vampires: dict[str, Any], package: Path
) -> None:
    done = vampires["done"]
    assert done.returncode == 0, done.stdout + done.stderr
    said = _voiced_says(vampires)
    assert said, "no vampire spoke"
    assert all("line" not in c for c in said), said  # no recording: all of it synthesised
    assert "could not be voiced" not in done.stderr, done.stderr
    assert _rms(vampires) > 1e-3, "the synthesised lines are silent"
    # Flite is linked in-process (no espeak-ng, no PATH): its module and libraries ship.
    module = next(package.glob("python/lib/python3*/site-packages/vocal/tts_backends/_flite*.so"))
    dynamic = read_dynamic(module)
    assert dynamic is not None
    assert dynamic.runpath == ("$ORIGIN/../../../../../../lib",)
    assert all((package / "lib" / name).is_file() for name in dynamic.needed if "flite" in name)
    assert any("flite" in name for name in dynamic.needed)


def test_the_moved_package_writes_a_save_a_new_folder_loads(
    package: Path, new_game: dict[str, Any], loaded_game: dict[str, Any]
) -> None:
    assert new_game["done"].returncode == 0, new_game["done"].stderr
    saves = new_game["report"]["saves"]
    assert saves["error"] is None
    sound = {f["slot"] for f in saves["files"] if f["problem"] is None and not f["previous"]}
    assert {SLOT, "autosave"} <= sound, saves

    done = loaded_game["done"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"loaded save '{SLOT}'" in done.stdout
    assert loaded_game["report"]["saves"]["loaded"] == SLOT
    assert loaded_game["report"]["script_errors"] == 0, done.stderr
    # The vampires remember, from the save, that they greeted the player: the one that did
    # in the new game does not again, in the same world.
    tables = tomllib.loads((package / "content" / "dialogue" / "vampire.toml").read_text())
    greetings = {
        line["text"].format(player="stranger")
        for line in tables["line"]
        if line["topic"] == "greeting"
    }

    def greeted(run: dict[str, Any]) -> set[int]:
        return {c["npc"] for c in _voiced_says(run) if c["text"] in greetings}

    assert greeted(new_game)
    assert not greeted(new_game) & greeted(loaded_game), (greeted(new_game), greeted(loaded_game))


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


def test_no_native_file_in_the_package_carries_debug_information(package: Path) -> None:
    # binutils' own reading of the section headers, not the packager's.
    elf_files = [str(p) for p in package.rglob("*") if is_elf(p)]
    done = subprocess.run(
        ["readelf", "--section-headers", "--wide", *elf_files],
        capture_output=True,
        text=True,
        check=True,
    )
    carrying = {
        block.splitlines()[0] for block in done.stdout.split("\nFile: ")[1:] if ".debug_" in block
    }
    assert not carrying
    assert done.stdout.count("File: ") == len(elf_files)
    # The symbol table stays: a crash report still names functions.
    libpython = next(package.glob("lib/libpython3*.so*"))
    assert (
        ".symtab"
        in subprocess.run(
            ["readelf", "--section-headers", "--wide", str(libpython)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )


def test_the_package_carries_the_licence_text_of_everything_it_bundles(package: Path) -> None:
    shipped = json.loads((package / "package.json").read_text())
    licences = shipped["licence_files"]
    # Every system library copied into lib/, and the interpreter, has its licence text.
    assert set(licences) == {"python", *shipped["bundled_libraries"]}
    for component, relative in licences.items():
        text = (package / relative).read_text(errors="replace")
        assert len(text) > 200, component
    assert "PYTHON SOFTWARE FOUNDATION LICENSE" in (package / licences["python"]).read_text()
    flite = (package / licences["libflite.so.1"]).read_text()
    assert "Carnegie Mellon University" in flite
    # The Python packages keep theirs in their dist-info folders.
    site = next(package.glob("python/lib/python3*/site-packages"))
    assert list(site.glob("numpy-*.dist-info/licenses/LICENSE.txt"))


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
    for prefix in TRIMMED_STDLIB_PREFIXES:
        assert not list(stdlib.glob(f"{prefix}*")), prefix
    shipped = json.loads((package / "package.json").read_text())
    assert {d["name"].lower() for d in shipped["distributions"]} >= {
        "numpy",
        "msgpack",
        "onnxruntime",
    }
    assert all(d["licence"] for d in shipped["distributions"])
