#pragma once
// Many NPCs speaking at once: a pool of archetype voices mixed to stereo around a listener,
// steered by the game thread through a lock-free command queue, reporting back through a
// notification queue. The audio thread never waits, allocates or locks (see
// tests/realtime): prepare() reserves everything.
//
// Voice stealing rule (when every slot is busy and a line starts): the busy voice with the
// lowest priority loses its slot if that priority is at most the new line's; among equals
// the one that started earliest goes. If every busy voice outranks the new line, the new
// line is refused (a Rejected notification) and nothing is cut.
#include <array>
#include <atomic>
#include <string>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "aicore/vocal/archetype_voice.h"
#include "aicore/vocal/clip_bank.h"
#include "aicore/vocal/environment.h"
#include "aicore/vocal/presets.h"
#include "aicore/vocal/process_spec.h"
#include "aicore/vocal/smoothed_value.h"
#include "aicore/vocal/spsc_queue.h"

namespace aicore::vocal {

struct Vec3 {
    float x = 0.0f, y = 0.0f, z = 0.0f;
};

/// Game thread -> audio thread. Plain data: copying it can't fail.
struct VoiceCommand {
    enum class Type : std::uint8_t { Start, Set, Stop, SetListener, SetEnvironment, SetRolloff };
    enum SetField : std::uint8_t { kPosition = 1, kIntensity = 2, kArchetype = 4, kSend = 8 };

    Type type = Type::Start;
    std::uint8_t fields = 0;       // Set: which of position/intensity/archetype/send
    std::uint32_t voice = 0;       // handle chosen by the game thread (Start) or returned to it
    ClipId clip{};                 // Start
    std::uint16_t archetype = 0;   // Start/Set: index into the engine's archetype table
    std::uint16_t environment = 0; // SetEnvironment
    std::int32_t priority = 0;     // Start
    float intensity = -1.0f;       // Start/Set: < 0 follows the archetype's proximity curve
    float send = 1.0f;             // Start/Set: how much of the voice reaches the room
    float fadeMs = 0.0f;           // Stop
    Vec3 position{};               // Start/Set/SetListener
    Vec3 forward{0.0f, 1.0f, 0.0f};  // SetListener: where the listener faces (z is up)
    float refDistance = 1.0f, rolloff = 1.0f, maxDistance = 100.0f;  // SetRolloff
    std::uint64_t seed = 0;        // Start
};

/// Audio thread -> game thread.
struct VoiceNotification {
    enum class Type : std::uint8_t { Started, Finished, Stolen, Rejected };
    Type type = Type::Started;
    std::uint32_t voice = 0;
    std::uint64_t sampleTime = 0;  // engine time (samples since prepare) when it happened
};

struct VoiceEngineConfig {
    std::size_t voices = 128;
    std::size_t commandQueue = 1024;
    std::size_t notificationQueue = 1024;
    float limiterCeiling = 0.97f;  // linear; the mix never exceeds it
};

class VoiceEngine {
public:
    /// Archetypes and environments are copied in and indexed by position; clips are borrowed
    /// from `bank`, which must outlive the engine.
    VoiceEngine(std::vector<ArchetypePreset> archetypes, std::vector<EnvironmentPreset> environments,
                ClipBank& bank, const VoiceEngineConfig& config = {});
    /// Gives back the clips its voices still hold, so the bank can free them once retired.
    /// Off the audio thread, once nothing renders this engine any more.
    ~VoiceEngine();
    VoiceEngine(const VoiceEngine&) = delete;
    VoiceEngine& operator=(const VoiceEngine&) = delete;

    /// Game thread, before audio starts (or with audio stopped): sizes everything.
    void prepare(const ProcessSpec& spec);
    void reset() noexcept;

