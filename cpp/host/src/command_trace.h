#pragma once
// --trace: one JSON line per command the runtime gave, with the frame and the NPC that gave
// it, so a designer can read who did and said what (grep, jq, a spreadsheet).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

namespace aicore::host {

/// What the host knows about the NPC in a slot: its script kind and the archetype its
/// lines are voiced in ("" for none).
struct NpcIdentity {
    std::string kind;
    std::string archetype;
};

/// The JSON lines (without newlines) for one frame's drained commands, one msgpack array
/// of command maps (docs/protocol.md). Each line is an object with "frame", "time_s",
/// "npc", "kind" (null for a slot the host did not spawn), "type", then the command's own
/// fields ("text" and "line" of a say, "emote", "target", ...), and for a say the
/// "archetype" that voices it, if any. Bytes that do not decode give one line with
/// "frame" and "error".
std::vector<std::string> traceLines(std::uint64_t frame, double frameSeconds,
                                    std::span<const std::uint8_t> commands,
                                    const std::vector<NpcIdentity>& npcs);

class CommandTrace {
public:
    /// Creates (truncates) the file; throws std::runtime_error naming it if it cannot.
    explicit CommandTrace(const std::filesystem::path& path);

    void record(std::uint64_t frame, double frameSeconds, std::span<const std::uint8_t> commands,
                const std::vector<NpcIdentity>& npcs);
    /// Flushes and closes; throws std::runtime_error naming the file if writing failed.
    void close();
    std::uint64_t lines() const { return lines_; }

private:
    std::filesystem::path path_;
    std::ofstream out_;
    std::uint64_t lines_ = 0;
};

}  // namespace aicore::host
