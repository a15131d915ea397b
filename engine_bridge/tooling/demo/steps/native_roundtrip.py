"""Demo step: drive both native faces — the C ABI host and the pybind11 voice core.

Runs ``aicore-host`` (which talks only through the C ABI) and filters a wind-like noise
bed through the voice core's biquad, writing dry and filtered WAV files.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import soundfile

import vocal
from engine_bridge.native import library as native

TITLE = "native parts"
ORDER = 10

_RATE = 48_000


def run(out_dir: Path) -> list[str]:
    host = native.host_executable()
    version = subprocess.run(
        [str(host), "--version"], capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()

    rng = np.random.default_rng(7)
    dry = (0.3 * rng.standard_normal(2 * _RATE)).astype(np.float32)
    wet = vocal.filter_biquad(dry, _RATE, "lowpass", 400.0, q=4.0)
    folder = out_dir / "native"
    folder.mkdir(parents=True, exist_ok=True)
    soundfile.write(folder / "noise_dry.wav", dry, _RATE, subtype="FLOAT")
    soundfile.write(folder / "noise_lowpass_400hz.wav", wet, _RATE, subtype="FLOAT")

    def rms_db(x: np.ndarray) -> float:
        return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64)))))

    return [
        f"host: {version}",
        f"voice core {vocal.__version__}: lowpass 400 Hz took white noise from "
        f"{rms_db(dry):.1f} dBFS to {rms_db(wet):.1f} dBFS",
        f"wrote {folder / 'noise_dry.wav'} and {folder / 'noise_lowpass_400hz.wav'}",
    ]
