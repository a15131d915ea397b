"""The archetypes heard: one shipped line rendered through each monster voice with the
project's own API (:func:`vocal.render`, as ``aicore demo`` renders its lines), shown as a
spectrogram with an audio player and its EBU R128 integrated loudness (BS.1770, measured
by pyloudnorm through :func:`vocal.loudness.integrated_loudness`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import vocal
from engine_bridge.tooling.bench.report.embedded_media import audio_html, image_html, new_plot
from engine_bridge.tooling.bench.report.html_page import Section, Table, escape, nothing_to_show
from engine_bridge.tooling.demo.steps.voices import SEED, environment_of
from vocal.loudness import integrated_loudness, normalise_loudness
from vocal.voice_lines import VoiceLine, load_line, load_manifest

__all__ = ["RenderedVoice", "archetype_voices_section", "render_archetypes"]

_MAX_PLOT_HZ = 8000.0
_DYNAMIC_RANGE_DB = 80.0
_FFT_SIZE = 512
_HOP = 128


@dataclass(frozen=True)
class RenderedVoice:
    """One line in one archetype's voice: its samples, where it was heard, its integrated
    loudness (LUFS) and how long the render took."""

    archetype: str
    environment: str
    samples: np.ndarray
    sample_rate: int
    lufs: float
    render_seconds: float


def _shortest_line(lines: list[VoiceLine]) -> VoiceLine:
    # The shortest keeps the report quick to make and small to open: five renders of it.
    return min(lines, key=lambda line: (len(line.text), line.id))


def render_archetypes(content: Path) -> tuple[VoiceLine, list[RenderedVoice]]:
    """The shortest shipped line of ``content`` through every archetype, at full intensity
    in the room the demo hears it in, at the engine's level (-23 LUFS at 1 m)."""
    lines = load_manifest(content)
    if not lines:
        raise ValueError(f"{content}: the voice-line manifest lists no lines")
    line = _shortest_line(lines)
    dry = load_line(line)
    voices = []
    for archetype in vocal.archetypes(root=content):
        environment = environment_of(archetype)
        levelled = normalise_loudness(dry, line.sample_rate, archetype)
        started = time.perf_counter()
        wet = vocal.render(
            levelled, line.sample_rate, archetype, environment=environment, seed=SEED
        )
        took = time.perf_counter() - started
        assert isinstance(wet, np.ndarray)
        lufs = integrated_loudness(wet, line.sample_rate)
        voices.append(RenderedVoice(archetype, environment, wet, line.sample_rate, lufs, took))
    return line, voices


def _spectrogram_db(mono: np.ndarray, rate: int) -> tuple[np.ndarray, float]:
    """Level in dB (frequency x frame) up to ``_MAX_PLOT_HZ`` and the top bin's frequency.
    A floor keeps digital silence (a room's tail, a pause) finite."""
    padded = np.concatenate([mono, np.zeros(_FFT_SIZE, dtype=mono.dtype)])
    frames = np.lib.stride_tricks.sliding_window_view(padded, _FFT_SIZE)[::_HOP]
    spectrum = np.abs(np.fft.rfft(frames * np.hanning(_FFT_SIZE), axis=1))
    frequencies = np.fft.rfftfreq(_FFT_SIZE, 1.0 / rate)
    keep = frequencies <= _MAX_PLOT_HZ
    level = 20.0 * np.log10(spectrum[:, keep].T + 1e-9)
    return level - level.max(), float(frequencies[keep][-1])


def _spectrogram(voice: RenderedVoice) -> str:
    figure = new_plot(4.5, 2.6)
    axes = figure.subplots()
    mono = voice.samples if voice.samples.ndim == 1 else voice.samples.mean(axis=1)
    level, top_hz = _spectrogram_db(mono.astype(np.float64), voice.sample_rate)
    axes.imshow(
        level,
        origin="lower",
        aspect="auto",
        cmap="magma",
        vmin=-_DYNAMIC_RANGE_DB,
        vmax=0.0,
        extent=(0.0, len(mono) / voice.sample_rate, 0.0, top_hz),
        interpolation="nearest",
    )
    axes.set_title(f"{voice.archetype} in {voice.environment}: {voice.lufs:.1f} LUFS")
    axes.set_xlabel("time (s)")
    axes.set_ylabel("Hz")
    return image_html(figure, f"spectrogram of the {voice.archetype} voice")


def archetype_voices_section(content: Path) -> Section:
    """Spectrograms, players and loudness of every archetype; a render that fails is
    said in the section (the rest of the report still shows)."""
    title = "The archetypes heard"
    try:
        line, voices = render_archetypes(content)
    except (OSError, ValueError, RuntimeError) as exc:
        return Section("voices", title, nothing_to_show(f"the voices could not be rendered: {exc}"))
    if not voices:
        return Section("voices", title, nothing_to_show(f"{content} ships no archetype."))
    table = Table(
        ("archetype", "room", "integrated loudness", "length", "render took"),
        [
            (
                v.archetype,
                v.environment,
                f"{v.lufs:.1f} LUFS",
                f"{len(v.samples) / v.sample_rate:.2f} s",
                f"{v.render_seconds * 1e3:.0f} ms",
            )
            for v in voices
        ],
    )
    cards = "".join(
        f'<div class="voice">{_spectrogram(v)}'
        f"{audio_html(v.samples, v.sample_rate, f'{line.id} as {v.archetype}')}</div>"
        for v in voices
    )
    head = (
        f"<p>The line <b>{escape(line.id)}</b> (&ldquo;{escape(line.text)}&rdquo;), set to "
        f"the engine's level, through each voice at full intensity with seed {SEED}. "
        "Loudness is EBU R128 integrated (BS.1770, pyloudnorm).</p>"
    )
    return Section("voices", title, head + table.html() + cards)
