// aicore-host — the headless engine used by tests and the demo.
// It links only against the C ABI (aicore.h), so whatever it does, UE5 can do.
//
// Before any of that: the paths named on the command line (preflight.h), then, once the
// scripts are loaded, the kinds to spawn; a mistake in either is a usage error (exit 2).
//
// One frame, on this (the game) thread, at a fixed step of kFrameSeconds (fixed_step.h):
//   world sim step -> events (msgpack) -> aicore_push_events -> aicore_tick
//   -> aicore_drain_commands -> commands applied to the world
// with the calls in that order made by the engine glue's FrameDriver (cpp/engine_glue),
// the same code the UE5 plugin runs.
// and, on an audio thread with its own clock, aicore_audio_render every 512 frames.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "aicore/aicore.h"
#include "aicore/engine_glue/frame_driver.h"
#include "audio_output.h"
#include "command_trace.h"
#include "fixed_step.h"
#include "host_options.h"
#include "preflight.h"
#include "save_slots.h"
#include "script_reload.h"
#include "stats_stream.h"
#include "story_flags.h"
#include "timing_report.h"
#include "world_sim.h"

// Under `valgrind --tool=callgrind --instr-atstart=no` (the QA instruction counts, docs/qa.md)
// the start-up runs uninstrumented, about ten times faster, and the frames are instrumented
// from here on. Outside valgrind the request is a few no-op instructions; without valgrind's
// header it is nothing at all.
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define AICORE_HOST_START_INSTRUMENTATION() CALLGRIND_START_INSTRUMENTATION
#else
#define AICORE_HOST_START_INSTRUMENTATION() ((void)0)
#endif

