"""The native parts are installed where the docs say and agree on their version."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import engine_bridge
import vocal
from engine_bridge.native import library as native


def _sine(freq: float, rate: int = 48_000, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return np.sin(2 * np.pi * freq * t).astype(np.float32)


def _gain_db(x: np.ndarray, y: np.ndarray) -> float:
    half = len(x) // 2  # skip the filter's start-up
    return float(20 * np.log10(np.std(y[half:]) / np.std(x[half:])))


def test_every_native_part_reports_the_package_version() -> None:
    lib = native.load_library()
    assert lib.version == vocal.__version__ == engine_bridge.__version__
    assert lib.api_version == 1
    assert lib.python_version.startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")


def test_library_header_and_host_are_installed_in_the_environment_prefix() -> None:
    prefix = Path(sys.prefix)
    assert native.library_path() == prefix / "lib" / "libaicore.so"
    assert (prefix / "include" / "aicore" / "aicore.h").read_text().count("AICORE_API_VERSION")
    host = native.host_executable()
    assert host == prefix / "bin" / "aicore-host"
    out = subprocess.run([str(host), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith(f"aicore-host {vocal.__version__} (C ABI 1")


def test_result_strings_come_through_the_c_abi() -> None:
    lib = native.load_library()
    assert lib.handle.aicore_result_string(0) == b"ok"
    assert lib.handle.aicore_result_string(6) == b"queue or pool full"


def test_missing_library_is_reported_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(OSError, match=r"nowhere/libaicore\.so: not found"):
        native.load_library(tmp_path / "nowhere" / "libaicore.so")


def test_biquad_lowpass_through_the_python_face_attenuates_above_cutoff() -> None:
    low, high = _sine(100.0), _sine(8_000.0)
    assert _gain_db(low, vocal.filter_biquad(low, 48_000, "lowpass", 1_000.0)) == pytest.approx(
        0.0, abs=0.1
    )
    assert _gain_db(high, vocal.filter_biquad(high, 48_000, "lowpass", 1_000.0)) < -30.0


def test_biquad_returns_a_new_float32_array_and_leaves_the_input_alone() -> None:
    x = _sine(440.0)
    before = x.copy()
    y = vocal.filter_biquad(x, 48_000, "peak", 440.0, q=1.0, gain_db=6.0)
    assert y.dtype == np.float32
    assert y.shape == x.shape
    np.testing.assert_array_equal(x, before)
    assert _gain_db(x, y) == pytest.approx(6.0, abs=0.1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"type": "wobble"}, "unknown filter type 'wobble'"),
        ({"sample_rate": 100}, "sample_rate must be within"),
        ({"frequency_hz": 30_000.0}, "frequency_hz must be within"),
        ({"q": 0.0}, "q must be > 0"),
    ],
)
def test_biquad_rejects_bad_arguments_with_a_clear_message(
    kwargs: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {
        "samples": _sine(100.0),
        "sample_rate": 48_000,
        "type": "lowpass",
        "frequency_hz": 1_000.0,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        vocal.filter_biquad(**args)  # type: ignore[arg-type]
