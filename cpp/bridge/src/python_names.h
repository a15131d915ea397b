#pragma once
// Every Python name the bridge uses, in one place. The bridge imports exactly one module,
// engine_bridge/native/embedding.py, and reaches the rest through what it exports.
// tests/test_embedding_names.py parses this header (one `inline constexpr char kName[] =
// "value";` a line, grouped by namespace) and checks each name against the Python side, so
// keep that form: a Python rename not mirrored here fails that test.
namespace aicore::bridge::python_names {

// The module, and its attributes.
namespace embedding {
inline constexpr char kModule[] = "engine_bridge.native.embedding";
inline constexpr char kWorld[] = "World";
inline constexpr char kScriptTimeoutError[] = "ScriptTimeoutError";
inline constexpr char kRuntime[] = "Runtime";
inline constexpr char kPackageDir[] = "PACKAGE_DIR";
inline constexpr char kListenForDebugger[] = "listen_for_debugger";
}  // namespace embedding

// What the bridge calls on World.
namespace world {
inline constexpr char kFromBuffers[] = "from_buffers";
}  // namespace world

// Runtime's keyword arguments, as the bridge passes them.
namespace runtime_arguments {
inline constexpr char kScriptDirs[] = "script_dirs";
inline constexpr char kContentRoots[] = "content_roots";
inline constexpr char kSaveDir[] = "save_dir";
inline constexpr char kAudio[] = "audio";
inline constexpr char kLogSink[] = "log_sink";
inline constexpr char kDeadline[] = "deadline";
inline constexpr char kHandlerBudgetS[] = "handler_budget_s";
inline constexpr char kFrameBudgetS[] = "frame_budget_s";
}  // namespace runtime_arguments

// The methods and attributes of a Runtime the bridge calls or reads.
namespace runtime {
inline constexpr char kTick[] = "tick";
inline constexpr char kSpawn[] = "spawn";
inline constexpr char kDespawn[] = "despawn";
inline constexpr char kProblems[] = "problems";
inline constexpr char kScriptErrors[] = "script_errors";
inline constexpr char kDroppedEvents[] = "dropped_events";
inline constexpr char kCarried[] = "carried";
inline constexpr char kClose[] = "close";
inline constexpr char kDefinedKinds[] = "defined_kinds";
inline constexpr char kKindArchetype[] = "kind_archetype";
inline constexpr char kSpawnRefusal[] = "spawn_refusal";
}  // namespace runtime

// The fields of what Runtime.spawn_refusal returns, and the code the bridge tells apart.
namespace spawn_refusal {
inline constexpr char kCode[] = "code";
inline constexpr char kFile[] = "file";
inline constexpr char kLine[] = "line";
inline constexpr char kReason[] = "reason";
}  // namespace spawn_refusal
namespace spawn_refusal_codes {
inline constexpr char kScriptError[] = "script_error";
}  // namespace spawn_refusal_codes

// The other direction: what the bridge gives Python. The private module scripts never see,
// and the members of its Bridge object (the Runtime's `audio`, `deadline` and log sink).
namespace bridge_module {
inline constexpr char kModule[] = "_aicore_bridge";
inline constexpr char kClass[] = "Bridge";
}  // namespace bridge_module
namespace bridge {
inline constexpr char kWorldBuffers[] = "world_buffers";
inline constexpr char kCapacity[] = "capacity";
inline constexpr char kChannels[] = "channels";
inline constexpr char kLog[] = "log";
inline constexpr char kAddClip[] = "add_clip";
inline constexpr char kPlayClip[] = "play_clip";
inline constexpr char kLineEvents[] = "line_events";
inline constexpr char kGate[] = "gate";
inline constexpr char kEnter[] = "enter";
inline constexpr char kCancelPending[] = "cancel_pending";
}  // namespace bridge

// The keys of Bridge.world_buffers(), which World.from_buffers reads.
namespace world_buffers {
inline constexpr char kPosition[] = "position";
inline constexpr char kVelocity[] = "velocity";
inline constexpr char kHeading[] = "heading";
inline constexpr char kHealth[] = "health";
inline constexpr char kPerception[] = "perception";
inline constexpr char kCustom[] = "custom";
inline constexpr char kAlive[] = "alive";
inline constexpr char kPlayerPosition[] = "player_position";
}  // namespace world_buffers

}  // namespace aicore::bridge::python_names