namespace {

using namespace aicore::host;

static_assert(kPerceivesPlayer == AICORE_PERCEIVES_PLAYER && kHearsNoise == AICORE_HEARS_NOISE &&
                  kIsDamaged == AICORE_IS_DAMAGED,
              "the world sim's perception flags are the C ABI's");
static_assert(kDefaultCustomChannels == AICORE_DEFAULT_CUSTOM_CHANNELS,
              "a test world has the runtime's custom channels");

constexpr int kMaxReasonsPrinted = 5;  // then only counted: a broken script must not flood stderr

// Ctrl-C ends the run at the next frame boundary, so the report is still written.
volatile std::sig_atomic_t gStopRequested = 0;
extern "C" void onStopSignal(int) { gStopRequested = 1; }

struct RuntimeDeleter {
    void operator()(aicore_runtime* rt) const { aicore_runtime_destroy(rt); }
};
using RuntimeHandle = std::unique_ptr<aicore_runtime, RuntimeDeleter>;

int printVersion() {
    if (aicore_api_version() != AICORE_API_VERSION) {
        std::fprintf(stderr, "aicore-host: libaicore speaks C ABI %d, this host needs %d\n",
                     aicore_api_version(), AICORE_API_VERSION);
        return 2;
    }
    std::printf("aicore-host %s (C ABI %d, Python %s)\n", aicore_version(), aicore_api_version(),
                aicore_python_version());
    return 0;
}

int fail(const char* what, aicore_result r, const char* detail) {
    std::fprintf(stderr, "aicore-host: %s: %s%s%s\n", what, aicore_result_string(r),
                 (detail && *detail) ? ": " : "", detail ? detail : "");
    return 1;
}

aicore_metrics readMetrics(const aicore_runtime* rt) {
    aicore_metrics m{};
    m.struct_size = sizeof m;
    if (aicore_metrics_get(rt, &m) != AICORE_OK) {
        m = aicore_metrics{};
        m.struct_size = sizeof m;
    }
    return m;
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double microsecondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

// The world sim as the FrameDriver's engine: commands to its NPCs (by slot; the driver has
// already checked that the handle is live), and the NPCs scripts freed removed from it.
class SimCommandTarget final : public aicore::glue::CommandTarget {
public:
    explicit SimCommandTarget(WorldSim& sim) : sim_(sim) {}
    std::string apply(aicore::glue::NpcHandle, const Command& command) override {
        std::string reason;
        sim_.apply(command, reason);
        return reason;
    }
    void removed(aicore::glue::NpcHandle npc) override {
        if (sim_.active(npc.slot)) sim_.despawn(npc.slot);
    }

private:
    WorldSim& sim_;
};

int run(const HostOptions& o) {
    if (aicore_api_version() != AICORE_API_VERSION) {
        std::fprintf(stderr, "aicore-host: libaicore speaks C ABI %d, this host needs %d\n",
                     aicore_api_version(), AICORE_API_VERSION);
        return 1;
    }
    std::signal(SIGINT, onStopSignal);
    std::signal(SIGTERM, onStopSignal);

    // --- the runtime --------------------------------------------------------------------
    aicore_runtime_config config;
    aicore_runtime_config_init(&config);
    std::vector<const char*> scriptDirs;
    for (const auto& d : o.scriptDirs) scriptDirs.push_back(d.c_str());
    if (!scriptDirs.empty()) {
        config.script_dirs = scriptDirs.data();
        config.script_dir_count = static_cast<std::uint32_t>(scriptDirs.size());
    }
    std::vector<const char*> contentRoots;
    for (const auto& d : o.contentDirs) contentRoots.push_back(d.c_str());
    if (!contentRoots.empty()) {
        config.content_roots = contentRoots.data();
        config.content_root_count = static_cast<std::uint32_t>(contentRoots.size());
    }
    if (!o.saveDir.empty()) config.save_dir = o.saveDir.c_str();
    if (!o.pythonHome.empty()) config.python_home = o.pythonHome.c_str();
    if (!o.venv.empty()) config.python_venv = o.venv.c_str();
    config.max_npcs = std::max(config.max_npcs, o.npcs);
    config.debug_port = o.debugPort;
    if (!o.profile.empty()) config.profile = o.profile.c_str();
    if (o.frameBudgetMs > 0.0) config.frame_budget_ms = o.frameBudgetMs;
    if (o.handlerBudgetMs > 0.0) config.handler_budget_ms = o.handlerBudgetMs;
    config.autosave_seconds = o.saveEverySeconds;  // game time: the frames' dt, not the wall
    if (!o.syncEndpoint.empty()) {
        config.sync_endpoint = o.syncEndpoint.c_str();
        config.sync_keys_dir = o.syncKeysDir.c_str();
    }

    aicore_runtime* created = nullptr;
    if (const aicore_result r = aicore_runtime_create(&config, &created); r != AICORE_OK)
        return fail("cannot create the runtime", r, aicore_last_create_error());
    const RuntimeHandle rt(created);
    if (o.debugPort > 0 && !o.quiet)
        std::printf("aicore-host: a debugger can attach on 127.0.0.1:%u\n", o.debugPort);

    auto started = aicore::glue::FrameDriver::start(rt.get());
    if (!started.driver)
        return fail("aicore_world_get", started.problem->result, started.problem->reason.c_str());
    aicore::glue::FrameDriver& driver = *started.driver;
    const aicore_world& world = driver.world();
    if (world.capacity < o.npcs) {
        std::fprintf(stderr, "aicore-host: the runtime has %u NPC slots, %u were asked for\n",
                     world.capacity, o.npcs);
        return 1;
    }

    // --- the kinds: every one must be a loaded script's, before anything is spawned ------
    std::map<std::string, std::string> archetypeOfKind;
    for (const std::string& kind : o.kinds) {
        if (archetypeOfKind.contains(kind)) continue;
        const char* archetype = nullptr;
        const aicore_result r = aicore_kind_find(rt.get(), kind.c_str(), &archetype);
        if (r == AICORE_NOT_FOUND) {
            // Checked for every kind before anything is spawned: a misspelt kind stops the
            // run at once with the defined kinds, not after half the NPCs are in.
            std::fprintf(stderr, "aicore-host: --kinds: %s%s\n", aicore_runtime_last_error(rt.get()),
                         o.kindsGiven ? "" : "; it is the default, choose kinds with --kinds");
            return 2;
        }
        if (r != AICORE_OK) return fail("aicore_kind_find", r, aicore_runtime_last_error(rt.get()));
        archetypeOfKind[kind] = archetype;
    }
    std::optional<CommandTrace> trace;
    if (!o.tracePath.empty()) trace.emplace(o.tracePath);
    std::optional<StatsStream> statsStream;
    try {
        if (!o.statsPath.empty()) statsStream.emplace(o.statsPath);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "aicore-host: --stats: %s\n", e.what());
        return 1;
    }
    std::vector<NpcIdentity> npcIdentity(world.capacity);  // by slot, for the trace

    // --- the world ----------------------------------------------------------------------
    WorldConfig worldConfig;
    worldConfig.seed = o.seed;
    worldConfig.dayLengthSeconds = o.dayLengthSeconds;
    worldConfig.startHourOfDay = o.timeOfDayHours;
    // The sim writes straight into the runtime's buffers: Python sees this frame's world
    // through its numpy views without a copy. Hunger and light go to custom channels 0
    // and 1, as far as the runtime has them (config.custom_channels).
    WorldSim sim(WorldBuffers{world.capacity, world.position, world.velocity, world.heading,
                              world.health, world.perception, world.player_position,
                              world.custom, world.custom_channels},
                 ObstacleMap::standard(), worldConfig);
    for (std::uint32_t i = 0; i < o.npcs; ++i) {
        const std::string& kind = o.kinds[i % o.kinds.size()];
        const aicore::glue::Spawned spawned = driver.spawn(kind.c_str());
        if (!spawned.npc) {
            const std::string what =
                "cannot spawn NPC " + std::to_string(i) + " of kind '" + kind + "'";
            return fail(what.c_str(), spawned.problem->result, spawned.problem->reason.c_str());
        }
        const std::uint32_t slot = spawned.npc->slot;
        npcIdentity[slot] = {kind, archetypeOfKind[kind]};
        if (!sim.spawn(slot)) {
            std::fprintf(stderr,
                         "aicore-host: the runtime gave slot %u, which is out of range or taken\n",
                         slot);
            return 1;
        }
    }

    // --- the save to start from: after the spawns, before the first frame -----------------
    // A save that cannot be loaded stops the run (exit 1): playing on from a fresh state
    // would look like a working load to a CI job.
    if (!o.loadSlot.empty()) {
        if (const aicore_result r = aicore_load(rt.get(), o.loadSlot.c_str()); r != AICORE_OK) {
            const std::string why = aicore_runtime_last_error(rt.get());
            std::string listError;
            const std::vector<SaveEntry> saves = listSaves(rt.get(), listError);
            std::fprintf(stderr, "aicore-host: --load %s: %s: %s\naicore-host: saves that can be loaded: %s\n",
                         o.loadSlot.c_str(), aicore_result_string(r), why.c_str(),
                         listError.empty() ? soundSaves(saves).c_str() : listError.c_str());
            return 1;
        }
        if (!o.quiet) std::printf("aicore-host: loaded save '%s'\n", o.loadSlot.c_str());
    }

    // --- the audio ----------------------------------------------------------------------
    const double plannedSeconds = static_cast<double>(o.frames) * kFrameSeconds;
    const AudioOutput::Clock clock = o.play       ? AudioOutput::Clock::Device
                                     : o.realtime ? AudioOutput::Clock::Wall
                                                  : AudioOutput::Clock::Simulated;
    // Declared after `rt`, so it is destroyed (its thread joined) before the runtime.
    std::unique_ptr<AudioOutput> audio;
    try {
        audio = std::make_unique<AudioOutput>(rt.get(), clock, o.wavPath, plannedSeconds);
        audio->start();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "aicore-host: audio: %s\n", e.what());
        return 1;
    }

