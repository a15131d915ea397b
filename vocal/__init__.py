"""The Python face of AI Core's voice pipeline.

Turn a line of speech into a vampire's, zombie's, werewolf's, wraith's or ghoul's voice::

    import soundfile, vocal

    dry, rate = soundfile.read("line.wav", dtype="float32")
    wet = vocal.render(dry, rate, "vampire", distance=3.0, environment="crypt")
    soundfile.write("vampire.wav", wet, rate)

The DSP runs in C++ (``vocal._native``) with the GIL released; arrays are float32 mono.
"""

from __future__ import annotations

import numpy as np

from vocal import _native
from vocal.content import archetypes, environments
from vocal.engine import Engine, EngineEvent, QueueFullError
from vocal.playback import play
from vocal.rendering import Stems, latency_ms, render, speak
from vocal.tts import TtsWorker, synthesize

__all__ = [
    "Engine",
    "EngineEvent",
    "QueueFullError",
    "Stems",
    "TtsWorker",
    "__version__",
    "archetypes",
    "environments",
    "filter_biquad",
    "latency_ms",
    "play",
    "render",
    "speak",
    "synthesize",
]

__version__: str = _native.version()


def filter_biquad(
    samples: np.ndarray,
    sample_rate: int,
    type: str,
    frequency_hz: float,
    q: float = 0.7071067811865476,
    gain_db: float = 0.0,
) -> np.ndarray:
    """Filter a mono signal with one RBJ-cookbook biquad and return a new float32 array.

    ``type`` is one of lowpass, highpass, bandpass, notch, peak, lowshelf, highshelf,
    allpass; ``gain_db`` applies to peak and the shelves. Raises ``ValueError`` on an
    unknown type or an out-of-range frequency, rate or Q.
    """
    return _native.filter_biquad(samples, sample_rate, type, frequency_hz, q, gain_db)
