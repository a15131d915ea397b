#include "aicore/tts/flite_speech.h"

#include <array>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>

#include "flite_guarded_synth.h"
extern "C" {  // unlike flite.h, cst_cg.h has no C++ guard of its own
#include "cst_cg.h"
}

// Each linked voice library exports one registration function (Debian's flite1-dev).
extern "C" {
cst_voice* register_cmu_us_rms(const char* voxdir);
cst_voice* register_cmu_us_slt(const char* voxdir);
cst_voice* register_cmu_us_awb(const char* voxdir);
cst_voice* register_cmu_us_kal16(const char* voxdir);
cst_voice* register_cmu_us_kal(const char* voxdir);
}

namespace aicore::tts {

namespace {

#if defined(__GLIBC__)
// glibc's rand() draws from random()'s state: while Flite synthesises, rand() uses a state
// of its own seeded with 1 (the sequence srand(1) would give), and the process's state is
// put back untouched after, so a game's own rand() sequence does not restart with every
// line spoken. (Another thread calling rand() meanwhile would draw from this state.)
class NoiseRandomState {
public:
    NoiseRandomState() noexcept : previous_(initstate(1, state_.data(), state_.size())) {}
    ~NoiseRandomState() {
        if (previous_ != nullptr) setstate(previous_);
    }
    NoiseRandomState(const NoiseRandomState&) = delete;
    NoiseRandomState& operator=(const NoiseRandomState&) = delete;

private:
    std::array<char, 128> state_{};  // glibc's default size: the same generator as srand's
    char* previous_;
};
#else
// Elsewhere (the Windows CRT) rand()'s state is the calling thread's: seeding it touches no
// other thread's sequence.
class NoiseRandomState {
public:
    NoiseRandomState() noexcept { std::srand(1); }
};
#endif

struct VoiceEntry {
    std::string_view name;
    cst_voice* (*registerVoice)(const char*);
    int naturalSpeedWpm;  // measured: 69 words read at the voice's own duration_stretch
};

// CMake defines AICORE_FLITE_VOICE_<NAME> for each voice in AICORE_FLITE_VOICES; the
// order here is the order of preference, so a build's default voice is its first.
constexpr VoiceEntry kLinkedVoices[] = {
#ifdef AICORE_FLITE_VOICE_RMS
    {"rms", register_cmu_us_rms, 199},
#endif
#ifdef AICORE_FLITE_VOICE_SLT
    {"slt", register_cmu_us_slt, 218},
#endif
#ifdef AICORE_FLITE_VOICE_AWB
    {"awb", register_cmu_us_awb, 228},
#endif
#ifdef AICORE_FLITE_VOICE_KAL16
    {"kal16", register_cmu_us_kal16, 212},
#endif
#ifdef AICORE_FLITE_VOICE_KAL
    {"kal", register_cmu_us_kal, 211},
#endif
};
constexpr std::size_t kVoiceCount = std::size(kLinkedVoices);

constexpr auto kVoiceNames = [] {
    std::array<std::string_view, kVoiceCount> names{};
    for (std::size_t i = 0; i < kVoiceCount; ++i) names[i] = kLinkedVoices[i].name;
    return names;
}();

// Flite's process-wide state (the cst_errjmp buffer, the regex tables flite_init builds,
// the lexicon) is not thread-safe, so every call into Flite takes this one lock.
std::mutex& fliteMutex() {
    static std::mutex mutex;
    return mutex;
}

// Registered on first use, then kept for the life of the process as Flite's own voice list
// keeps them: freeing them at exit could race a synthesis still running on a daemon thread.
// Guarded by fliteMutex().
std::array<cst_voice*, kVoiceCount> gRegisteredVoices{};
// Copies of voices' clustergen databases with the SPAM F0 model turned off (see
// useTreeF0); they live as long as the voices that point at them. Guarded by fliteMutex().
std::array<std::optional<cst_cg_db>, kVoiceCount> gTreeF0Databases{};
bool gFliteInitialised = false;

// A clustergen voice with a SPAM F0 model (rms) overwrites its F0 track after Flite has
// applied f0_shift, so `pitch` would do nothing. Pointing the voice at a copy of its
// database without that model makes it use its F0 trees, which honour f0_shift like
// every other voice. The copy is shallow: the database's tables are static data, and
// freeable stays 0, so Flite never frees them.
void useTreeF0(std::size_t index, cst_voice* voice) {
    const cst_val* const database = feat_val(voice->features, "cg_db");
    if (database == nullptr) return;  // a diphone voice: its F0 model honours f0_shift
    const cst_cg_db* const original = val_cg_db(database);
    if (original->spamf0 == 0) return;
    cst_cg_db& copy = gTreeF0Databases[index].emplace(*original);
    copy.spamf0 = 0;
    feat_set(voice->features, "cg_db", cg_db_val(&copy));
}

cst_voice* registeredVoice(std::size_t index) {
    if (!gFliteInitialised) {
        flite_init();
        gFliteInitialised = true;
    }
    if (gRegisteredVoices[index] == nullptr) {
        gRegisteredVoices[index] = kLinkedVoices[index].registerVoice(nullptr);
        if (gRegisteredVoices[index] != nullptr) useTreeF0(index, gRegisteredVoices[index]);
    }
    return gRegisteredVoices[index];
}

struct UtteranceDeleter {
    void operator()(cst_utterance* u) const noexcept { delete_utterance(u); }
};
using UtterancePtr = std::unique_ptr<cst_utterance, UtteranceDeleter>;

std::string knownVoices() {
    std::string known;
    for (const auto name : kVoiceNames) {
        known += known.empty() ? "" : ", ";
        known += name;
    }
    return known;
}

}  // namespace

std::span<const std::string_view> fliteVoiceNames() { return kVoiceNames; }

int fliteNaturalSpeedWpm(std::string_view voice) {
    for (const auto& entry : kLinkedVoices) {
        if (entry.name == voice) return entry.naturalSpeedWpm;
    }
    return 0;
}

double fliteDurationStretch(double voiceStretch, int naturalWpm, int speedWpm) {
    return voiceStretch * static_cast<double>(naturalWpm) / speedWpm;
}

double fliteF0Shift(int pitch) {
    // An octave either side of 50, evenly in semitones, as a listener hears pitch.
    return std::exp2(static_cast<double>(pitch - kFliteNeutralPitch) / kFliteNeutralPitch);
}

FliteSpeech synthesizeWithFlite(std::string_view text, std::string_view voice, int speedWpm,
                                int pitch) noexcept {
    FliteSpeech speech;
    try {
        std::size_t index = 0;
        while (index < kVoiceCount && kVoiceNames[index] != voice) ++index;
        if (index == kVoiceCount) {
            speech.error = "flite has no voice '" + std::string(voice) +
                           "'; its voices are: " + knownVoices();
            speech.badArgument = true;
            return speech;
        }
        const std::string textZ(text);  // Flite wants a NUL-terminated string
        const std::lock_guard lock(fliteMutex());
        cst_voice* const fliteVoice = registeredVoice(index);
        if (fliteVoice == nullptr) {
            speech.error = "flite could not register its voice '" + std::string(voice) + "'";
            return speech;
        }
        UtterancePtr utterance(new_utterance());
        utt_set_input_text(utterance.get(), textZ.c_str());
        // Linking the voice's features in first lets ours, set on the utterance, win; the
        // voice's own features (shared by every call) are never changed.
        utt_init(utterance.get(), fliteVoice);
        const float voiceStretch = get_param_float(fliteVoice->features, "duration_stretch", 1.0F);
        feat_set_float(utterance->features, "duration_stretch",
                       static_cast<float>(fliteDurationStretch(
                           voiceStretch, kLinkedVoices[index].naturalSpeedWpm, speedWpm)));
        feat_set_float(utterance->features, "f0_shift", static_cast<float>(fliteF0Shift(pitch)));
        // Flite's vocoders take the sign of their noise excitation from C's rand(): a state
        // of its own, seeded the same each time, makes a line sound the same every time
        // (caches, renders and tests rely on that), and the game's sequence is left as it was.
        const NoiseRandomState noiseState;
        if (aicore_flite_guarded_synth(utterance.get()) == 0) {
            // A failed synthesis may leave the utterance half-built: leak it, do not free it.
            static_cast<void>(utterance.release());
            speech.error = "flite failed to synthesise the text";
            return speech;
        }
        const cst_wave* const wave = utt_wave(utterance.get());
        if (wave == nullptr || wave->num_channels != 1) {
            speech.error = "flite produced no mono waveform";
            return speech;
        }
        speech.sampleRateHz = wave->sample_rate;
        speech.samples.assign(wave->samples, wave->samples + wave->num_samples);
    } catch (const std::exception& e) {  // only allocation can throw here
        speech.samples.clear();
        speech.error = std::string("flite synthesis failed: ") + e.what();
    }
    return speech;
}

}  // namespace aicore::tts
