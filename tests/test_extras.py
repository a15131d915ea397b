"""The game installs only what it runs; tools, sync and models are extras.

``pyproject.toml`` puts the packages of tools (plots, the debugger, playback), the cloud
sync and the NPC models in extras, and ``vocal/extras.py`` knows which extra provides
which package. Running the frame imports none of them; code that needs one names the
extra to install when it is missing.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from cli_runner import run_python

from vocal.extras import EXTRA_PACKAGES

REPO = Path(__file__).resolve().parent.parent
# What the frame, the scripts and the content systems import at run time.
RUNTIME_PACKAGES = {"numpy", "msgpack", "soundfile", "pyloudnorm", "watchfiles", "sqlite-utils"}


def _name(requirement: str) -> str:
    return (
        requirement.split(">", maxsplit=1)[0]
        .split("=", maxsplit=1)[0]
        .split("[", maxsplit=1)[0]
        .strip()
        .lower()
    )


def test_the_runtime_depends_on_what_the_game_runs_and_each_extra_on_its_packages() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert {_name(r) for r in project["dependencies"]} == RUNTIME_PACKAGES
    extras = {
        extra: {_name(r) for r in requirements}
        for extra, requirements in project["optional-dependencies"].items()
    }
    for module, (package, extra) in EXTRA_PACKAGES.items():
        assert package in extras.get(extra, set()), f"{module}: {package} is not in [{extra}]"


def test_running_the_frame_imports_no_tool_server_or_model_package(
    repo: Path, clean_env: dict[str, str]
) -> None:
    # A fresh interpreter: this one has imported the tests' tools long ago.
    code = (
        "import engine_bridge.api, engine_bridge.core.runtime, engine_bridge.content.systems\n"
        "from engine_bridge.sandbox import Sandbox\n"
        "box = Sandbox()  # the shipped content: every content system starts\n"
        "assert not box.runtime.content.off, box.runtime.content.off\n"
        "box.step(3)\n"
        "box.close()\n"
        f"print(sorted(m for m in {sorted(EXTRA_PACKAGES)!r} if m in sys.modules))\n"
    )
    out = run_python(code, clean_env, repo)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == "[]", out.stdout


@pytest.mark.parametrize(
    ("blocked", "call", "extra"),
    [
        (
            "matplotlib",
            "from vocal.scene_plot import plot_scene; plot_scene(None, None, 'x')",
            "tools",
        ),
        ("debugpy", "from engine_bridge.tooling.debugging import listen; listen(5678)", "tools"),
        ("sounddevice", "import numpy, vocal; vocal.play(numpy.zeros(8), 48000)", "tools"),
        (
            "cryptography",
            "from engine_bridge.sync.content_signing import load_public_key; "
            "load_public_key(bytes(32))",
            "sync",
        ),
        (
            "onnxruntime",
            "from engine_bridge.models.session import open_session; open_session(b'')",
            "models",
        ),
        (
            "skl2onnx",
            "from engine_bridge.models.features import ACTION_MODEL; "
            "from engine_bridge.tooling.models.onnx_export import export; "
            "export(None, ACTION_MODEL)",
            "train",
        ),
    ],
)
def test_a_missing_extra_is_named_with_the_command_that_installs_it(
    repo: Path, clean_env: dict[str, str], blocked: str, call: str, extra: str
) -> None:
    code = (
        "from vocal.extras import MissingExtraError\n"
        "try:\n"
        f"    {call}\n"
        "except MissingExtraError as exc:\n"
        "    print(exc.package, exc.extra, sep='|')\n"
        "    print(exc)\n"
    )
    out = run_python(code, clean_env, repo, missing=[blocked])
    assert out.returncode == 0, out.stdout + out.stderr
    fields, message = out.stdout.splitlines()
    assert fields == f"{blocked}|{extra}"
    assert f"pip install aicore[{extra}]" in message
    assert blocked in message
