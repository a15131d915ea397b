"""Demo step: every shipped voice line as every monster, and a picture of what each does.

Writes ``voices/dry/<line>.wav`` (the shipped lines), ``voices/<archetype>/<line>.wav``
(each line at full intensity in the archetype's room, at the documented loudness of a voice
at 1 m plus the room, float32) and ``voices/<archetype>.png``
(one line dry beside wet: waveform above, spectrogram below).
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import numpy as np
import soundfile

import vocal
from vocal.content import archetype_preset, content_root, environment_preset
from vocal.extras import import_extra
from vocal.loudness import normalise_loudness
from vocal.voice_lines import VoiceLine, load_line, load_manifest

TITLE = "monster voices"
ORDER = 20

ENVIRONMENT_BY_ARCHETYPE: dict[str, str] = {
    "vampire": "crypt",
    "zombie": "corridor",
    "werewolf": "open",
    "wraith": "cave",
    "ghoul": "crypt",
}
"""Where each archetype is heard in the demo; an archetype not named here is in the crypt."""

SEED = 7
"""The render seed: the demo writes the same files on every run."""

_DEFAULT_ENVIRONMENT = "crypt"
_MAX_PLOT_HZ = 8000.0
_DYNAMIC_RANGE_DB = 80.0
# 1024 points at 22.05 kHz is a 46 ms window: fine enough in frequency to see harmonics
# and formants move, coarse enough in time to stay cheap (a few ms per picture).
_FFT_SIZE = 1024
_HOP = 256


def environment_of(archetype: str) -> str:
    """The environment the demo renders ``archetype`` in."""
    return ENVIRONMENT_BY_ARCHETYPE.get(archetype, _DEFAULT_ENVIRONMENT)


def run(out_dir: Path) -> list[str]:
    lines = load_manifest(content_root())
    dry_of = {line.id: load_line(line) for line in lines}
    folder = out_dir / "voices"
    (folder / "dry").mkdir(parents=True, exist_ok=True)
    for line in lines:
        soundfile.write(folder / "dry" / f"{line.id}.wav", dry_of[line.id], line.sample_rate)

    archetypes = vocal.archetypes()
    wet_files = 0
    wet_seconds = 0.0
    render_seconds = 0.0
    for archetype in archetypes:
        environment = environment_of(archetype)
        (folder / archetype).mkdir(exist_ok=True)
        wet_of: dict[str, np.ndarray] = {}
        for line in lines:
            # At the level the engine plays it: -23 LUFS as this monster says it at 1 m.
            dry = normalise_loudness(dry_of[line.id], line.sample_rate, archetype)
            started = time.perf_counter()
            wet = vocal.render(dry, line.sample_rate, archetype, environment=environment, seed=SEED)
            render_seconds += time.perf_counter() - started
            assert isinstance(wet, np.ndarray)
            soundfile.write(
                folder / archetype / f"{line.id}.wav", wet, line.sample_rate, subtype="FLOAT"
            )
            wet_of[line.id] = wet
            wet_files += 1
            wet_seconds += wet.size / line.sample_rate
        shown = _representative_line(lines, archetype)
        _draw(
            folder / f"{archetype}.png",
            archetype,
            environment,
            shown,
            dry_of[shown.id],
            wet_of[shown.id],
        )

    dry_seconds = sum(dry_of[line.id].size / line.sample_rate for line in lines)
    rooms = ", ".join(f"{a} in {environment_of(a)}" for a in archetypes)
    return [
        f"{len(lines)} lines x {len(archetypes)} archetypes = {wet_files} renders "
        f"({wet_seconds:.1f} s of audio) in {render_seconds:.1f} s, seed {SEED}",
        f"{rooms}; full intensity",
        f"{len(lines)} dry lines ({dry_seconds:.1f} s) in {folder / 'dry'}",
        f"{len(archetypes)} pictures (dry beside wet): "
        + ", ".join(f"{a}.png" for a in archetypes),
        f"wrote {folder}",
    ]


def _representative_line(lines: list[VoiceLine], archetype: str) -> VoiceLine:
    """The archetype's own line when it has one (its text suits the voice), else the first."""
    return next((line for line in lines if line.speaker == archetype), lines[0])


