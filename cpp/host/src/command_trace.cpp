#include "command_trace.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "aicore/codec/msgpack_reader.h"

namespace aicore::host {

namespace {

// Deeper than any command the protocol allows (aicore/protocol_schema.h's kMaxDepth);
// bounds the recursion below whatever the bytes claim.
constexpr int kMaxTraceDepth = 64;

// Why msgpack could not become JSON (the trace writes it as the line's "error").
struct TraceError {
    std::string what;
};

// The value at the reader's cursor as JSON, moving past it. Throws TraceError.
nlohmann::json toJson(codec::Reader& r, int depth) {
    codec::Item it;
    if (!r.next(it))
        throw TraceError{std::string("not msgpack: ") + codec::describe(r.failure().error) +
                         " at byte " + std::to_string(r.failure().offset)};
    switch (it.type) {
        case codec::Type::Nil: return nullptr;
        case codec::Type::Bool: return it.boolean;
        case codec::Type::Uint: return it.u;
        case codec::Type::Int: return it.i;
        case codec::Type::Float: return it.f;
        case codec::Type::Str: return std::string(it.text());
        case codec::Type::Bin:
            return nlohmann::json::binary({it.bytes().begin(), it.bytes().end()});
        case codec::Type::Ext:
            return nlohmann::json::binary({it.bytes().begin(), it.bytes().end()}, it.extType);
        case codec::Type::Array:
        case codec::Type::Map: break;
    }
    if (depth >= kMaxTraceDepth)
        throw TraceError{"nested deeper than " + std::to_string(kMaxTraceDepth) + " levels"};
    if (it.type == codec::Type::Array) {
        nlohmann::json array = nlohmann::json::array();
        for (std::uint64_t k = 0; k < it.length; ++k) array.push_back(toJson(r, depth + 1));
        return array;
    }
    nlohmann::json object = nlohmann::json::object();
    for (std::uint64_t k = 0; k < it.length; ++k) {
        codec::Item key;
        if (!r.next(key) || key.type != codec::Type::Str)
            throw TraceError{"a map key that is not a string"};
        object[std::string(key.text())] = toJson(r, depth + 1);
    }
    return object;
}

// Insertion-ordered, so every line starts with when, who and what.
using Line = nlohmann::ordered_json;

Line describeCommand(std::uint64_t frame, double frameSeconds, const nlohmann::json& command,
                     const std::vector<NpcIdentity>& npcs) {
    Line line;
    line["frame"] = frame;
    line["time_s"] = static_cast<double>(frame) * frameSeconds;
    const auto npc = command.find("npc");
    const NpcIdentity* who = nullptr;
    if (npc != command.end() && npc->is_number_unsigned()) {
        line["npc"] = *npc;
        const auto slot = npc->get<std::uint64_t>();
        if (slot < npcs.size() && !npcs[slot].kind.empty()) who = &npcs[slot];
    } else {
        line["npc"] = nullptr;
    }
    line["kind"] = who != nullptr ? Line(who->kind) : Line(nullptr);
    const auto type = command.find("type");
    line["type"] = type != command.end() ? Line(*type) : Line(nullptr);
    for (const auto& [key, value] : command.items())
        if (key != "v" && key != "type" && key != "npc") line[key] = value;
    if (who != nullptr && !who->archetype.empty() && line["type"] == "say")
        line["archetype"] = who->archetype;
    return line;
}

}  // namespace

std::vector<std::string> traceLines(std::uint64_t frame, double frameSeconds,
                                    std::span<const std::uint8_t> commands,
                                    const std::vector<NpcIdentity>& npcs) {
    std::vector<std::string> lines;
    nlohmann::json decoded;
    try {
        const codec::DecodeFailure whole = codec::checkWhole(commands);
        if (whole)
            throw TraceError{std::string("not msgpack: ") + codec::describe(whole.error) +
                             " at byte " + std::to_string(whole.offset)};
        codec::Reader r(commands);
        decoded = toJson(r, 0);
    } catch (const TraceError& e) {
        lines.push_back(Line{{"frame", frame}, {"error", e.what}}.dump());
        return lines;
    }
    if (!decoded.is_array()) {
        lines.push_back(Line{{"frame", frame}, {"error", "the commands are not an array"}}.dump());
        return lines;
    }
    for (const nlohmann::json& command : decoded) {
        if (!command.is_object()) {
            lines.push_back(Line{{"frame", frame}, {"error", "a command is not a map"}}.dump());
            continue;
        }
        // A say's text is the designer's, not necessarily valid UTF-8: replace, never throw.
        lines.push_back(describeCommand(frame, frameSeconds, command, npcs)
                            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    return lines;
}

CommandTrace::CommandTrace(const std::filesystem::path& path)
    : path_(path), out_(path, std::ios::binary | std::ios::trunc) {
    if (!out_) throw std::runtime_error(path.string() + ": cannot open for writing");
}

void CommandTrace::record(std::uint64_t frame, double frameSeconds,
                          std::span<const std::uint8_t> commands,
                          const std::vector<NpcIdentity>& npcs) {
    // An empty array (most frames) is one byte: nothing to decode, nothing to write.
    if (commands.size() <= 1) return;
    for (const std::string& line : traceLines(frame, frameSeconds, commands, npcs)) {
        out_ << line << '\n';
        ++lines_;
    }
}

void CommandTrace::close() {
    out_.flush();
    const bool ok = static_cast<bool>(out_);
    out_.close();
    if (!ok || out_.fail()) throw std::runtime_error(path_.string() + ": write failed");
}

}  // namespace aicore::host