    // --- game thread ---
    /// False when the queue is full: the command was not sent; nothing waited.
    bool trySend(const VoiceCommand& command) noexcept { return commands_.try_push(command); }
    bool tryReceive(VoiceNotification& out) noexcept;
    /// A fresh voice handle for a Start command (game thread only).
    std::uint32_t newVoiceHandle() noexcept { return ++lastHandle_; }
    /// Ends every line this engine will never finish, once nothing renders it any more (it
    /// was swapped out, see VoiceEngineSlot): appends, in order, the notifications not yet
    /// received, Rejected for each Start still queued, and Stolen for each voice in flight,
    /// whose clip is given back. Without it the game thread would wait for ever for those
    /// lines' ends. Allocates; never on the audio thread.
    void abandonAll(std::vector<VoiceNotification>& endings);

    // --- audio thread ---
    /// Applies pending commands, then renders n <= maximumBlockSize stereo samples.
    void process(float* left, float* right, std::size_t n) noexcept;

    // --- any thread (approximate) ---
    std::size_t activeVoices() const noexcept { return active_.load(std::memory_order_relaxed); }
    std::uint64_t droppedNotifications() const noexcept { return dropped_.load(std::memory_order_relaxed); }
    std::size_t archetypeIndex(const std::string& name) const noexcept;  // SIZE_MAX if unknown
    std::size_t environmentIndex(const std::string& name) const noexcept;
    std::size_t voiceCapacity() const noexcept { return slots_.size(); }
    /// The largest block process() renders at once (0 before prepare()).
    std::size_t maximumBlockSize() const noexcept { return prepared_ ? spec_.maximumBlockSize : 0; }

private:
    enum class State : std::uint8_t { Idle, Playing, Releasing };
    struct Slot {
        ArchetypeVoice voice;
        State state = State::Idle;
        std::uint32_t handle = 0;
        ClipId clip{};
        const Clip* borrowed = nullptr;
        std::int32_t priority = 0;
        std::uint64_t startedAt = 0;
        std::uint16_t archetype = 0;
        float intensity = -1.0f;
        float send = 1.0f;
        Vec3 position{};
        SmoothedValue fade{1.0f};
        SmoothedValue gainLeft{0.0f}, gainRight{0.0f}, sendGain{0.0f};
        std::size_t tailRemaining = 0;
        bool notifiedFinished = false;
    };

    void apply(const VoiceCommand& c) noexcept;
    void start(const VoiceCommand& c) noexcept;
    Slot* find(std::uint32_t handle) noexcept;
    Slot* pickSlot(std::int32_t priority) noexcept;
    void release(Slot& s, VoiceNotification::Type why) noexcept;
    void notify(VoiceNotification::Type type, std::uint32_t voice) noexcept;
    void updateSpatial(Slot& s, bool snap) noexcept;
    void limit(float* left, float* right, std::size_t n) noexcept;

    std::vector<ArchetypePreset> archetypes_;
    std::vector<EnvironmentPreset> environments_;
    ClipBank& bank_;
    VoiceEngineConfig config_;
    ProcessSpec spec_{};
    bool prepared_ = false;  // spec_ has defaults before prepare(), but no buffers

    std::vector<std::unique_ptr<Slot>> slots_;
    Environment room_;
    SpscQueue<VoiceCommand> commands_;
    SpscQueue<VoiceNotification> notifications_;
    std::atomic<std::size_t> active_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::uint32_t lastHandle_ = 0;  // game thread only

    Vec3 listener_{};
    Vec3 listenerRight_{1.0f, 0.0f, 0.0f};
    Vec3 listenerForward_{0.0f, 1.0f, 0.0f};
    float refDistance_ = 1.0f, rolloff_ = 1.0f, maxDistance_ = 100.0f;
    std::uint64_t sampleTime_ = 0;
    std::uint64_t startCounter_ = 0;

    std::vector<float> voiceBuf_, layerBuf_, sendBus_, directL_, directR_, wetL_, wetR_;
    float limiterEnvelope_ = 0.0f, limiterGain_ = 1.0f;
    float limiterAttack_ = 0.0f, limiterRelease_ = 0.0f;
};

}  // namespace aicore::vocal
