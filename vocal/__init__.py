"""The Python face of AI Core's voice pipeline.

The DSP runs in C++ (``vocal._native``); this package takes and returns numpy arrays
and releases the GIL while rendering.
"""

from __future__ import annotations

import numpy as np

from vocal import _native

__all__ = ["__version__", "filter_biquad"]

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
