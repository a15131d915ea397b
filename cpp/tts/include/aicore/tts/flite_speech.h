// CMU Flite linked into the process: text in, 16-bit mono speech out, no program on PATH.
//
// Thread rule: any thread may call synthesizeWithFlite; calls are serialised by one mutex
// because Flite keeps process-wide state (its error jump buffer, lazily registered voices,
// lexicon addenda). Nothing here writes to stdout. The same request gives the same samples:
// Flite's vocoders draw noise from C's rand(), which each synthesis gives a state of its own
// seeded with 1 and then hands back as it was (glibc), so the process's rand() sequence
// goes on undisturbed.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace aicore::tts {

/// The `pitch` (0..99) at which a voice keeps its own mean F0.
inline constexpr int kFliteNeutralPitch = 50;

/// The voices this build links, in order of preference (the first is the default).
std::span<const std::string_view> fliteVoiceNames();

/// The pace `voice` speaks at with its own duration_stretch, in words per minute (pauses
/// included; measured on a 69-word English passage); 0 for a voice this build lacks.
int fliteNaturalSpeedWpm(std::string_view voice);

/// Flite's `duration_stretch` for `speedWpm`, relative to the voice's own stretch and pace:
/// `speedWpm == naturalWpm` keeps the voice's pace, twice it halves every duration.
double fliteDurationStretch(double voiceStretch, int naturalWpm, int speedWpm);

/// Flite's `f0_shift` (a factor on the voice's `int_f0_target_mean`) for `pitch` 0..99:
/// one octave down at 0, none at 50, just under one octave up at 99.
double fliteF0Shift(int pitch);

/// What one synthesis produced, or why it did not.
struct FliteSpeech {
    std::vector<std::int16_t> samples;  // mono PCM at sampleRateHz
    int sampleRateHz = 0;
    /// Empty on success; otherwise what went wrong, for the caller to raise.
    std::string error;
    /// True when the error is the caller's (an unknown voice), not Flite's.
    bool badArgument = false;
};

/// Speak `text` (UTF-8; Flite reads it as English) with `voice`, one of fliteVoiceNames().
/// `speedWpm` and `pitch` are mapped by fliteDurationStretch and fliteF0Shift; the caller
/// validates their ranges. Blocks for the synthesis; never throws.
FliteSpeech synthesizeWithFlite(std::string_view text, std::string_view voice, int speedWpm,
                                int pitch) noexcept;

}  // namespace aicore::tts