    // --- the frames ---------------------------------------------------------------------
    TimingSeries frameMs, bridgeUs, gcUs, simUs;
    frameMs.reserve(o.frames);
    bridgeUs.reserve(o.frames);
    gcUs.reserve(o.frames);
    simUs.reserve(o.frames);
    SimCommandTarget simTarget(sim);
    // Commands the driver refused (not decodable, or no NPC could take them): the report
    // counts them with the sim's own rejections.
    std::uint64_t commandsRefused = 0;
    int reasonsPrinted = 0;
    const auto printReason = [&](const char* what, const std::string& why) {
        if (reasonsPrinted >= kMaxReasonsPrinted) return;
        std::fprintf(stderr, "aicore-host: %s: %s%s\n", what, why.c_str(),
                     ++reasonsPrinted == kMaxReasonsPrinted ? " (further ones only counted)" : "");
    };

    AICORE_HOST_START_INSTRUMENTATION();
    const auto wallStart = std::chrono::steady_clock::now();
    const auto frameWall = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(kFrameSeconds));
    std::uint64_t frame = 0;
    int exitCode = 0;
    for (; frame < o.frames && gStopRequested == 0; ++frame) {
        // Deadlines from the start, not from the last frame, so lateness never accumulates.
        if (o.realtime)
            std::this_thread::sleep_until(wallStart + frameWall * static_cast<long>(frame));
        if (o.reloadAtFrame && *o.reloadAtFrame == frame && !reloadScripts(rt.get(), frame, o.quiet)) {
            exitCode = 1;
            break;
        }

        const auto t0 = std::chrono::steady_clock::now();
        sim.step(kFrameSeconds);
        const double stepMicros = microsecondsSince(t0);
        const auto events = sim.eventCount() > 0 ? sim.events() : std::span<const std::uint8_t>{};
        const aicore::glue::FrameOutcome& outcome = driver.runFrame(kFrameSeconds, simTarget, events);
        for (const aicore::glue::FrameProblem& p : outcome.problems) {
            using aicore::glue::FrameStep;
            switch (p.step) {
                case FrameStep::PushEvents:
                    // AICORE_BAD_MESSAGE: those events were refused, the valid ones kept.
                    if (p.result == AICORE_BAD_MESSAGE) printReason("an event was refused", p.reason);
                    else exitCode = fail("aicore_push_events", p.result, p.reason.c_str());
                    break;
                case FrameStep::DecodeCommand:
                case FrameStep::ApplyCommand:
                    ++commandsRefused;
                    printReason("a command was not applied", p.reason);
                    break;
                case FrameStep::Despawn: printReason("aicore_npc_despawn", p.reason); break;
                case FrameStep::Tick: exitCode = fail("aicore_tick", p.result, p.reason.c_str()); break;
                case FrameStep::DrainCommands:
                    exitCode = fail("aicore_drain_commands", p.result, p.reason.c_str());
                    break;
                case FrameStep::WorldGet:
                case FrameStep::Spawn: break;  // not steps of a frame
            }
        }
        // AICORE_INCOMPLETE: the frame budget ran out and the rest waits for the next tick
        // (counted in the report); a tick or drain that failed outright ends the run.
        if (exitCode != 0 || !outcome.completed) {
            if (exitCode == 0) exitCode = 1;
            break;
        }
        frameMs.add(outcome.tickMicros / 1000.0);
        if (statsStream) statsStream->addFrame(outcome.tickMicros / 1000.0);
        const aicore_metrics tickMetrics = readMetrics(rt.get());
        bridgeUs.add(tickMetrics.last_bridge_us);
        gcUs.add(tickMetrics.last_gc_us);
        if (trace) trace->record(frame, kFrameSeconds, outcome.commandBytes, npcIdentity);
        simUs.add(stepMicros + outcome.applyMicros);

        audio->advanceTo(static_cast<double>(frame + 1) * kFrameSeconds);
        if (statsStream && (frame + 1) % kFramesPerSecond == 0) {
            const aicore_metrics m = readMetrics(rt.get());
            if (!statsStream->endSecond({frame + 1, static_cast<double>(frame + 1) * kFrameSeconds, m.npcs,
                                   m.script_errors})) {
                exitCode = 1;
                std::fprintf(stderr, "aicore-host: %s: writing the stats failed\n", o.statsPath.c_str());
                break;
            }
        }
        if (o.realtime && !o.quiet && (frame + 1) % kFramesPerSecond == 0) {
            const aicore_metrics m = readMetrics(rt.get());
            std::printf("  t=%5.1f s  npcs %u  events %llu  commands %llu  script errors %llu\n",
                        static_cast<double>(frame + 1) * kFrameSeconds, m.npcs,
                        static_cast<unsigned long long>(m.events_in),
                        static_cast<unsigned long long>(m.commands_out),
                        static_cast<unsigned long long>(m.script_errors));
            std::fflush(stdout);
        }
    }
    const double simulated = static_cast<double>(frame) * kFrameSeconds;
    audio->stop(simulated);
    const double wallSeconds = secondsSince(wallStart);

    // --- the save to end with: after the last frame, before the saves are listed ---------
    if (!o.saveToSlot.empty()) {
        if (const aicore_result r = aicore_save(rt.get(), o.saveToSlot.c_str()); r != AICORE_OK) {
            fail(("--save-to " + o.saveToSlot).c_str(), r, aicore_runtime_last_error(rt.get()));
            exitCode = exitCode != 0 ? exitCode : 1;
        } else if (!o.quiet) {
            std::printf("aicore-host: saved to slot '%s'\n", o.saveToSlot.c_str());
        }
    }

    // --- the report ---------------------------------------------------------------------
    const aicore_metrics m = readMetrics(rt.get());
    RunReport report;
    report.frames = frame;
    report.npcs = o.npcs;
    report.npcsAtEnd = sim.activeCount();
    report.realtime = o.realtime;
    report.seed = o.seed;
    report.secondsSimulated = simulated;
    report.wallSeconds = wallSeconds;
    report.frameMs = frameMs.summarize();
    report.bridgeUs = bridgeUs.summarize();
    report.gcUs = gcUs.summarize();
    report.simUs = simUs.summarize();
    report.audioBlockUs = audio->renderTimings().summarize();
    report.scriptErrors = m.script_errors;
    report.incompleteTicks = m.incomplete_ticks;
    report.droppedEvents = m.dropped_events;
    report.rejectedMessages = m.rejected_messages;
    report.eventsIn = m.events_in;
    report.commandsOut = m.commands_out;
    const SimStats& stats = sim.stats();
    report.commandsRejected = stats.rejectedCommands + commandsRefused;
    for (std::size_t t = 0; t < kCommandTypeCount; ++t)
        report.commandsApplied[commandTypeName(static_cast<CommandType>(t))] = stats.applied[t];
    report.eventsSent = {{"player_seen", stats.playerSeenEvents},
                         {"damaged", stats.damagedEvents},
                         {"heard_noise", stats.heardNoiseEvents}};
    report.subtitles = sim.subtitleCount();
    report.playerHits = stats.playerHits;
    report.audioBlocks = audio->blocks();
    report.audioBlockFrames = AudioOutput::kBlockFrames;
    report.audioSampleRate = AudioOutput::kSampleRate;
    report.wavPath = o.wavPath;
    for (std::uint32_t i = 0; i < aicore_runtime_content_problem_count(rt.get()); ++i) {
        aicore_content_problem p{};
        if (aicore_runtime_content_problem(rt.get(), i, &p) != AICORE_OK) continue;
        report.contentProblems.push_back({p.system, p.file ? p.file : "", p.line,
                                          p.field ? p.field : "", p.reason});
    }

    if (!o.saveDir.empty()) {
        report.saveDir = o.saveDir;
        report.loadedSlot = o.loadSlot;
        report.saves = listSaves(rt.get(), report.savesError);
    }

    std::fputs(formatText(report).c_str(), stdout);
    // A flag asked for and not there stops a CI job as a failed --load does.
    for (const StoryFlagLine& line : readStoryFlags(rt.get(), o.storyFlags)) {
        std::printf("%s\n", line.text.c_str());
        if (!line.read) exitCode = exitCode != 0 ? exitCode : 1;
    }
    std::fflush(stdout);
    if (audio->renderErrors() > 0) {
        std::fprintf(stderr, "aicore-host: %llu audio blocks failed to render\n",
                     static_cast<unsigned long long>(audio->renderErrors()));
        exitCode = exitCode != 0 ? exitCode : 1;
    }
    if (!audio->wavOk()) {
        std::fprintf(stderr, "aicore-host: %s: writing the WAV failed\n", o.wavPath.c_str());
        exitCode = exitCode != 0 ? exitCode : 1;
    }
    if (trace) {
        try {
            trace->close();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "aicore-host: trace: %s\n", e.what());
            exitCode = exitCode != 0 ? exitCode : 1;
        }
    }
    if (!o.reportPath.empty()) {
        try {
            writeJson(report, o.reportPath);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "aicore-host: report: %s\n", e.what());
            exitCode = exitCode != 0 ? exitCode : 1;
        }
    }
    if (exitCode == 0 && gStopRequested != 0) exitCode = 130;  // as a shell reports SIGINT
    return exitCode;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    ParsedOptions parsed = parseHostOptions(args);
    if (!parsed.options) {
        std::fprintf(stderr, "aicore-host: %s (see aicore-host --help)\n", parsed.error.c_str());
        return 2;
    }
    HostOptions& o = *parsed.options;
    if (o.showHelp) {
        std::fputs(hostUsage(), stdout);
        return 0;
    }
    if (o.showVersion) return printVersion();
    if (o.play && !AudioOutput::deviceSupported()) {
        std::fputs(
            "aicore-host: --play needs PortAudio, and this aicore-host was built without it.\n"
            "Install portaudio19-dev, rebuild (make demo does both), or write the mix to a file\n"
            "with --wav OUT.wav.\n",
            stderr);
        return 2;
    }
    applyEnvironmentDefaults(o);
    if (const auto problem = checkPaths(o)) {
        std::fprintf(stderr, "aicore-host: %s\n", describe(*problem).c_str());
        return 2;
    }
    try {
        return run(o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "aicore-host: %s\n", e.what());
        return 1;
    }
}
