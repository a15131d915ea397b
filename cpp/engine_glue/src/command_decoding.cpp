// Moved here from aicore-host's world_messages.cpp (issue #18) so the UE5 plugin decodes
// exactly as the host that the tests drive.
#include "aicore/engine_glue/command_decoding.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <utility>

#include "aicore/codec/msgpack_reader.h"

namespace aicore::glue {

const char* commandTypeName(CommandType type) {
    const auto index = static_cast<std::size_t>(type);
    // The generated names are string literals: their views end in a NUL.
    return index < kCommandTypeCount ? protocol::kCommands[index].type.data() : "?";
}

namespace {

using codec::Item;
using codec::Reader;
using codec::Type;
using protocol::FieldKind;
using protocol::FieldSpec;
using Bytes = std::span<const std::uint8_t>;

// The item at the start of `value` (one whole value, checked complete by the batch).
Item head(Bytes value) {
    Item it;
    codec::readItem(value, it);
    return it;
}

bool asNumber(const Item& it, double& out) {
    switch (it.type) {
        case Type::Uint: out = static_cast<double>(it.u); break;
        case Type::Int: out = static_cast<double>(it.i); break;
        case Type::Float: out = it.f; break;
        default: return false;
    }
    // A NaN or infinity is a number to msgpack but no place or speed in a world.
    return std::isfinite(out);
}

static_assert(protocol::kUintMax <= std::numeric_limits<std::uint32_t>::max(),
              "a slot is a uint32_t in aicore.h and in Command");

bool asSlot(const Item& it, std::uint32_t& out) {
    if (it.type != Type::Uint || it.u > protocol::kUintMax) return false;
    out = static_cast<std::uint32_t>(it.u);
    return true;
}

bool asPosition(Bytes value, Vec3& out) {
    Reader r(value);
    Item it;
    if (!r.next(it) || it.type != Type::Array || it.length != 3) return false;
    double xyz[3];
    for (double& coordinate : xyz)
        if (!r.next(it) || !asNumber(it, coordinate)) return false;
    out = {static_cast<float>(xyz[0]), static_cast<float>(xyz[1]), static_cast<float>(xyz[2])};
    return true;
}

const char* kindName(FieldKind kind) {
    switch (kind) {
        case FieldKind::Uint: return "uint";
        case FieldKind::Number: return "finite number";
        case FieldKind::Unit: return "number within 0..1";
        case FieldKind::Any: return "msgpack value";
        case FieldKind::String: return "string";
        case FieldKind::Position: return "position [x, y, z]";
        case FieldKind::Target: return "target (\"player\" or uint)";
    }
    return "?";
}

struct Field {
    std::string_view name;
    Bytes value;  // exactly the value's bytes
};

const Field* findField(const std::vector<Field>& fields, std::string_view name) {
    for (const Field& f : fields)
        if (f.name == name) return &f;
    return nullptr;
}

// Returns "" and fills `out` if `bytes` (one whole value) is a valid command map, else the
// reason.
std::string decodeCommand(Bytes bytes, Command& out) {
    Reader r(bytes);
    Item map;
    r.next(map);
    if (map.type != Type::Map) return "a command must be a map";
    std::vector<Field> fields;
    for (std::uint64_t i = 0; i < map.length; ++i) {
        Item key;
        r.next(key);
        if (key.type != Type::Str) return "a command's keys must be strings";
        if (findField(fields, key.text()) != nullptr)
            return "duplicate field '" + std::string(key.text()) + "'";
        const Bytes value = r.peekValue();
        r.skip();
        fields.push_back({key.text(), value});
    }
    const Field* v = findField(fields, "v");
    if (v == nullptr || head(v->value).type != Type::Uint || head(v->value).u != protocol::kVersion)
        return "unsupported or missing version v (this engine speaks " + std::to_string(protocol::kVersion) + ")";
    const Field* type = findField(fields, "type");
    if (type == nullptr || head(type->value).type != Type::Str) return "missing type";
    const std::string_view typeName = head(type->value).text();
    const auto& specs = protocol::kCommands;
    const auto spec = std::find_if(std::begin(specs), std::end(specs),
                                   [&](const protocol::MessageSpec& s) { return s.type == typeName; });
    if (spec == std::end(specs)) return "unknown type '" + std::string(typeName) + "'";
    const std::string prefix = std::string(typeName) + ": ";

    for (const Field& f : fields) {
        if (f.name == "v" || f.name == "type") continue;
        const bool known = std::any_of(spec->fields.begin(), spec->fields.end(),
                                       [&](const FieldSpec& s) { return s.name == f.name; });
        if (!known) return prefix + "unknown field '" + std::string(f.name) + "'";
    }

    Command c;
    c.type = static_cast<CommandType>(spec - std::begin(specs));  // the enum is in schema order
    for (const auto& field : spec->fields) {
        const Field* found = findField(fields, field.name);
        if (found == nullptr) {
            if (field.optional) continue;
            return prefix + "missing field '" + std::string(field.name) + "'";
        }
        const Item value = head(found->value);
        bool ok = false;
        double number = 0.0;
        switch (field.kind) {
            case FieldKind::Uint:
                ok = asSlot(value, c.npc);
                break;
            // No command has a unit or an any field today; one the schema adds is checked
            // for its kind here, and needs a place in Command before it can mean anything.
            case FieldKind::Unit:
                ok = asNumber(value, number) && number >= protocol::kUnitMin && number <= protocol::kUnitMax;
                break;
            case FieldKind::Any:
                ok = true;
                break;
            case FieldKind::Number:
                ok = asNumber(value, number);
                c.speedMps = static_cast<float>(number);
                break;
            case FieldKind::String:
                ok = value.type == Type::Str;
                if (ok) (field.name == "line" ? c.line : c.text) = std::string(value.text());
                break;
            case FieldKind::Position:
                ok = asPosition(found->value, c.position);
                break;
            case FieldKind::Target:
                if (value.type == Type::Str) {
                    ok = value.text() == "player";
                    c.targetsPlayer = ok;
                } else {
                    ok = asSlot(value, c.targetNpc);
                }
                break;
        }
        if (!ok)
            return prefix + "field '" + std::string(field.name) + "' must be a " +
                   kindName(field.kind);
    }
    out = std::move(c);
    return {};
}

}  // namespace

void decodeCommands(std::span<const std::uint8_t> bytes, std::vector<Command>& out,
                    std::vector<std::string>& rejections) {
    if (bytes.empty()) return;
    // Checked whole first: past this, every read below stays within one complete value.
    const codec::DecodeFailure failure = codec::checkWhole(bytes);
    if (failure.error == codec::DecodeError::TrailingBytes) {
        rejections.emplace_back("trailing bytes after the command batch");
        return;
    }
    if (failure) {
        rejections.emplace_back("the command batch is not valid msgpack (" +
                                std::string(codec::describe(failure.error)) + " at byte " +
                                std::to_string(failure.offset) + ")");
        return;
    }
    const auto one = [&](Bytes value) {
        Command c;
        std::string reason = decodeCommand(value, c);
        if (reason.empty()) {
            out.push_back(std::move(c));
        } else {
            rejections.push_back(std::move(reason));
        }
    };
    Reader r(bytes);
    const Item root = head(bytes);
    if (root.type != Type::Array) {
        one(bytes);
        return;
    }
    Item skipped;
    r.next(skipped);  // the array's header
    for (std::uint64_t i = 0; i < root.length; ++i) {
        const Bytes element = r.peekValue();
        r.skip();
        one(element);
    }
}

}  // namespace aicore::glue
