"""`aicore` as a user runs it: a subprocess of the installed console script."""

from __future__ import annotations

import re
from pathlib import Path

from cli_runner import run_aicore, run_python

import engine_bridge
from engine_bridge.tooling import cli


def test_version_names_package_and_native_core(venv_bin: Path, clean_env: dict[str, str]) -> None:
    out = run_aicore(venv_bin, clean_env, "--version")
    assert out.returncode == 0, out.stderr
    assert re.fullmatch(
        rf"aicore {re.escape(engine_bridge.__version__)} \(native voice core \d+\.\d+\.\d+\)\n",
        out.stdout,
    )


def test_doctor_reports_every_part_and_passes_on_a_set_up_machine(
    venv_bin: Path, clean_env: dict[str, str]
) -> None:
    out = run_aicore(venv_bin, clean_env, "doctor")
    assert out.returncode == 0, out.stdout + out.stderr
    lines = {line.split()[1]: line for line in out.stdout.splitlines() if line.strip()}
    for part in (
        "python",
        "vocal._native",
        "models._feature_rows",
        "libaicore",
        "aicore-host",
        "numpy",
        "onnxruntime",
        "zeromq",
        "sqlite",
        "audio",
    ):
        assert part in lines, f"doctor has no line for {part}:\n{out.stdout}"
    assert lines["libaicore"].startswith("ok")
    assert lines["models._feature_rows"].startswith("ok")
    assert "libaicore.so" in lines["libaicore"]
    assert "CURVE available" in lines["zeromq"]
    assert "FTS5" in lines["sqlite"]
    # Headless machines have no sound card: that is reported, not an error.
    assert re.match(r"(ok|none)\s+audio output", lines["audio"])
    # The shipped content starts every runtime system.
    for system in ("voice", "dialogue", "story", "knowledge"):
        assert lines[system].startswith("ok"), out.stdout


def test_doctor_says_which_system_is_off_and_why(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    out = run_aicore(venv_bin, clean_env, "doctor", "--content", str(tmp_path))
    lines = {line.split()[1]: line for line in out.stdout.splitlines() if line.strip()}
    for system in ("voice", "dialogue", "story", "knowledge"):
        assert lines[system].startswith("OFF"), out.stdout
    assert "no lore folder" in lines["knowledge"]
    assert out.returncode == 0, out.stdout  # the machine is fine; the content is not


def test_doctor_reports_a_missing_extra_without_failing(
    repo: Path, clean_env: dict[str, str]
) -> None:
    # onnxruntime is the models extra: a game installed without it plays on scripted
    # decisions, so doctor names it and how to install it, and does not fail.
    code = "from engine_bridge.tooling.cli import main\nsys.exit(main(['doctor']))\n"
    out = run_python(code, clean_env, repo, missing=["onnxruntime"])
    assert out.returncode == 0, out.stdout + out.stderr
    line = re.search(r"^none\s+onnxruntime\s+cannot import.*$", out.stdout, re.M)
    assert line, out.stdout
    assert "aicore[models]" in line.group(0)


def test_doctor_reports_a_missing_host_binary(
    venv_bin: Path, clean_env: dict[str, str], tmp_path: Path
) -> None:
    env = dict(clean_env, AICORE_HOST=str(tmp_path / "aicore-host"))
    out = run_aicore(venv_bin, env, "doctor")
    assert out.returncode == 1
    assert re.search(r"^MISSING\s+aicore-host\s+.*not found", out.stdout, re.M), out.stdout


def test_without_a_command_help_is_printed_and_exit_is_2(
    venv_bin: Path, clean_env: dict[str, str]
) -> None:
    out = run_aicore(venv_bin, clean_env)
    assert out.returncode == 2
    assert "doctor" in out.stdout
    assert "demo" in out.stdout


def test_unknown_command_is_an_error(venv_bin: Path, clean_env: dict[str, str]) -> None:
    out = run_aicore(venv_bin, clean_env, "no-such-command")
    assert out.returncode == 2
    assert "invalid choice" in out.stderr


def test_each_command_module_registers_itself() -> None:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert {"demo", "doctor"} <= set(sub.choices)
