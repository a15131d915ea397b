"""Render a line of speech as a monster: the offline face of the real-time voice chain.

Every call runs the same C++ objects the engine's audio thread runs (the archetype chain
and the environment), block by block, with the GIL released.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vocal import _native
from vocal.content import archetype_preset, environment_preset
from vocal.tts import synthesize

__all__ = ["Stems", "latency_ms", "render", "speak"]

Stems = dict[str, np.ndarray]
"""``voice``, ``subliminal`` and ``reverb`` (mono) float32 arrays of equal length."""

_MAX_SECONDS = 120.0


def _intensity(
    preset: _native.ArchetypePreset, intensity: float | None, distance: float | None
) -> float:
    if intensity is not None and distance is not None:
        raise ValueError("give intensity or distance, not both")
    if distance is not None:
        if not np.isfinite(distance) or distance < 0:
            raise ValueError(f"distance must be a finite number of metres >= 0, got {distance}")
        return float(preset.intensity_at_distance(distance))
    if intensity is None:
        return 1.0
    if not np.isfinite(intensity) or not 0.0 <= intensity <= 1.0:
        raise ValueError(f"intensity must be within 0..1, got {intensity}")
    return float(intensity)


def render(
    samples: np.ndarray,
    sample_rate: int,
    archetype: str,
    *,
    intensity: float | None = None,
    distance: float | None = None,
    environment: str = "open",
    stems: bool = False,
    seed: int = 0,
    tail_seconds: float | None = None,
    root: Path | None = None,
) -> np.ndarray | Stems:
    """Turn a mono line of speech into ``archetype``'s voice, heard in ``environment``.

    ``intensity`` (0 = the dry voice, 1 = the full monster) or ``distance`` in metres
    (mapped through the archetype's proximity curve; nearer is stronger); neither means 1.
    The result is latency compensated: sample k lines up with sample k of the input, and
    the room's tail follows (``tail_seconds``, by default the room's decay, at most 3 s).
    With ``stems=True`` returns ``{"voice", "subliminal", "reverb"}`` instead of their sum.
    The same ``seed`` gives bit-identical output. The presets are ``root``'s (a content
    root; None: the shipped content, :func:`vocal.content.content_root`).

    Raises ``ValueError`` for an unknown archetype or environment, a sample rate outside
    8000..192000 Hz, empty input, NaN or inf, or more than 120 s of audio.
    """
    preset = archetype_preset(archetype, root=root)
    room = environment_preset(environment, root=root)
    x = np.asarray(samples)
    if x.ndim != 1:
        raise ValueError(f"samples must be mono (1-D), got shape {x.shape}")
    if x.size == 0:
        raise ValueError("samples is empty")
    if not isinstance(sample_rate, int | np.integer) or not 8000 <= sample_rate <= 192000:
        raise ValueError(
            f"sample_rate must be an integer within 8000..192000 Hz, got {sample_rate}"
        )
    if x.size > _MAX_SECONDS * sample_rate:
        raise ValueError(f"at most {_MAX_SECONDS:.0f} s of audio per call")
    x = x.astype(np.float32, copy=False)
    if not np.isfinite(x).all():
        raise ValueError("samples contain NaN or inf")
    if not isinstance(seed, int | np.integer) or not 0 <= seed < 2**64:
        raise ValueError(f"seed must be an integer within 0..2**64-1, got {seed!r}")
    level = _intensity(preset, intensity, distance)
    if tail_seconds is None:
        tail_seconds = min(room.decay_seconds, 3.0) if room.reverb else 0.0
    out = _native.render_line(
        x, float(sample_rate), preset, room, level, seed=seed, tail_seconds=tail_seconds
    )
    reverb = 0.5 * (out["reverb_left"] + out["reverb_right"])
    if stems:
        return {"voice": out["voice"], "subliminal": out["subliminal"], "reverb": reverb}
    return out["voice"] + out["subliminal"] + reverb


def latency_ms(archetype: str, sample_rate: int = 48_000) -> float:
    """The archetype chain's algorithmic latency in milliseconds at ``sample_rate``: how
    far the real-time voice lags its clip (offline renders compensate it)."""
    samples = _native.latency_samples(archetype_preset(archetype), float(sample_rate))
    return 1000.0 * samples / sample_rate


def speak(
    text: str,
    archetype: str,
    *,
    voice: str | None = None,
    speed: int = 150,
    pitch: int = 50,
    backend: str | None = None,
    **options: object,
) -> tuple[np.ndarray | Stems, int]:
    """Synthesise ``text`` (:func:`vocal.tts.synthesize`), then :func:`render` it as
    ``archetype``.

    ``voice``, ``speed``, ``pitch`` and ``backend`` go to the synthesiser (None: the
    backend's default voice; the default backend, Flite); every other keyword
    (``intensity``, ``distance``, ``environment``, ``stems``, ``seed``) to :func:`render`.
    Returns ``(audio, sample_rate)``. Call it off the game thread (or use
    :class:`vocal.tts.TtsWorker`): synthesis takes tens of milliseconds.
    """
    dry, rate = synthesize(text, voice=voice, speed=speed, pitch=pitch, backend=backend)
    return render(dry, rate, archetype, **options), rate  # type: ignore[arg-type]
