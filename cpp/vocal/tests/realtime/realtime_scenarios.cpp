// The audio-thread workload both real-time proofs run: every processor, prepared off the
// realtime section (prepare may allocate), then processed inside it with parameters swept
// every block, as an engine would while a designer's script steers the voice.
#include <array>
#include <cstdio>
#include <chrono>
#include <atomic>
#include <filesystem>
#include <thread>
#include <string>
#include <cmath>
#include <numbers>
#include <vector>

#include "aicore/vocal/archetype_voice.h"
#include "aicore/vocal/clip_bank.h"
#include "aicore/vocal/voice_engine.h"
#include "aicore/vocal/biquad.h"
#include "aicore/vocal/chorus.h"
#include "aicore/vocal/clip.h"
#include "aicore/vocal/delay_line.h"
#include "aicore/vocal/environment.h"
#include "aicore/vocal/growl.h"
#include "aicore/vocal/jitter_shimmer.h"
#include "aicore/vocal/noise_generator.h"
#include "aicore/vocal/presets.h"
#include "aicore/vocal/psola_shifter.h"
#include "aicore/vocal/reverb.h"
#include "aicore/vocal/ring_modulator.h"
#include "aicore/vocal/waveshaper.h"
#include "realtime_guard.h"

namespace aicore::vocal::testing {

namespace {

constexpr double kRate = 48000.0;
constexpr std::size_t kBlock = 256;
constexpr std::size_t kBlocks = 2000;

void fillSpeechLike(std::vector<float>& buffer, std::size_t blockIndex) {
    // A 130 Hz buzz with a slow envelope: enough to drive every block's state.
    for (std::size_t i = 0; i < buffer.size(); ++i) {
        const double t = static_cast<double>(blockIndex * buffer.size() + i) / kRate;
        const double phase = std::fmod(130.0 * t, 1.0);
        buffer[i] = static_cast<float>((phase - 0.5) * 0.5 * (0.6 + 0.4 * std::sin(3.0 * t)));
    }
}

std::size_t runBiquads(RealtimeGuard& guard) {
    std::vector<float> buffer(kBlock);
    Biquad filter;
    filter.prepare({kRate, kBlock, 1});
    const std::array types = {BiquadType::LowPass,  BiquadType::HighPass, BiquadType::BandPass,
                              BiquadType::Notch,    BiquadType::Peak,     BiquadType::LowShelf,
                              BiquadType::HighShelf, BiquadType::AllPass};
    std::size_t calls = 0;
    for (std::size_t b = 0; b < kBlocks; ++b) {
        fillSpeechLike(buffer, b);
        RealtimeSection section(guard);
        const auto type = types[b % types.size()];
        filter.setParameters(type, 200.0 + 20.0 * static_cast<double>(b % 400), 0.7, 6.0);
        filter.process(buffer.data(), buffer.size());
        ++calls;
    }
    return calls;
}

// One mono in-place block, its parameters swept every block through `sweep(block index)`.
template <typename Block, typename Sweep>
std::size_t runInPlace(RealtimeGuard& guard, Block& block, Sweep&& sweep) {
    std::vector<float> buffer(kBlock);
    block.prepare({kRate, kBlock, 1});
    std::size_t calls = 0;
    for (std::size_t b = 0; b < kBlocks / 4; ++b) {
        fillSpeechLike(buffer, b);
        RealtimeSection section(guard);
        sweep(b);
        block.process(buffer.data(), buffer.size());
        ++calls;
    }
    return calls;
}

float sweep01(std::size_t b, std::size_t period = 97) {
    return static_cast<float>(b % period) / static_cast<float>(period - 1);
}

std::size_t runBlocks(RealtimeGuard& guard) {
    std::size_t calls = 0;
    Waveshaper shaper;
    calls += runInPlace(guard, shaper, [&](std::size_t b) {
        shaper.setDriveDb(30.0f * sweep01(b));
        shaper.setAsymmetry(sweep01(b, 31) * 2.0f - 1.0f);
        shaper.setMix(sweep01(b, 13));
    });
    Growl growl;
    calls += runInPlace(guard, growl, [&](std::size_t b) {
        growl.setSubLevel(sweep01(b));
        growl.setAmRateHz(10.0f + 100.0f * sweep01(b, 41));
        growl.setAmDepth(sweep01(b, 17));
        growl.setMix(sweep01(b, 7));
    });
    JitterShimmer jitter;
    calls += runInPlace(guard, jitter, [&](std::size_t b) {
        jitter.setJitterCents(50.0f * sweep01(b));
        jitter.setShimmerDb(12.0f * sweep01(b, 23));
    });
    Chorus chorus;
    calls += runInPlace(guard, chorus, [&](std::size_t b) {
        chorus.setVoices(1 + static_cast<int>(b % 4));
        chorus.setRateHz(0.1f + 5.0f * sweep01(b));
        chorus.setDepthMs(15.0f * sweep01(b, 29));
        chorus.setBaseDelayMs(5.0f + 30.0f * sweep01(b, 11));
        chorus.setMix(sweep01(b, 5));
    });
    RingModulator ring;
    calls += runInPlace(guard, ring, [&](std::size_t b) {
        ring.setCarrierHz(20.0f + 400.0f * sweep01(b));
        ring.setDepth(sweep01(b, 13));
        ring.setMix(sweep01(b, 7));
    });
    Tremolo tremolo;
    calls += runInPlace(guard, tremolo, [&](std::size_t b) {
        tremolo.setRateHz(1.0f + 20.0f * sweep01(b));
        tremolo.setDepth(sweep01(b, 9));
    });
    Delay delay;
    calls += runInPlace(guard, delay, [&](std::size_t b) {
        delay.setDelayMs(10.0f + 900.0f * sweep01(b));
        delay.setFeedback(0.9f * sweep01(b, 19));
        delay.setMix(sweep01(b, 7));
    });

    // Generators and the reverb have their own shapes.
    NoiseGenerator noise;
    noise.prepare({kRate, kBlock, 1});
    Reverb reverb;
    reverb.prepare({kRate, kBlock, 1});
    std::vector<float> in(kBlock), out(kBlock), left(kBlock), right(kBlock);
    for (std::size_t b = 0; b < kBlocks / 4; ++b) {
        fillSpeechLike(in, b);
        RealtimeSection section(guard);
        noise.setColour(b % 2 ? NoiseColour::Pink : NoiseColour::White);
        noise.setLevelDb(-40.0f + 30.0f * sweep01(b));
        noise.setBandPassCentreHz(300.0f + 5000.0f * sweep01(b, 37));
        noise.process(in.data(), out.data(), kBlock);
        noise.process(out.data(), kBlock);
        reverb.setDecaySeconds(0.2 + 5.0 * sweep01(b));
        reverb.setDamping(sweep01(b, 13));
        reverb.setPreDelayMs(100.0 * sweep01(b, 23));
        reverb.setOcclusionCutoffHz(300.0 + 15000.0 * sweep01(b, 7));
        reverb.setWetDb(-20.0 + 20.0 * sweep01(b, 11));
        reverb.process(in.data(), left.data(), right.data(), kBlock);
        calls += 3;
    }
    return calls;
}

// A synthetic line: a gliding buzz through two formants, long enough for marks.
Clip makeClip() {
    std::vector<float> samples(static_cast<std::size_t>(kRate * 1.5));
    double phase = 0.0;
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const double t = static_cast<double>(i) / kRate;
        phase += (110.0 + 60.0 * t) / kRate;
        phase -= std::floor(phase);
        samples[i] = static_cast<float>(0.4 * (phase - 0.5) * (i > samples.size() * 3 / 4 ? 0.0 : 1.0));
    }
    return analyseClip(std::move(samples), kRate);
}

ArchetypePreset everyStagePreset(const std::string& name, SubliminalLayer layer, double semitones) {
    ArchetypePreset p = parseArchetypePreset(R"({
        "name": "all", "pitch": {"semitones": -5, "formant_ratio": 0.8},
        "eq": [{"type": "highpass", "frequency_hz": 120}, {"type": "peak", "frequency_hz": 900, "gain_db": 6},
               {"type": "lowpass", "frequency_hz": 4000}, {"type": "highshelf", "frequency_hz": 5000, "gain_db": 3}],
        "drive": {"drive_db": 18, "asymmetry": 0.3}, "growl": {"sub_level": 0.5, "depth": 0.8},
        "jitter": {"cents": 40, "shimmer_db": 6}, "chorus": {"voices": 4, "mix": 0.5},
        "ring": {"mode": "ring", "frequency_hz": 50, "mix": 0.4},
        "delay": {"time_ms": 200, "feedback": 0.5, "mix": 0.3},
        "breath": {"level_db": -30}, "subliminal": {"layer": "whisper", "level_db": -30}
    })", name);
    p.subliminal = layer;
    p.pitchSemitones = semitones;
    return p;
}

