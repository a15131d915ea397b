#pragma once
// The call order of one frame, the same in every engine (aicore-host, the UE5 plugin):
//
//   push events -> aicore_tick -> aicore_drain_commands -> decode -> apply each command
//   -> free the slots of despawned NPCs -> release the slots scripts freed themselves
//
// and the spawning of NPCs through the slot map. Game thread only.
//
// The error contract: the driver never logs and never throws. Everything that went wrong
// comes back as a FrameProblem (which step, the result code, the reason in words): the
// engine logs it its own way (stderr, UE_LOG) and decides how often. One rule is fixed
// here: a refused event or command costs only itself, the frame goes on; only a tick or
// a drain that fails outright (not AICORE_OK, not AICORE_INCOMPLETE) ends the frame early,
// and the outcome says so (`completed` is false).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "aicore/aicore.h"
#include "aicore/engine_glue/command_decoding.h"
#include "aicore/engine_glue/event_batch.h"
#include "aicore/engine_glue/slot_map.h"

namespace aicore::glue {

/// The steps of a frame, and the calls around it that can go wrong.
enum class FrameStep : std::uint8_t {
    WorldGet,       // aicore_world_get, when the driver starts
    Spawn,          // aicore_npc_spawn, or the slot map refusing the slot it gave
    PushEvents,     // aicore_push_events
    Tick,           // aicore_tick
    DrainCommands,  // aicore_drain_commands
    DecodeCommand,  // a drained command that is not valid (docs/protocol.md)
    ApplyCommand,   // the engine could not apply a valid command (no NPC in that slot...)
    Despawn,        // aicore_npc_despawn
};
/// "push events", "tick", ... (for logs).
const char* frameStepName(FrameStep step) noexcept;

/// One thing that went wrong, as a value: the step, the C ABI's result code (AICORE_OK
/// for a problem found by the glue itself, such as a command that does not decode) and why.
struct FrameProblem {
    FrameStep step = FrameStep::Tick;
    aicore_result result = AICORE_OK;
    std::string reason;
};

/// What the engine does with the runtime's commands: its NPCs, by handle.
class CommandTarget {
public:
    virtual ~CommandTarget() = default;
    /// Applies one valid command to the engine NPC `npc` (the live handle of command.npc).
    /// Returns "" when applied, else why not. For a despawn command "" means the engine's
    /// NPC is gone: the driver then frees its slot in the runtime (aicore_npc_despawn).
    virtual std::string apply(NpcHandle npc, const Command& command) = 0;
    /// A script freed `npc`'s slot itself (aicore_world.alive went to 0): remove the
    /// engine's NPC. The handle is already stale when this is called.
    virtual void removed(NpcHandle npc) = 0;
};

/// What one frame did.
struct FrameOutcome {
    bool completed = false;        // every step ran (the tick may still be INCOMPLETE)
    aicore_result tick = AICORE_OK;  // the tick's result: OK or INCOMPLETE when it ran
    std::size_t eventsPushed = 0;
    std::size_t commandsApplied = 0;
    std::size_t commandsRefused = 0;  // DecodeCommand and ApplyCommand problems
    std::vector<FrameProblem> problems;
    /// The drained batch as the runtime wrote it (for a trace), valid until the next frame.
    std::span<const std::uint8_t> commandBytes;
    /// Wall time of aicore_tick alone, and of decoding and applying the commands, for an
    /// engine's own timing report (no test relies on them).
    double tickMicros = 0.0;
    double applyMicros = 0.0;
};

/// An NPC spawned through the driver: its handle, or why not.
struct Spawned {
    std::optional<NpcHandle> npc;
    std::optional<FrameProblem> problem;
};

class FrameDriver {
public:
    /// Starts driving `runtime` (borrowed: it must outlive the driver): reads its world
    /// (aicore_world_get) for the slot map's capacity. Nothing on failure, with the problem.
    struct Started;
    static Started start(aicore_runtime* runtime);

    FrameDriver(FrameDriver&&) noexcept = default;
    FrameDriver& operator=(FrameDriver&&) noexcept = default;
    FrameDriver(const FrameDriver&) = delete;
    FrameDriver& operator=(const FrameDriver&) = delete;
    ~FrameDriver() = default;

    /// The world buffers (positions, health, ...) the engine writes each frame.
    const aicore_world& world() const noexcept { return world_; }
    const SlotMap& slots() const noexcept { return slots_; }

    /// A new NPC of script kind `kind` (UTF-8): aicore_npc_spawn, then its slot claimed.
    Spawned spawn(const char* kind);
    /// Frees the NPC's slot in the runtime and in the map (the engine removed the NPC).
    /// Nothing for a stale handle (already freed: nothing to do), else the problem if the
    /// runtime refused.
    std::optional<FrameProblem> despawn(NpcHandle npc);

    /// Events queued for the next frame's push. On a BatchFull rejection call
    /// pushQueuedEvents() and add again.
    EventBatch& events() noexcept { return events_; }
    /// Pushes the queued events now (between frames) and clears the queue; what was
    /// refused, if anything. Events the runtime refused are counted by it and named in the
    /// problem; the valid ones of the batch were kept.
    std::optional<FrameProblem> pushQueuedEvents();

    /// Runs one frame: pushes `engineEvents` (an already encoded msgpack event array, may
    /// be empty) and the queued events, ticks by dtSeconds, drains the commands, applies
    /// each to `target`, frees the slots of despawned NPCs and releases the slots scripts
    /// freed. The outcome's spans and problems are valid until the next call.
    const FrameOutcome& runFrame(double dtSeconds, CommandTarget& target,
                                 std::span<const std::uint8_t> engineEvents = {});

private:
    FrameDriver(aicore_runtime* runtime, const aicore_world& world);
    std::optional<FrameProblem> push(std::span<const std::uint8_t> bytes, std::size_t count);
    FrameProblem problem(FrameStep step, aicore_result result) const;
    bool drain();
    void applyCommands(CommandTarget& target);

    aicore_runtime* runtime_;
    aicore_world world_;
    SlotMap slots_;
    EventBatch events_;
    std::vector<std::uint8_t> commandBuffer_;  // grows to the largest batch, then stays
    std::vector<Command> decoded_;
    std::vector<std::string> rejections_;
    std::vector<NpcHandle> freed_;
    FrameOutcome outcome_;
};

struct FrameDriver::Started {
    std::optional<FrameDriver> driver;
    std::optional<FrameProblem> problem;
};

}  // namespace aicore::glue
