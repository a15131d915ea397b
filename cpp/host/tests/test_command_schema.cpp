// The host's command decoder against the one protocol schema (engine_bridge/protocol/schema.toml,
// compiled in as aicore/protocol_schema.h): every command type and every field of it, at
// its kind's boundaries and one step beyond, required or optional as the schema says. The
// Python half of the drift test is tests/test_protocol_schema.py.
#include <gtest/gtest.h>
#include <msgpack.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "world_messages.h"

using namespace aicore::host;
namespace protocol = aicore::protocol;

namespace {

using Pack = std::function<void(msgpack_packer*)>;

int append(void* data, const char* buf, std::size_t len) {
    auto* v = static_cast<std::vector<std::uint8_t>*>(data);
    for (std::size_t i = 0; i < len; ++i) v->push_back(static_cast<std::uint8_t>(buf[i]));
    return 0;
}

void packStr(msgpack_packer* pk, std::string_view s) {
    msgpack_pack_str(pk, s.size());
    msgpack_pack_str_body(pk, s.data(), s.size());
}

Pack str(std::string s) {
    return [s](msgpack_packer* pk) { packStr(pk, s); };
}
Pack unsignedInt(std::uint64_t v) {
    return [v](msgpack_packer* pk) { msgpack_pack_uint64(pk, v); };
}
Pack integer(std::int64_t v) {
    return [v](msgpack_packer* pk) { msgpack_pack_int64(pk, v); };
}
Pack number(double v) {
    return [v](msgpack_packer* pk) { msgpack_pack_double(pk, v); };
}
Pack array(std::vector<double> xs) {
    return [xs](msgpack_packer* pk) {
        msgpack_pack_array(pk, xs.size());
        for (const double x : xs) msgpack_pack_double(pk, x);
    };
}

struct Boundaries {
    std::vector<Pack> good;  // at the kind's edges: accepted
    std::vector<Pack> bad;   // one step beyond: rejected
};

Boundaries boundaries(protocol::FieldKind kind) {
    const double inf = std::numeric_limits<double>::infinity();
    switch (kind) {
        case protocol::FieldKind::Uint:
            return {{unsignedInt(0), unsignedInt(protocol::kUintMax)}, {unsignedInt(protocol::kUintMax + 1), integer(-1), number(0.5)}};
        case protocol::FieldKind::Number:
            return {{number(-1e308), number(1e308), unsignedInt(0), integer(-3)}, {number(inf), number(-inf), number(NAN), str("1")}};
        case protocol::FieldKind::Unit:
            return {{number(protocol::kUnitMin), number(protocol::kUnitMax)},
                    {number(std::nextafter(protocol::kUnitMin, -inf)), number(std::nextafter(protocol::kUnitMax, inf))}};
        case protocol::FieldKind::String: return {{str(""), str("x")}, {unsignedInt(5)}};
        case protocol::FieldKind::Position:
            return {{array({0.0, 0.5, -1e308})}, {array({0.0, 0.0}), array({0.0, 0.0, 0.0, 0.0}), array({0.0, 0.0, NAN})}};
        case protocol::FieldKind::Target:
            return {{str("player"), unsignedInt(0), unsignedInt(protocol::kUintMax)}, {str("npc"), unsignedInt(protocol::kUintMax + 1)}};
        case protocol::FieldKind::Any: return {{unsignedInt(0), str("x")}, {}};
    }
    return {};
}

// One command map: v, type, then `fields` (name, value) in order.
std::vector<std::uint8_t> command(std::string_view type, const std::vector<std::pair<std::string_view, Pack>>& fields) {
    std::vector<std::uint8_t> bytes;
    msgpack_packer pk;
    msgpack_packer_init(&pk, &bytes, append);
    msgpack_pack_map(&pk, 2 + fields.size());
    packStr(&pk, "v");
    msgpack_pack_uint32(&pk, protocol::kVersion);
    packStr(&pk, "type");
    packStr(&pk, type);
    for (const auto& [name, value] : fields) {
        packStr(&pk, name);
        value(&pk);
    }
    return bytes;
}

// The fields of `spec`, each at its first good value; `replace` swaps in one value (or,
// with no value, leaves the field out).
std::vector<std::pair<std::string_view, Pack>> fieldsOf(const protocol::MessageSpec& spec,
                                                        std::string_view replace = {}, Pack value = {}) {
    std::vector<std::pair<std::string_view, Pack>> out;
    for (const protocol::FieldSpec& f : spec.fields) {
        if (f.name == replace) {
            if (value) out.emplace_back(f.name, value);
            continue;
        }
        out.emplace_back(f.name, boundaries(f.kind).good.front());
    }
    return out;
}

// "" if the host decodes `bytes` as one command of `type`, else its reason.
std::string verdict(const std::vector<std::uint8_t>& bytes, CommandType type) {
    std::vector<Command> out;
    std::vector<std::string> reasons;
    decodeCommands(bytes, out, reasons);
    if (!reasons.empty()) return reasons.front();
    if (out.size() != 1) return "no command";
    return out.front().type == type ? "" : "another type";
}

}  // namespace

TEST(CommandSchema, EveryTypeIsNamedAsTheSchemaNamesIt) {
    ASSERT_EQ(kCommandTypeCount, std::size(protocol::kCommands));
    for (std::size_t i = 0; i < kCommandTypeCount; ++i)
        EXPECT_EQ(std::string_view(commandTypeName(static_cast<CommandType>(i))), protocol::kCommands[i].type);
}

TEST(CommandSchema, EveryFieldIsHeldAtItsBoundaries) {
    for (std::size_t i = 0; i < kCommandTypeCount; ++i) {
        const protocol::MessageSpec& spec = protocol::kCommands[i];
        const auto type = static_cast<CommandType>(i);
        SCOPED_TRACE(std::string(spec.type));
        EXPECT_EQ(verdict(command(spec.type, fieldsOf(spec)), type), "");
        for (const protocol::FieldSpec& f : spec.fields) {
            SCOPED_TRACE(std::string(f.name));
            const Boundaries b = boundaries(f.kind);
            for (const Pack& good : b.good) EXPECT_EQ(verdict(command(spec.type, fieldsOf(spec, f.name, good)), type), "");
            for (const Pack& bad : b.bad) EXPECT_NE(verdict(command(spec.type, fieldsOf(spec, f.name, bad)), type), "");
            const std::string missing = verdict(command(spec.type, fieldsOf(spec, f.name)), type);
            if (f.optional) {
                EXPECT_EQ(missing, "");
            } else {
                EXPECT_EQ(missing, std::string(spec.type) + ": missing field '" + std::string(f.name) + "'");
            }
        }
        auto extra = fieldsOf(spec);
        extra.emplace_back("extra", unsignedInt(0));
        EXPECT_EQ(verdict(command(spec.type, extra), type), std::string(spec.type) + ": unknown field 'extra'");
    }
}

TEST(CommandSchema, OnlyTheSchemasVersionIsSpoken) {
    const protocol::MessageSpec& despawn = protocol::kCommands[static_cast<std::size_t>(CommandType::Despawn)];
    std::vector<std::uint8_t> bytes = command(despawn.type, fieldsOf(despawn));
    EXPECT_EQ(verdict(bytes, CommandType::Despawn), "");
    bytes[3] = static_cast<std::uint8_t>(protocol::kVersion + 1);  // fixmap, fixstr "v", then v
    EXPECT_NE(verdict(bytes, CommandType::Despawn).find("version"), std::string::npos);
}
