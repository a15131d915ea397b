"""The shipped voice lines: content/voice_lines/lines.toml, its WAVs and their generator."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from cli_runner import run
from content_files import write

from vocal.voice_lines import MANIFEST_PATH, VoiceLine, load_line, load_manifest

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
GENERATOR = REPO / "tools" / "generate_voice_lines.py"

GOOD_LINE = """
[[line]]
id = "ghoul_hunger"
text = "Bring me the fresh ones."
speaker = "ghoul"
voice = "en+m3"
speed = 140
pitch = 25
"""


@pytest.fixture(scope="module")
def shipped() -> list[VoiceLine]:
    return load_manifest(CONTENT)


def _rms_dbfs(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))))


def _write_manifest(content_root: Path, text: str) -> Path:
    return write(content_root, str(MANIFEST_PATH), text)


def _run_generator(*args: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, str(GENERATOR), *args])


def test_at_least_twelve_lines_ship_with_unique_ids(shipped: list[VoiceLine]) -> None:
    ids = [line.id for line in shipped]
    assert len(ids) >= 12
    assert len(set(ids)) == len(ids)


def test_every_shipped_npc_kind_has_a_line(shipped: list[VoiceLine]) -> None:
    scripts = {p.stem for p in (CONTENT.parent / "npc_scripts").glob("*.py")}
    assert {line.speaker for line in shipped} == scripts


def test_every_line_id_has_its_wav_and_every_wav_has_a_line(shipped: list[VoiceLine]) -> None:
    folder = CONTENT / MANIFEST_PATH.parent
    for line in shipped:
        assert line.path == folder / f"{line.id}.wav"
        assert line.path.is_file(), f"{line.id}: {line.path} is missing"
    assert {p.name for p in folder.glob("*.wav")} == {f"{line.id}.wav" for line in shipped}


def test_every_shipped_line_loads_as_audible_mono_float32_of_1_5_to_4_5_seconds(
    shipped: list[VoiceLine],
) -> None:
    for line in shipped:
        samples = load_line(line)
        seconds = samples.size / line.sample_rate
        assert samples.dtype == np.float32, line.id
        assert samples.ndim == 1, line.id
        assert 1.5 <= seconds <= 4.5, f"{line.id} lasts {seconds:.2f} s"
        assert _rms_dbfs(samples) > -40.0, f"{line.id} is silent"


def test_shipped_wavs_are_16_bit_at_the_manifest_rate_and_small(
    shipped: list[VoiceLine],
) -> None:
    for line in shipped:
        info = sf.info(line.path)
        assert (info.subtype, info.channels, info.samplerate) == (
            "PCM_16",
            1,
            line.sample_rate,
        ), line.id
    assert sum(line.path.stat().st_size for line in shipped) < 3_000_000


def test_the_generator_check_passes_on_the_shipped_content() -> None:
    done = _run_generator("--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "match a fresh render" in done.stdout


def test_the_generator_check_names_changed_and_missing_wavs(tmp_path: Path) -> None:
    shutil.copytree(CONTENT / MANIFEST_PATH.parent, tmp_path / MANIFEST_PATH.parent)
    lines = load_manifest(tmp_path)
    changed, missing = lines[0], lines[1]
    data = bytearray(changed.path.read_bytes())
    data[-1] ^= 0x01
    changed.path.write_bytes(bytes(data))
    missing.path.unlink()

    done = _run_generator("--check", "--content-root", str(tmp_path))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{changed.id}: " in done.stdout
    assert f"{missing.id}: " in done.stdout
    assert "2 difference(s)" in done.stdout


def test_the_generator_writes_identical_wavs_twice(tmp_path: Path) -> None:
    _write_manifest(tmp_path, "sample_rate = 22050\n" + GOOD_LINE)
    assert _run_generator("--content-root", str(tmp_path)).returncode == 0
    [line] = load_manifest(tmp_path)
    first = line.path.read_bytes()
    assert _run_generator("--content-root", str(tmp_path)).returncode == 0
    assert line.path.read_bytes() == first
    assert _run_generator("--check", "--content-root", str(tmp_path)).returncode == 0


@pytest.mark.parametrize(
    ("manifest_text", "field"),
    [
        (GOOD_LINE, "sample_rate"),
        (
            "sample_rate = 22050\n" + GOOD_LINE.replace('text = "Bring me the fresh ones."', ""),
            "text",
        ),
        ("sample_rate = 22050\n" + GOOD_LINE.replace("speed = 140", 'speed = "fast"'), "speed"),
        ("sample_rate = 22050\n" + GOOD_LINE.replace("pitch = 25", "pitch = 140"), "pitch"),
        ("sample_rate = 22050\n" + GOOD_LINE.replace('"ghoul"\n', '"Banshee"\n'), "speaker"),
        ("sample_rate = 22050\n" + GOOD_LINE.replace('"ghoul_hunger"', '"Ghoul Hunger"'), "id"),
        ("sample_rate = 22050\n" + GOOD_LINE + GOOD_LINE, "id"),
        ("sample_rate = 22050\n" + GOOD_LINE + 'file = "../../outside.wav"\n', "file"),
        ("sample_rate = 22050\n" + GOOD_LINE + "pich = 3\n", "pich"),
        ("sample_rate = 22050\n", "line"),
    ],
    ids=[
        "no-sample-rate",
        "no-text",
        "speed-not-int",
        "pitch-out-of-range",
        "unknown-speaker",
        "bad-id",
        "duplicate-id",
        "file-outside-root",
        "unknown-field",
        "no-lines",
    ],
)
def test_a_malformed_manifest_names_the_file_and_the_field(
    tmp_path: Path, manifest_text: str, field: str
) -> None:
    manifest = _write_manifest(tmp_path, manifest_text)
    with pytest.raises(ValueError, match=f"'{field}'") as caught:
        load_manifest(tmp_path)
    assert str(manifest) in str(caught.value)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    manifest = _write_manifest(tmp_path, "sample_rate = \n")
    with pytest.raises(ValueError, match="not valid UTF-8 TOML") as caught:
        load_manifest(tmp_path)
    assert str(manifest) in str(caught.value)


def test_a_file_inside_the_content_root_may_live_in_a_subfolder(tmp_path: Path) -> None:
    _write_manifest(tmp_path, "sample_rate = 22050\n" + GOOD_LINE + 'file = "ghoul/hunger.wav"\n')
    [line] = load_manifest(tmp_path)
    assert line.path == tmp_path.resolve() / "voice_lines" / "ghoul" / "hunger.wav"


def test_load_line_refuses_a_wav_at_another_rate(tmp_path: Path) -> None:
    _write_manifest(tmp_path, "sample_rate = 22050\n" + GOOD_LINE)
    [line] = load_manifest(tmp_path)
    sf.write(line.path, np.zeros(48000, dtype=np.int16), 48000, subtype="PCM_16")
    with pytest.raises(ValueError, match="48000 Hz"):
        load_line(line)


def test_load_line_names_a_missing_wav(tmp_path: Path) -> None:
    _write_manifest(tmp_path, "sample_rate = 22050\n" + GOOD_LINE)
    [line] = load_manifest(tmp_path)
    with pytest.raises(FileNotFoundError, match="generate_voice_lines"):
        load_line(line)