def _spectrogram_db(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Magnitude in dB (frequency x frame) up to ``_MAX_PLOT_HZ``, and the bins' frequencies.

    Frame ``k`` is centred on sample ``k * _HOP``.
    """
    half = np.zeros(_FFT_SIZE // 2, dtype=samples.dtype)
    padded = np.concatenate([half, samples, half])
    frames = np.lib.stride_tricks.sliding_window_view(padded, _FFT_SIZE)[::_HOP]
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(_FFT_SIZE), axis=1))
    frequencies = np.fft.rfftfreq(_FFT_SIZE, 1.0 / sample_rate)
    keep = frequencies <= _MAX_PLOT_HZ
    magnitude_db = 20.0 * np.log10(spectrum[:, keep].T + 1e-9)
    return magnitude_db, frequencies[keep]


def _draw(
    path: Path,
    archetype: str,
    environment: str,
    line: VoiceLine,
    dry: np.ndarray,
    wet: np.ndarray,
) -> None:
    rate = line.sample_rate
    # Both columns share the wet line's time axis so the room's tail shows as extra length.
    seconds = wet.size / rate
    spectra = [_spectrogram_db(dry, rate), _spectrogram_db(wet, rate)]
    top_db = max(float(s.max()) for s, _ in spectra)
    peak = max(float(np.abs(dry).max()), float(np.abs(wet).max()), 1e-6)

    # Plots are a tool: matplotlib comes with the "tools" extra, never with the game.
    figure_module = import_extra("matplotlib.figure", "the demo's voice plots")
    figure = figure_module.Figure(figsize=(16, 9), dpi=100, layout="constrained")
    axes = figure.subplots(2, 2, sharex=True)
    description = archetype_preset(archetype).description
    room = environment_preset(environment)
    figure.suptitle(
        f"{archetype}: " + "\n".join(textwrap.wrap(description, 110)),
        fontsize=15,
        fontweight="bold",
    )
    headings = [
        f'dry: {line.id} — "{textwrap.shorten(line.text, 60)}"',
        f"wet: {archetype} in {environment} (RT60 {room.decay_seconds:g} s), "
        f"intensity 1, seed {SEED}",
    ]
    image = None
    for column, (samples, (magnitude_db, frequencies), heading) in enumerate(
        zip((dry, wet), spectra, headings, strict=True)
    ):
        wave_axes = axes[0, column]
        wave_axes.plot(np.arange(samples.size) / rate, samples, linewidth=0.4, color="#1f4e79")
        wave_axes.set_ylim(-1.05 * peak, 1.05 * peak)
        wave_axes.set_title(heading, fontsize=12)
        wave_axes.set_ylabel("amplitude")
        wave_axes.grid(alpha=0.3)

        spectrum_axes = axes[1, column]
        image = spectrum_axes.imshow(
            magnitude_db - top_db,
            origin="lower",
            aspect="auto",
            cmap="magma",
            vmin=-_DYNAMIC_RANGE_DB,
            vmax=0.0,
            extent=(
                -0.5 * _HOP / rate,
                (magnitude_db.shape[1] - 0.5) * _HOP / rate,
                0.0,
                frequencies[-1] / 1000.0,
            ),
            interpolation="nearest",
        )
        spectrum_axes.set_xlim(0.0, seconds)
        spectrum_axes.set_xlabel("time (s)")
        spectrum_axes.set_ylabel("frequency (kHz)")
    assert image is not None
    colorbar = figure.colorbar(image, ax=axes[1, :], shrink=0.9, pad=0.01)
    colorbar.set_label("level (dB, 0 = loudest bin of either)")
    figure.savefig(path)
