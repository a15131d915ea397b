// vocal_instr: fixed pieces of voice rendering for callgrind to count the instructions of
// (docs/qa.md, "Instruction counts"; engine_bridge/tooling/bench/instruction_counts.py).
//
//   vocal_instr ARCHETYPE VOICES BLOCKS   VOICES voices of ARCHETYPE, each speaking its own
//                                         shipped lines at full intensity in the crypt,
//                                         mixed by the VoiceEngine for BLOCKS 512-sample
//                                         blocks at 48 kHz, stereo
//   vocal_instr biquad VOICES BLOCKS      the reference: per voice, a chain of eight peaking
//                                         biquads over a 512-sample block, BLOCKS times
//
// Everything before the render (presets, the shipped lines' analysis, the voices' start)
// is set-up; only the render functions below are counted, by running under
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect=aicore_instr_render_*
// They are extern "C" and never inlined so that the name callgrind toggles on exists.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "aicore/vocal/biquad.h"
#include "aicore/vocal/voice_engine.h"
#include "shipped_lines.h"

using namespace aicore::vocal;

namespace {
constexpr double kRate = 48000.0;
constexpr std::size_t kBlock = 512;
constexpr std::size_t kChainLength = 8;
constexpr std::size_t kWarmupBlocks = 4;  // every Start has landed, the voices are speaking
}  // namespace

extern "C" {

// One block of the mix: a function of its own, so callgrind can also count block by block
// (--toggle-collect=aicore_instr_voice_block --dump-after=aicore_instr_voice_block).
__attribute__((noinline)) void aicore_instr_voice_block(VoiceEngine* engine, float* left, float* right) {
    engine->process(left, right, kBlock);
}

__attribute__((noinline)) float aicore_instr_render_voices(VoiceEngine* engine, float* left, float* right,
                                                           std::size_t blocks) {
    float sum = 0.0f;
    for (std::size_t b = 0; b < blocks; ++b) {
        aicore_instr_voice_block(engine, left, right);
        sum += left[b % kBlock];
    }
    return sum;
}

__attribute__((noinline)) float aicore_instr_render_biquads(std::vector<Biquad>* chain, float* block,
                                                            std::size_t voices, std::size_t blocks) {
    float sum = 0.0f;
    for (std::size_t b = 0; b < blocks; ++b) {
        for (std::size_t v = 0; v < voices; ++v) {
            for (std::size_t f = 0; f < kChainLength; ++f) (*chain)[v * kChainLength + f].process(block, kBlock);
            sum += block[v % kBlock];
        }
    }
    return sum;
}

}  // extern "C"

namespace {

int renderBiquads(std::size_t voices, std::size_t blocks) {
    std::vector<Biquad> chain(voices * kChainLength);
    for (std::size_t i = 0; i < chain.size(); ++i) {
        chain[i].prepare({kRate, static_cast<std::uint32_t>(kBlock), 1});
        chain[i].setParameters(BiquadType::Peak, 200.0 * static_cast<double>(1 + i % kChainLength), 1.0, 3.0);
    }
    std::vector<float> block(kBlock);
    std::uint32_t noise = 1;  // a fixed input: the count must not depend on anything else
    for (float& s : block) {
        noise = noise * 1664525u + 1013904223u;
        s = static_cast<float>(noise >> 8) / 16777216.0f - 0.5f;
    }
    const float sum = aicore_instr_render_biquads(&chain, block.data(), voices, blocks);
    std::printf("biquad voices=%zu blocks=%zu checksum=%g\n", voices, blocks, static_cast<double>(sum));
    return 0;
}

int renderArchetype(const std::string& name, std::size_t voices, std::size_t blocks) {
    const std::string dir = std::string(AICORE_CONTENT_DIR) + "/vocal/archetypes/";
    if (!std::filesystem::exists(dir + name + ".json")) {
        std::fprintf(stderr, "vocal_instr: no archetype '%s' in %s\n", name.c_str(), dir.c_str());
        return 2;
    }
    std::vector<ArchetypePreset> archetypes{loadArchetypePreset(dir + name + ".json")};
    auto environments = loadEnvironmentPresets(std::string(AICORE_CONTENT_DIR) + "/vocal/environments.json");
    ClipBank bank(1);
    const ClipId clip = bank.add(bench::shippedSpeech(name));
    VoiceEngine engine(archetypes, environments, bank, VoiceEngineConfig{voices, 1024, 1024, 0.97f});
    engine.prepare({kRate, static_cast<std::uint32_t>(kBlock), 2});
    VoiceCommand env;
    env.type = VoiceCommand::Type::SetEnvironment;
    env.environment = static_cast<std::uint16_t>(engine.environmentIndex("crypt"));
    engine.trySend(env);
    for (std::size_t v = 0; v < voices; ++v) {
        VoiceCommand c;
        c.type = VoiceCommand::Type::Start;
        c.voice = engine.newVoiceHandle();
        c.archetype = 0;
        c.clip = clip;
        c.intensity = 1.0f;
        const float a = static_cast<float>(v) * 0.7f;  // spread around the listener
        c.position = Vec3{6.0f * std::cos(a), 6.0f * std::sin(a), 0.0f};
        c.seed = v;
        if (!engine.trySend(c)) {
            std::fprintf(stderr, "vocal_instr: the command queue refused voice %zu\n", v);
            return 1;
        }
    }
    std::vector<float> left(kBlock), right(kBlock);
    for (std::size_t b = 0; b < kWarmupBlocks; ++b) engine.process(left.data(), right.data(), kBlock);
    if (engine.activeVoices() != voices) {
        std::fprintf(stderr, "vocal_instr: %zu of %zu voices started\n", engine.activeVoices(), voices);
        return 1;
    }
    const float sum = aicore_instr_render_voices(&engine, left.data(), right.data(), blocks);
    if (engine.activeVoices() != voices) {
        // A voice that finished mid-render would make the count depend on the lines' length.
        std::fprintf(stderr, "vocal_instr: a voice finished during the render; use fewer blocks\n");
        return 1;
    }
    std::printf("%s voices=%zu blocks=%zu checksum=%g\n", name.c_str(), voices, blocks, static_cast<double>(sum));
    return 0;
}

bool parseCount(const char* text, std::size_t& out) {
    char* end = nullptr;
    const unsigned long long v = std::strtoull(text, &end, 10);
    if (end == text || *end != '\0' || v == 0 || v > 100000) return false;
    out = static_cast<std::size_t>(v);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t voices = 0, blocks = 0;
    if (argc != 4 || !parseCount(argv[2], voices) || !parseCount(argv[3], blocks)) {
        std::fprintf(stderr, "usage: vocal_instr ARCHETYPE|biquad VOICES BLOCKS (whole numbers from 1)\n");
        return 2;
    }
    try {
        const std::string what = argv[1];
        return what == "biquad" ? renderBiquads(voices, blocks) : renderArchetype(what, voices, blocks);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vocal_instr: %s\n", e.what());
        return 1;
    }
}