std::size_t runArchetypeVoices(RealtimeGuard& guard) {
    const Clip clip = makeClip();
    // Every stage on, every subliminal layer, pitch both ways, both ring modes.
    std::vector<ArchetypePreset> presets = {
        everyStagePreset("whisper", SubliminalLayer::Whisper, -5.0),
        everyStagePreset("breath", SubliminalLayer::Breath, 4.0),
        everyStagePreset("infrasound", SubliminalLayer::Infrasound, -9.0),
        everyStagePreset("reversed", SubliminalLayer::Reversed, 7.0)};
    presets[1].ringMode = RingMode::Tremolo;
    const auto environments = parseEnvironmentPresets(R"({"environments": {
        "none": {"reverb": "off"}, "open": {"size": 0.1, "decay_s": 0.4},
        "cave": {"size": 1.0, "decay_s": 6}, "underwater": {"occlusion_hz": 600, "decay_s": 1.5}}})",
                                                      "test.json");

    ArchetypeVoice voice;
    voice.prepare({kRate, kBlock, 1});
    Environment room;
    room.prepare({kRate, kBlock, 1});
    std::vector<float> v(kBlock), s(kBlock), send(kBlock), left(kBlock), right(kBlock);
    std::size_t calls = 0;
    for (std::size_t b = 0; b < kBlocks; ++b) {
        RealtimeSection section(guard);
        if (b % 150 == 0) {  // a new line with a new archetype
            voice.setSeed(b);
            voice.setPreset(&presets[(b / 150) % presets.size()]);
            voice.start(&clip);
        }
        if (b % 97 == 0) room.setPreset(&environments[(b / 97) % environments.size()]);
        voice.setIntensity(sweep01(b, 61));
        if (b % 150 == 149) voice.stop();
        voice.process(v.data(), s.data(), kBlock);
        for (std::size_t k = 0; k < kBlock; ++k) send[k] = v[k] + s[k];
        room.processReverb(send.data(), left.data(), right.data(), kBlock);
        room.processDirect(v.data(), s.data(), kBlock);
        ++calls;
    }
    return calls;
}

