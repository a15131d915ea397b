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
inline constexpr char kStoreError[] = "StoreError";
inline constexpr char kSyncConfig[] = "SyncConfig";
inline constexpr char kCloudSaveError[] = "CloudSaveError";
inline constexpr char kReadStoryFlag[] = "read_story_flag";
inline constexpr char kStoryFlagNotFoundError[] = "StoryFlagNotFoundError";
inline constexpr char kReloadChangedScripts[] = "reload_changed_scripts";
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
inline constexpr char kProfile[] = "profile";
inline constexpr char kAutosaveEveryS[] = "autosave_every_s";
inline constexpr char kSync[] = "sync";
}  // namespace runtime_arguments

// SyncConfig's keyword arguments (its endpoint is the first positional one).
namespace sync_config_arguments {
inline constexpr char kKeysDir[] = "keys_dir";
}  // namespace sync_config_arguments

// The methods and attributes of a Runtime the bridge calls or reads.
namespace runtime {
inline constexpr char kTick[] = "tick";
inline constexpr char kSpawn[] = "spawn";
inline constexpr char kDespawn[] = "despawn";
inline constexpr char kProblems[] = "problems";
inline constexpr char kScriptErrors[] = "script_errors";
inline constexpr char kDroppedEvents[] = "dropped_events";
inline constexpr char kCarried[] = "carried";
inline constexpr char kStoreCounters[] = "store_counters";
inline constexpr char kClose[] = "close";
inline constexpr char kDefinedKinds[] = "defined_kinds";
inline constexpr char kKindArchetype[] = "kind_archetype";
inline constexpr char kSpawnRefusal[] = "spawn_refusal";
inline constexpr char kSave[] = "save";
inline constexpr char kLoad[] = "load";
inline constexpr char kSaves[] = "saves";
inline constexpr char kDeleteSave[] = "delete_save";
inline constexpr char kPullSave[] = "pull_save";
}  // namespace runtime

// What Runtime.saves() lists (SaveInfo), as aicore_saves_refresh reads it.
namespace save_info {
inline constexpr char kSlot[] = "slot";
inline constexpr char kPrevious[] = "previous";
inline constexpr char kSavedAt[] = "saved_at";
inline constexpr char kLabel[] = "label";
inline constexpr char kSchemaVersion[] = "schema_version";
inline constexpr char kProblem[] = "problem";
}  // namespace save_info

// What the save calls read of a StoreError: its kind (a FaultKind, a str) picks the result
// code; the sound saves it offers (each with a slot) go into the message.
namespace store_error {
inline constexpr char kKind[] = "kind";
inline constexpr char kOffered[] = "offered";
}  // namespace store_error

// The values of FaultKind the bridge maps to result codes (save_calls.cpp): every value
// FaultKind has is here, and tests/test_embedding_names.py holds the two equal.
namespace fault_kinds {
inline constexpr char kCorrupt[] = "corrupt";
inline constexpr char kDiskFull[] = "disk_full";
inline constexpr char kReadOnly[] = "read_only";
inline constexpr char kBadPath[] = "bad_path";
inline constexpr char kInUse[] = "in_use";
inline constexpr char kNoSuchSlot[] = "no_such_slot";
inline constexpr char kSchema[] = "schema";
inline constexpr char kNotPlainData[] = "not_plain_data";
inline constexpr char kRejected[] = "rejected";
inline constexpr char kIo[] = "io";
inline constexpr char kClosed[] = "closed";
}  // namespace fault_kinds

// What aicore_saves_pull reads of a CloudSaveError: its code (a CloudSaveRefusal, a str),
// and every code there is (save_calls.cpp maps each; the test holds the list to the enum).
namespace cloud_save_error {
inline constexpr char kCode[] = "code";
}  // namespace cloud_save_error
namespace cloud_save_codes {
inline constexpr char kUnavailable[] = "unavailable";
inline constexpr char kNoSuchSave[] = "no_such_save";
inline constexpr char kCorrupt[] = "corrupt";
inline constexpr char kTooLarge[] = "too_large";
inline constexpr char kRefused[] = "refused";
}  // namespace cloud_save_codes

// What read_story_flag returns (StoryFlagReading), and every type name it carries
// (story_calls.cpp maps each to an AICORE_STORY_FLAG_*; the test holds the list to FLAG_TYPES).
namespace story_flag_reading {
inline constexpr char kType[] = "type";
inline constexpr char kInteger[] = "integer";
inline constexpr char kText[] = "text";
}  // namespace story_flag_reading
namespace story_flag_types {
inline constexpr char kBool[] = "bool";
inline constexpr char kInt[] = "int";
inline constexpr char kStr[] = "str";
}  // namespace story_flag_types

// What reload_changed_scripts returns (ScriptsReloaded).
namespace scripts_reloaded {
inline constexpr char kReloaded[] = "reloaded";
inline constexpr char kFailures[] = "failures";
}  // namespace scripts_reloaded

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
inline constexpr char kRetireClip[] = "retire_clip";
inline constexpr char kClipCount[] = "clip_count";
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
