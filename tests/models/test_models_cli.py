"""``aicore models`` as a user runs it: the installed console script in a subprocess, on
the shipped models and on copies of them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from cli_runner import run_aicore, run_python

from engine_bridge.models.manifest import read_manifest

REPO = Path(__file__).resolve().parents[2]
SHIPPED_ROOT = REPO / "content"


def _models(
    venv_bin: Path, env: dict[str, str], *args: str | Path
) -> subprocess.CompletedProcess[str]:
    return run_aicore(venv_bin, env, "models", *map(str, args), timeout=300)


def test_list_shows_each_shipped_model_with_its_size_sha_check_and_opset(
    venv_bin: Path, clean_env: dict[str, str]
) -> None:
    listed = _models(venv_bin, clean_env, "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["name", "file", "bytes", "sha256", "opset"]
    for name in ("npc_action", "npc_mood"):
        line = next(line for line in lines if line.startswith(name))
        size = (SHIPPED_ROOT / "models" / f"{name}.onnx").stat().st_size
        assert line.split()[1:] == [
            str(SHIPPED_ROOT / "models" / f"{name}.onnx"),
            str(size),
            "ok",
            "17",
        ]


def test_verify_passes_the_shipped_models_and_names_each_bad_one(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    good = _models(venv_bin, clean_env, "verify")
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.count("ok   ") == 2

    root = tmp_path / "root"
    shutil.copytree(SHIPPED_ROOT / "models", root / "models")
    action = root / "models" / "npc_action.onnx"
    action.write_bytes(action.read_bytes()[:1000])  # truncated
    (root / "models" / "npc_mood.onnx").unlink()
    bad = _models(venv_bin, clean_env, "verify", "--content", root)
    assert bad.returncode == 1
    assert f"BAD  npc_action  {action} [sha256]: " in bad.stdout
    assert f"BAD  npc_mood  {root / 'models' / 'npc_mood.onnx'} [file]: " in bad.stdout
    # list still lists them, saying what is wrong, and exits 0 (it only tells).
    listed = _models(venv_bin, clean_env, "list", "--content", root)
    assert listed.returncode == 0
    action_line = next(line for line in listed.stdout.splitlines() if line.startswith("npc_action"))
    assert action_line.split()[2:4] == ["1000", "BAD"]
    mood_line = next(line for line in listed.stdout.splitlines() if line.startswith("npc_mood"))
    assert mood_line.split()[2:4] == ["-", "MISSING"]


def test_explain_shows_inputs_outputs_and_the_decision_for_a_row(
    venv_bin: Path, clean_env: dict[str, str]
) -> None:
    # A starving ghoul three metres from a player it sees: the expert attacks.
    out = _models(
        venv_bin, clean_env, "explain", "npc_action", "--features", "kind=ghoul", "hunger=0.95",
        "player_distance=0.1", "sees_player=1", "since_seen=0",
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "input 'features'" in out.stdout
    assert " 8 hunger                *   0.950  the NPC's hunger" in out.stdout
    assert " 7 health                    1.000" in out.stdout  # neutral, not given
    assert "decision: attack" in out.stdout
    assert "the expert policy says: attack" in out.stdout
    probabilities = [
        float(line.split()[1].rstrip("%"))
        for line in out.stdout.splitlines()
        if line.startswith("  ") and line.strip().endswith("%")
    ]
    assert len(probabilities) == 6
    assert abs(sum(probabilities) - 100.0) < 0.5

    mood = _models(venv_bin, clean_env, "explain", "npc_mood", "--features", "health=0.05")
    assert mood.returncode == 0
    assert "note: no archetype given" in mood.stdout
    assert "decision: " in mood.stdout


def test_explain_refuses_an_unknown_feature_and_an_off_model(
    venv_bin: Path, clean_env: dict[str, str]
) -> None:
    usage = _models(venv_bin, clean_env, "explain", "npc_action", "--features", "courage=1")
    assert usage.returncode == 2
    assert "unknown feature 'courage'" in usage.stderr
    off = _models(venv_bin, clean_env, "explain", "npc_gossip")
    assert off.returncode == 1
    assert "npc_gossip is off" in off.stdout


def test_train_writes_models_cards_and_a_manifest_that_verify_accepts_and_repeats(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    outputs = []
    for run, hash_seed in enumerate(("1", "2")):
        out = tmp_path / f"run{run}" / "models"
        # Python's string hashing differs between the runs: the bytes must not.
        env = {**clean_env, "PYTHONHASHSEED": hash_seed}
        trained = _models(
            venv_bin, env, "train", "--seed", "3", "--samples", "2000", "--epochs", "4",
            "--out", out,
        )  # fmt: skip
        assert trained.returncode == 0, trained.stdout + trained.stderr
        assert "4/4" in trained.stderr  # the progress bar, on stderr
        assert "wrote 2 model(s)" in trained.stdout
        outputs.append(out)
    first, second = outputs
    for name in ("npc_action", "npc_mood"):
        assert (first / f"{name}.onnx").read_bytes() == (second / f"{name}.onnx").read_bytes()
        card = (first / f"{name}.card.md").read_text()
        assert "--seed 3 --samples 2000 --epochs 4" in card
        assert "held-out agreement with the expert policy" in card
    entries, errors = read_manifest(first / "manifest.toml")
    assert not errors
    assert [e.name for e in entries] == ["npc_action", "npc_mood"]
    verified = _models(venv_bin, clean_env, "verify", "--content", first.parent)
    assert verified.returncode == 0, verified.stdout

    # Training one model keeps the other's manifest entry.
    again = _models(
        venv_bin, clean_env, "train", "--seed", "4", "--samples", "2000", "--epochs", "2",
        "--out", first, "--model", "npc_mood",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    entries, _ = read_manifest(first / "manifest.toml")
    assert [e.name for e in entries] == ["npc_action", "npc_mood"]
    assert _models(venv_bin, clean_env, "verify", "--content", first.parent).returncode == 0


def test_train_without_the_train_extra_says_which_extra_to_install(
    repo: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    code = (
        "from engine_bridge.tooling.cli import main\n"
        f"raise SystemExit(main(['models', 'train', '--out', {str(tmp_path)!r}]))\n"
    )
    out = run_python(code, clean_env, repo, missing=["sklearn"])
    assert out.returncode == 1, out.stderr
    assert "pip install aicore[train]" in out.stderr
    assert "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == []  # nothing written
