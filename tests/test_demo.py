"""`aicore demo` runs every step and writes its files."""

from __future__ import annotations

from pathlib import Path

import soundfile
from cli_runner import run_aicore

from engine_bridge.tooling.demo import demo_steps


def test_demo_runs_every_step_and_writes_its_files(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    out_dir = tmp_path / "demo"
    out = run_aicore(venv_bin, clean_env, "demo", "--out", str(out_dir), timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    for step in demo_steps():
        assert f"== {step.TITLE}" in out.stdout
    wav, rate = soundfile.read(out_dir / "native" / "noise_lowpass_400hz.wav")
    assert rate == 48_000
    assert len(wav) == 2 * rate
    assert "demo finished" in out.stdout


def test_demo_steps_run_in_declared_order() -> None:
    orders = [s.ORDER for s in demo_steps()]
    assert orders == sorted(orders)
    assert demo_steps()[0].TITLE == "environment"
