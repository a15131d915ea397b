"""How loud a line plays: every clip is normalised to one integrated loudness when it is
prepared, off the audio thread, so that a voice 1 m from the listener comes out of the
engine at :data:`TARGET_LUFS` whichever line it speaks, whichever monster speaks it and
however it was recorded.

Loudness is ITU-R BS.1770-4 integrated loudness (K-weighting, 400 ms blocks, absolute and
relative gates) as ``pyloudnorm`` measures it, in LUFS. A clip is measured as it will be
heard up close: through its archetype's chain at full intensity (an offline render of the
same C++ objects), since a chain's EQ, drive and tremolo change a line's loudness by a
different amount for each line. The engine keeps the level: at 1 m its distance gain is 1,
and its equal-power panning keeps the summed power of the two channels, which is what
BS.1770 measures. Each archetype's ``output_gain_db`` makes its chain about as loud as the
dry line, so a voice's level does not jump as intensity falls with distance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyloudnorm

from vocal.rendering import render

__all__ = ["PEAK_CEILING_DBFS", "TARGET_LUFS", "integrated_loudness", "normalise_loudness"]

TARGET_LUFS: float = -23.0
"""A voice at 1 m, integrated: EBU R 128's programme level, which leaves a crowd and the
limiter ~20 dB of headroom."""

PEAK_CEILING_DBFS: float = -1.0
"""A clip is never made louder than this sample peak, even if that leaves it under target."""

_BLOCK_SECONDS = 0.4  # BS.1770's gating block: the shortest signal it can measure


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness in LUFS of a mono (n,) or multichannel (n, channels) signal;
    ``-inf`` for silence. A signal shorter than one 400 ms gating block is measured as
    if it repeated (a clip is a loop as far as its level goes)."""
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim not in (1, 2) or x.shape[0] == 0:
        raise ValueError(f"samples must be a non-empty (n,) or (n, channels) array, got {x.shape}")
    shortest = int(np.ceil(_BLOCK_SECONDS * sample_rate)) + 1
    if x.shape[0] < shortest:
        x = np.resize(x, (shortest, *x.shape[1:])) if x.ndim == 2 else np.resize(x, shortest)
    return float(pyloudnorm.Meter(sample_rate).integrated_loudness(x))


def normalise_loudness(
    samples: np.ndarray,
    sample_rate: int,
    archetype: str | None = None,
    target_lufs: float = TARGET_LUFS,
    *,
    root: Path | None = None,
) -> np.ndarray:
    """A float32 copy of a mono clip scaled so that it measures ``target_lufs`` integrated
    as ``archetype``'s full voice (its chain at intensity 1, no room), or as it is if
    ``archetype`` is None; the clip's sample peak is held at or below
    :data:`PEAK_CEILING_DBFS`. Silence (nothing above BS.1770's -70 LUFS gate) is returned
    unchanged: there is no level to correct. With an archetype this renders the clip a
    few times (a few percent of its duration): call it where clips are prepared, never on
    the audio thread. The archetype's preset is ``root``'s (the content root the voice
    engine reads it from; None: the shipped content)."""
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError(f"samples must be mono (1-D), got shape {x.shape}")
    ceiling = 10.0 ** (PEAK_CEILING_DBFS / 20.0)
    peak = float(np.max(np.abs(x)))
    gain = 1.0
    # The dry line first, then a correction measured through the chain at the level the dry
    # step chose: the chain's drive is not linear, so a chain measured at the clip's own
    # level would miss by a dB or so; measured near the final level, by a few tenths.
    for heard in (False, *([True] * (_CORRECTIONS if archetype is not None else 0))):
        loudness = (
            _heard_loudness(x * np.float32(gain), sample_rate, str(archetype), root)
            if heard
            else integrated_loudness(x, sample_rate) + 20.0 * np.log10(gain)
        )
        if not np.isfinite(loudness):
            return x.copy()
        gain *= 10.0 ** ((target_lufs - loudness) / 20.0)
        if peak * gain > ceiling:
            gain = ceiling / peak
            break
    return (x * np.float32(gain)).astype(np.float32)


_CORRECTIONS = 1
_SEEDS = (0, 1, 2)


def _heard_loudness(x: np.ndarray, sample_rate: int, archetype: str, root: Path | None) -> float:
    """The chain's loudness at full intensity, over three seeds: the shimmer's random gain
    moves one render's loudness by up to a LU either way, the mean of three far less."""
    renders = [
        render(x, sample_rate, archetype, environment="none", seed=s, root=root) for s in _SEEDS
    ]
    return integrated_loudness(np.concatenate(renders), sample_rate)
