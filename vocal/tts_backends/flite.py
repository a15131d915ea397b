"""CMU Flite, linked into the process: the default backend, and the one a packaged game ships.

The C++ speaker (``cpp/tts``, module ``vocal.tts_backends._flite``) serialises calls into
Flite with one lock and releases the GIL while it speaks, so the TTS worker's thread never
holds up the game thread. Voices are compiled into their libraries: no data files, no
program on PATH, nothing written to stdout.

How the shared scales map onto Flite's features (``cpp/tts/src/flite_speech.cpp``):

* ``speed`` (words per minute): ``duration_stretch = voice's own stretch * natural / speed``,
  where ``natural`` is the pace the voice reads at unstretched, measured once per voice on
  a 69-word passage, pauses included (rms 199, slt 218, awb 228, kal16 212, kal 211 wpm).
  So ``speed`` is close to real words per minute for every voice; twice it halves every
  duration.
* ``pitch`` (0..99): ``f0_shift = 2 ** ((pitch - 50) / 50)``, a factor Flite applies to
  the voice's ``int_f0_target_mean``: an octave down at 0, none at 50, almost an octave
  up at 99, even steps in semitones.
"""

from __future__ import annotations

import numpy as np

from vocal.tts_backends import _flite
from vocal.tts_backends.backend import pcm16_to_float32, validate_request

__all__ = ["FliteBackend"]


class FliteBackend:
    """CMU Flite in-process; its voices are the ones this build links (``rms`` first)."""

    name = "flite"
    licence = "CMU Flite licence (BSD-style; see docs/packaging.md)"
    in_process = True

    def voices(self) -> tuple[str, ...]:
        """The linked voices: rms (US male), slt (US female), awb (Scottish male), kal16
        and kal (US male, diphone; kal speaks at 8 kHz), as the build chose them."""
        return tuple(_flite.voices())

    def default_voice(self) -> str:
        """The first linked voice (rms in the default build)."""
        return self.voices()[0]

    def synthesize(self, text: str, voice: str, speed: int, pitch: int) -> tuple[np.ndarray, int]:
        """Speak ``text`` with Flite; the rate is the voice's (16 kHz; 8 kHz for kal)."""
        validate_request(text, voice, speed, pitch)
        pcm, sample_rate = _flite.synthesize(text, voice, speed, pitch)
        return pcm16_to_float32(pcm), int(sample_rate)
