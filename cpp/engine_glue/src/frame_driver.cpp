#include "aicore/engine_glue/frame_driver.h"

#include <chrono>
#include <utility>

#include "aicore/codec/msgpack_reader.h"

namespace aicore::glue {

namespace {

double microsecondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

// The number of events in an encoded batch: an array's length, 1 for a lone map (what
// aicore_push_events takes); 0 when it is neither, and the runtime will say why.
std::size_t eventCount(std::span<const std::uint8_t> bytes) {
    codec::Item head;
    if (codec::readItem(bytes, head) != codec::DecodeError::None) return 0;
    if (head.type == codec::Type::Array) return static_cast<std::size_t>(head.length);
    return head.type == codec::Type::Map ? 1 : 0;
}

}  // namespace

const char* frameStepName(FrameStep step) noexcept {
    switch (step) {
        case FrameStep::WorldGet: return "world get";
        case FrameStep::Spawn: return "spawn";
        case FrameStep::PushEvents: return "push events";
        case FrameStep::Tick: return "tick";
        case FrameStep::DrainCommands: return "drain commands";
        case FrameStep::DecodeCommand: return "decode command";
        case FrameStep::ApplyCommand: return "apply command";
        case FrameStep::Despawn: return "despawn";
    }
    return "?";
}

FrameDriver::Started FrameDriver::start(aicore_runtime* runtime) {
    if (runtime == nullptr)
        return {std::nullopt, FrameProblem{FrameStep::WorldGet, AICORE_INVALID_ARGUMENT, "no runtime"}};
    aicore_world world{};
    if (const aicore_result r = aicore_world_get(runtime, &world); r != AICORE_OK)
        return {std::nullopt, FrameProblem{FrameStep::WorldGet, r, aicore_runtime_last_error(runtime)}};
    return {FrameDriver(runtime, world), std::nullopt};
}

FrameDriver::FrameDriver(aicore_runtime* runtime, const aicore_world& world)
    : runtime_(runtime), world_(world), slots_(world.capacity), commandBuffer_(64 * 1024) {}

FrameProblem FrameDriver::problem(FrameStep step, aicore_result result) const {
    return {step, result, aicore_runtime_last_error(runtime_)};
}

Spawned FrameDriver::spawn(const char* kind) {
    std::uint32_t slot = 0;
    if (const aicore_result r = aicore_npc_spawn(runtime_, kind, &slot); r != AICORE_OK)
        return {std::nullopt, problem(FrameStep::Spawn, r)};
    const SlotMap::Claim claim = slots_.claim(slot);
    if (!claim.handle) {
        // The runtime and the map disagree: give the slot back rather than leak an NPC
        // that no engine object drives.
        aicore_npc_despawn(runtime_, slot);
        return {std::nullopt,
                FrameProblem{FrameStep::Spawn, AICORE_ERROR,
                             "the runtime gave slot " + std::to_string(slot) +
                                 (claim.problem == ClaimProblem::Taken ? ", which an NPC already holds"
                                                                       : ", which is out of range")}};
    }
    return {claim.handle, std::nullopt};
}

std::optional<FrameProblem> FrameDriver::despawn(NpcHandle npc) {
    const std::optional<std::uint32_t> slot = slots_.slotOf(npc);
    if (!slot) return std::nullopt;
    slots_.releaseSlot(*slot);
    // AICORE_NOT_FOUND: a script freed the slot in this same frame; either way it is free.
    if (const aicore_result r = aicore_npc_despawn(runtime_, *slot); r != AICORE_OK && r != AICORE_NOT_FOUND)
        return problem(FrameStep::Despawn, r);
    return std::nullopt;
}

std::optional<FrameProblem> FrameDriver::push(std::span<const std::uint8_t> bytes, std::size_t count) {
    const aicore_result r = aicore_push_events(runtime_, bytes.data(), bytes.size());
    if (r == AICORE_OK) {
        outcome_.eventsPushed += count;
        return std::nullopt;
    }
    return problem(FrameStep::PushEvents, r);
}

std::optional<FrameProblem> FrameDriver::pushQueuedEvents() {
    if (events_.empty()) return std::nullopt;
    auto result = push(events_.bytes(), events_.count());
    events_.clear();
    return result;
}

bool FrameDriver::drain() {
    std::size_t written = 0;
    aicore_result r = aicore_drain_commands(runtime_, commandBuffer_.data(), commandBuffer_.size(), &written);
    if (r == AICORE_FULL) {
        commandBuffer_.resize(written);  // nothing was removed: take them all at the size needed
        r = aicore_drain_commands(runtime_, commandBuffer_.data(), commandBuffer_.size(), &written);
    }
    if (r != AICORE_OK) {
        outcome_.problems.push_back(problem(FrameStep::DrainCommands, r));
        return false;
    }
    outcome_.commandBytes = std::span<const std::uint8_t>(commandBuffer_.data(), written);
    return true;
}

void FrameDriver::applyCommands(CommandTarget& target) {
    decoded_.clear();
    rejections_.clear();
    decodeCommands(outcome_.commandBytes, decoded_, rejections_);
    for (std::string& why : rejections_) {
        outcome_.problems.push_back({FrameStep::DecodeCommand, AICORE_OK, std::move(why)});
        ++outcome_.commandsRefused;
    }
    for (const Command& command : decoded_) {
        const std::optional<NpcHandle> npc = slots_.handleIn(command.npc);
        std::string why = npc ? target.apply(*npc, command)
                              : std::string(commandTypeName(command.type)) + ": no NPC in slot " +
                                    std::to_string(command.npc);
        if (!why.empty()) {
            outcome_.problems.push_back({FrameStep::ApplyCommand, AICORE_OK, std::move(why)});
            ++outcome_.commandsRefused;
            continue;
        }
        ++outcome_.commandsApplied;
        if (command.type == CommandType::Despawn)
            if (auto refused = despawn(*npc)) outcome_.problems.push_back(std::move(*refused));
    }
    // A script may also have freed a slot itself: the runtime owns `alive`.
    freed_.clear();
    slots_.releaseDead({world_.alive, world_.capacity}, freed_);
    for (const NpcHandle gone : freed_) target.removed(gone);
}

const FrameOutcome& FrameDriver::runFrame(double dtSeconds, CommandTarget& target,
                                          std::span<const std::uint8_t> engineEvents) {
    outcome_ = FrameOutcome{};
    // A refused push costs the events it names, never the frame: the runtime kept the
    // valid events of the batch, and scripts still get their tick.
    if (!engineEvents.empty())
        if (auto refused = push(engineEvents, eventCount(engineEvents)))
            outcome_.problems.push_back(std::move(*refused));
    if (auto refused = pushQueuedEvents()) outcome_.problems.push_back(std::move(*refused));

    auto t0 = std::chrono::steady_clock::now();
    outcome_.tick = aicore_tick(runtime_, dtSeconds);
    outcome_.tickMicros = microsecondsSince(t0);
    if (outcome_.tick != AICORE_OK && outcome_.tick != AICORE_INCOMPLETE) {
        outcome_.problems.push_back(problem(FrameStep::Tick, outcome_.tick));
        return outcome_;
    }
    if (!drain()) return outcome_;
    t0 = std::chrono::steady_clock::now();
    applyCommands(target);
    outcome_.applyMicros = microsecondsSince(t0);
    outcome_.completed = true;
    return outcome_;
}

}  // namespace aicore::glue
