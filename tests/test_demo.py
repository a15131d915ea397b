"""`aicore demo` runs every step, writes its files, and ends with a page of the run."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import soundfile
from bench_qa.headless_chromium import page_check
from cli_runner import run_aicore

from engine_bridge.tooling.demo import demo_steps


@pytest.fixture(scope="module")
def demo_run(
    venv_bin: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One run of ``aicore demo`` for the tests of this module (it takes minutes)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AICORE_")}
    env["PYTHONWARNINGS"] = "error"
    out_dir = tmp_path_factory.mktemp("demo") / "out"
    return out_dir, run_aicore(venv_bin, env, "demo", "--out", str(out_dir), timeout=600)


def test_demo_runs_every_step_and_writes_its_files(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    out_dir, out = demo_run
    assert out.returncode == 0, out.stdout + out.stderr
    for step in demo_steps():
        assert f"== {step.TITLE}" in out.stdout
    wav, rate = soundfile.read(out_dir / "native" / "noise_lowpass_400hz.wav")
    assert rate == 48_000
    assert len(wav) == 2 * rate
    assert "demo finished" in out.stdout


def _section(html: str, anchor: str) -> str:
    found = re.search(rf'<section id="{anchor}">(.*?)</section>', html, re.DOTALL)
    assert found, f"no section {anchor}"
    return found.group(1)


def test_demo_ends_with_a_report_of_its_run(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    out_dir, out = demo_run
    assert out.returncode == 0, out.stdout + out.stderr
    page = out_dir / "report" / "index.html"
    assert f"demo report: {page.resolve()}" in out.stdout
    html = page.read_text()
    for step in demo_steps():
        assert step.TITLE.split(":")[0] in _section(html, "steps")
    timeline = _section(html, "timeline")
    assert "timeline of voice engine scene" in timeline
    assert "timeline of the story of Aethelred" in timeline
    assert "gateway killed" in timeline
    spoken = _section(html, "spoken")
    # The graveyard scene's vampire, with the voices step's render of its line.
    assert "the vampire" in spoken
    assert "vampire_invitation" in spoken
    assert spoken.count("<audio ") >= 5
    beats = _section(html, "beats")
    assert "A Door on Tanner&#x27;s Row" in beats
    assert "The Reckoning" in beats
    assert "22 beats reached" in beats
    synced = _section(html, "sync")
    cells = re.findall(r"<td>(\d+)</td>", synced)
    produced, delivered, duplicates, lost = (int(c) for c in cells[:4])
    assert produced > 0
    assert delivered == produced
    assert duplicates == 0
    assert lost == 0

    check = page_check(page, tmp_path)
    assert check.attributes.get("data-state") == "done", check.text
    assert check.number("errors") == 0, check.text
    assert check.console_lines == [], check.console_lines
    assert check.number("images-decoded") == check.number("images") > 0
    assert check.number("audio-playable") == check.number("audio") > 0


def test_demo_steps_run_in_declared_order() -> None:
    orders = [s.ORDER for s in demo_steps()]
    assert orders == sorted(orders)
    assert demo_steps()[0].TITLE == "environment"