// The whole engine as the audio thread runs it: every shipped archetype and environment,
// 64 voices started, moved, re-intensified, stopped and stolen from the game side, while a
// loader thread keeps freeing the clips they play and loading new ones.
std::size_t runVoiceEngine(RealtimeGuard& guard) {
    std::vector<ArchetypePreset> archetypes;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(AICORE_CONTENT_DIR) + "/vocal/archetypes"))
        archetypes.push_back(loadArchetypePreset(entry.path().string()));
    auto environments = loadEnvironmentPresets(std::string(AICORE_CONTENT_DIR) + "/vocal/environments.json");
    ClipBank bank(16);
    VoiceEngine engine(archetypes, environments, bank, VoiceEngineConfig{24, 512, 512, 0.97f});
    engine.prepare({kRate, kBlock, 2});

    constexpr std::size_t kLive = 6;
    std::array<std::atomic<std::uint64_t>, kLive> published{};
    auto pack = [](ClipId id) { return (std::uint64_t{id.slot} << 32) | id.generation; };
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> blocksDone{0};
    std::atomic<std::size_t> swaps{0};
    // The loader swaps one clip every 20 audio blocks, paced by the audio loop rather than the
    // clock, so the workload is the same on a fast or a busy machine.
    std::thread loader([&] {
        std::size_t k = 0;
        const Clip proto = makeClip();
        while (!stop.load(std::memory_order_relaxed)) {
            if (k >= kLive && blocksDone.load() < 20 * (k - kLive)) {
                std::this_thread::yield();
                continue;
            }
            const std::size_t i = k++ % kLive;
            const std::uint64_t old = published[i].exchange(0);
            if (old != 0) bank.retire(ClipId{static_cast<std::uint32_t>(old >> 32), static_cast<std::uint32_t>(old)});
            bank.collect();
            const ClipId id = bank.add(proto);
            if (id.valid()) published[i].store(pack(id));
            swaps.fetch_add(1);
        }
    });
    while (swaps.load() < kLive) std::this_thread::yield();  // every slot published first

    std::vector<float> left(kBlock), right(kBlock);
    std::vector<std::uint32_t> voices;
    std::size_t calls = 0, busiest = 0, started = 0, stolen = 0;
    for (std::size_t b = 0; b < kBlocks; ++b) {
        // Game thread's part (outside the realtime section).
        const std::uint64_t packed = published[b % kLive].load();
        if (packed != 0) {
            VoiceCommand c;
            c.type = VoiceCommand::Type::Start;
            c.voice = engine.newVoiceHandle();
            c.clip = ClipId{static_cast<std::uint32_t>(packed >> 32), static_cast<std::uint32_t>(packed)};
            c.archetype = static_cast<std::uint16_t>(b % archetypes.size());
            c.priority = static_cast<std::int32_t>(b % 5);
            c.intensity = b % 2 ? -1.0f : sweep01(b, 17);
            c.position = Vec3{static_cast<float>(b % 21) - 10.0f, 3.0f, 0.0f};
            c.seed = b;
            if (engine.trySend(c)) voices.push_back(c.voice);
        }
        if (!voices.empty() && b % 5 == 0) {
            VoiceCommand c;
            c.type = VoiceCommand::Type::Set;
            c.voice = voices[b % voices.size()];
            c.fields = VoiceCommand::kPosition | VoiceCommand::kIntensity;
            c.position = Vec3{static_cast<float>(b % 13), static_cast<float>(b % 7), 0.0f};
            c.intensity = sweep01(b, 23);
            engine.trySend(c);
        }
        if (!voices.empty() && b % 11 == 0) {
            VoiceCommand c;
            c.type = VoiceCommand::Type::Stop;
            c.voice = voices[(b / 11) % voices.size()];
            c.fadeMs = static_cast<float>(b % 50);
            engine.trySend(c);
        }
        if (b % 90 == 0) {
            VoiceCommand c;
            c.type = VoiceCommand::Type::SetEnvironment;
            c.environment = static_cast<std::uint16_t>((b / 90) % environments.size());
            engine.trySend(c);
            c.type = VoiceCommand::Type::SetListener;
            c.position = Vec3{sweep01(b) * 4.0f, 0.0f, 0.0f};
            c.forward = Vec3{1.0f - sweep01(b, 7), sweep01(b, 7), 0.0f};
            engine.trySend(c);
        }
        VoiceNotification n;
        while (engine.tryReceive(n)) {
            started += n.type == VoiceNotification::Type::Started;
            stolen += n.type == VoiceNotification::Type::Stolen;
        }
        busiest = std::max(busiest, engine.activeVoices());
        // Audio thread's part.
        {
            RealtimeSection section(guard);
            engine.process(left.data(), right.data(), kBlock);
        }
        ++calls;
        blocksDone.fetch_add(1);
    }
    stop = true;
    loader.join();
    // A workload that never filled the pool or stole a voice would prove little.
    std::printf("engine scenario: %zu lines started, %zu stolen, %zu voices at the busiest\n", started, stolen, busiest);
    return busiest >= 24 && stolen > 0 && started >= 48 ? calls : 0;
}

}  // namespace

std::size_t runEveryProcessor(RealtimeGuard& guard) {
    std::size_t calls = 0;
    calls += runBiquads(guard);
    calls += runBlocks(guard);
    calls += runArchetypeVoices(guard);
    const std::size_t engineCalls = runVoiceEngine(guard);
    const std::size_t slotCalls = runVoiceEngineSlot(guard);
    return engineCalls == 0 || slotCalls == 0 ? 0 : calls + engineCalls + slotCalls;
}

}  // namespace aicore::vocal::testing
