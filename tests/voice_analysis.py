"""Measurements the voice tests make on real speech: F0, formant scale, HNR, spectra, RT60.

Plain numpy, deliberately independent of the C++ analysis it checks.
"""

from __future__ import annotations

import numpy as np

FRAME_S = 0.04
HOP_S = 0.01


def frames(x: np.ndarray, rate: int, frame_s: float = FRAME_S, hop_s: float = HOP_S) -> np.ndarray:
    n, hop = int(frame_s * rate), int(hop_s * rate)
    count = max(0, 1 + (len(x) - n) // hop)
    idx = np.arange(n)[None, :] + hop * np.arange(count)[:, None]
    return x[idx].astype(np.float64)


def rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-20))


def _cmnd(frame: np.ndarray, max_lag: int) -> np.ndarray:
    """YIN's cumulative-mean-normalised difference function."""
    w = len(frame) - max_lag
    d = np.array([np.sum((frame[:w] - frame[lag : lag + w]) ** 2) for lag in range(max_lag + 1)])
    d[0] = 1.0
    cumulative = np.cumsum(d[1:]) / np.arange(1, max_lag + 1)
    out = np.ones_like(d)
    out[1:] = d[1:] / np.maximum(cumulative, 1e-12)
    return out


def f0_track(
    x: np.ndarray, rate: int, fmin: float = 50.0, fmax: float = 500.0, threshold: float = 0.2
) -> np.ndarray:
    """F0 (Hz) of each voiced frame (YIN, 40 ms frames); unvoiced frames are left out."""
    min_lag, max_lag = int(rate / fmax), int(rate / fmin)
    loud = rms_db(x) - 20.0
    out = []
    for frame in frames(x, rate):
        if rms_db(frame) < loud:
            continue
        d = _cmnd(frame - frame.mean(), max_lag)
        below = np.nonzero(d[min_lag:] < threshold)[0]
        if below.size == 0:
            continue
        lag = min_lag + below[0]
        while lag + 1 <= max_lag and d[lag + 1] < d[lag]:
            lag += 1
        if 1 <= lag < max_lag:  # parabolic refinement
            a, b, c = d[lag - 1], d[lag], d[lag + 1]
            lag = lag + 0.5 * (a - c) / (a - 2 * b + c + 1e-12)
        out.append(rate / lag)
    return np.asarray(out)


def median_f0(x: np.ndarray, rate: int) -> float:
    track = f0_track(x, rate)
    assert track.size >= 20, "too few voiced frames to measure F0"
    return float(np.median(track))


def semitones(ratio: float) -> float:
    return float(12 * np.log2(ratio))


def ltas_db(x: np.ndarray, rate: int, n_fft: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Long-term average spectrum of the loud frames, in dB, with its frequencies."""
    fr = frames(x, rate, n_fft / rate, n_fft / rate / 4)
    energy = np.mean(fr**2, axis=1)
    fr = fr[energy > np.max(energy) * 1e-3]
    spectrum = np.mean(np.abs(np.fft.rfft(fr * np.hanning(n_fft), axis=1)) ** 2, axis=0)
    return np.fft.rfftfreq(n_fft, 1 / rate), 10 * np.log10(spectrum + 1e-20)


def spectral_envelope_scale(
    dry: np.ndarray, wet: np.ndarray, rate: int, lo: float = 300.0, hi: float = 4000.0
) -> float:
    """The factor s by which wet's spectral envelope is dry's stretched along frequency
    (s < 1: formants moved down), found by maximising the correlation of the smoothed
    log spectra between lo and hi Hz."""
    f, a = ltas_db(dry, rate)
    _, b = ltas_db(wet, rate)

    def smooth(v: np.ndarray) -> np.ndarray:
        k = np.hanning(31)
        return np.convolve(v, k / k.sum(), mode="same")

    a, b = smooth(a), smooth(b)
    band = (f >= lo) & (f <= hi)
    best, best_s = -np.inf, 1.0
    for s in np.arange(0.6, 1.6, 0.005):
        shifted = np.interp(f[band] / s, f, a)  # dry's envelope moved by s
        c = np.corrcoef(shifted, b[band])[0, 1]
        if c > best:
            best, best_s = c, float(s)
    return best_s


def hnr_db(x: np.ndarray, rate: int, fmin: float = 50.0, fmax: float = 500.0) -> float:
    """Median harmonics-to-noise ratio of the loud frames (normalised autocorrelation peak)."""
    min_lag, max_lag = int(rate / fmax), int(rate / fmin)
    loud = rms_db(x) - 15.0
    values = []
    for frame in frames(x, rate, 0.06):
        if rms_db(frame) < loud:
            continue
        f = frame - frame.mean()
        r = np.correlate(f, f, mode="full")[len(f) - 1 :]
        r = r / (r[0] + 1e-20)
        # unbiased: compensate the triangular taper of the autocorrelation
        r = r[: max_lag + 1] / (1 - np.arange(max_lag + 1) / len(f))
        peak = float(np.clip(np.max(r[min_lag:]), 1e-6, 0.999999))
        values.append(10 * np.log10(peak / (1 - peak)))
    return float(np.median(values))


def band_levels_db(x: np.ndarray, rate: int) -> np.ndarray:
    """Third-octave band levels 100 Hz..8 kHz of the loud frames, normalised to 0 dB total."""
    f, s = ltas_db(x, rate)
    power = 10 ** (s / 10)
    centres = 100 * 2 ** (np.arange(0, 19) / 3)
    levels = []
    for c in centres:
        band = (f >= c / 2 ** (1 / 6)) & (f < c * 2 ** (1 / 6))
        levels.append(np.sum(power[band]) + 1e-20)
    levels = 10 * np.log10(np.asarray(levels))
    return levels - 10 * np.log10(np.sum(10 ** (levels / 10)))


def rt60_seconds(impulse_response: np.ndarray, rate: int) -> float:
    """Schroeder backward integration, line fit between -5 and -35 dB, extrapolated to -60."""
    energy = np.cumsum(impulse_response[::-1].astype(np.float64) ** 2)[::-1]
    edc = 10 * np.log10(energy / energy[0] + 1e-30)
    t = np.arange(len(edc)) / rate
    fit = (edc <= -5) & (edc >= -35)
    slope, _ = np.polyfit(t[fit], edc[fit], 1)
    return float(-60.0 / slope)
