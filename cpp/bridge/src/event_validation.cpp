#include "event_validation.h"

#include <msgpack.h>

#include <cstring>
#include <map>
#include <memory>
#include <string_view>

namespace aicore::bridge {

namespace {

enum class Kind { Uint, Number, String, Position, Any };
struct Field {
    const char* name;
    Kind kind;
    bool optional;
};

const std::map<std::string_view, std::vector<Field>>& eventSchema() {
    static const std::map<std::string_view, std::vector<Field>> schema = {
        {"player_seen", {{"npc", Kind::Uint, false}}},
        {"damaged", {{"npc", Kind::Uint, false}, {"amount", Kind::Number, false}}},
        {"heard_noise", {{"npc", Kind::Uint, false}, {"at", Kind::Position, false}, {"loudness", Kind::Number, false}}},
        {"custom", {{"name", Kind::String, false}, {"npc", Kind::Uint, true}, {"data", Kind::Any, true}}},
    };
    return schema;
}

bool isNumber(const msgpack_object& o) {
    return o.type == MSGPACK_OBJECT_POSITIVE_INTEGER || o.type == MSGPACK_OBJECT_NEGATIVE_INTEGER ||
           o.type == MSGPACK_OBJECT_FLOAT32 || o.type == MSGPACK_OBJECT_FLOAT64;
}

bool matches(const msgpack_object& o, Kind kind) {
    switch (kind) {
        case Kind::Uint: return o.type == MSGPACK_OBJECT_POSITIVE_INTEGER && o.via.u64 <= UINT32_MAX;
        case Kind::Number: return isNumber(o);
        case Kind::String: return o.type == MSGPACK_OBJECT_STR;
        case Kind::Position:
            if (o.type != MSGPACK_OBJECT_ARRAY || o.via.array.size != 3) return false;
            for (std::uint32_t i = 0; i < 3; ++i)
                if (!isNumber(o.via.array.ptr[i])) return false;
            return true;
        case Kind::Any: return true;
    }
    return false;
}

const char* kindName(Kind kind) {
    switch (kind) {
        case Kind::Uint: return "an unsigned integer";
        case Kind::Number: return "a number";
        case Kind::String: return "a string";
        case Kind::Position: return "an [x, y, z] array of numbers";
        case Kind::Any: return "anything";
    }
    return "?";
}

std::string_view str(const msgpack_object& o) { return {o.via.str.ptr, o.via.str.size}; }

const msgpack_object* lookup(const msgpack_object& map, std::string_view key) {
    for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
        const auto& kv = map.via.map.ptr[i];
        if (kv.key.type == MSGPACK_OBJECT_STR && str(kv.key) == key) return &kv.val;
    }
    return nullptr;
}

// Empty string: valid. Otherwise the reason.
std::string check(const msgpack_object& event) {
    if (event.type != MSGPACK_OBJECT_MAP) return "expected a map";
    for (std::uint32_t i = 0; i < event.via.map.size; ++i)
        if (event.via.map.ptr[i].key.type != MSGPACK_OBJECT_STR) return "map keys must be strings";
    const auto* v = lookup(event, "v");
    if (v == nullptr || v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 != 1)
        return "unsupported or missing version (this runtime speaks v=1)";
    const auto* type = lookup(event, "type");
    if (type == nullptr || type->type != MSGPACK_OBJECT_STR) return "missing field 'type'";
    const auto& schema = eventSchema();
    const auto it = schema.find(str(*type));
    if (it == schema.end()) return "unknown type '" + std::string(str(*type)) + "'";
    const std::string name(str(*type));
    std::size_t known = 2;
    for (const Field& f : it->second) {
        const auto* value = lookup(event, f.name);
        if (value == nullptr) {
            if (f.optional) continue;
            return name + ": missing field '" + f.name + "'";
        }
        ++known;
        if (!matches(*value, f.kind)) return name + ": field '" + f.name + "' must be " + kindName(f.kind);
    }
    if (event.via.map.size != known) return name + ": unknown or repeated fields";
    return {};
}

int writeToVector(void* data, const char* buf, std::size_t len) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(data);
    out->insert(out->end(), buf, buf + len);
    return 0;
}

}  // namespace

void appendArrayHeader(std::vector<std::uint8_t>& out, std::uint32_t count) {
    msgpack_packer pk;
    msgpack_packer_init(&pk, &out, writeToVector);
    msgpack_pack_array(&pk, count);
}

bool readArrayHeader(const std::uint8_t* data, std::size_t size, std::uint32_t& count,
                     std::size_t& headerSize) noexcept {
    if (size == 0) return false;
    const std::uint8_t b = data[0];
    if ((b & 0xf0) == 0x90) {
        count = b & 0x0f;
        headerSize = 1;
        return true;
    }
    if (b == 0xdc && size >= 3) {
        count = (std::uint32_t{data[1]} << 8) | data[2];
        headerSize = 3;
        return true;
    }
    if (b == 0xdd && size >= 5) {
        count = (std::uint32_t{data[1]} << 24) | (std::uint32_t{data[2]} << 16) | (std::uint32_t{data[3]} << 8) | data[4];
        headerSize = 5;
        return true;
    }
    return false;
}

void validateEvents(const std::uint8_t* data, std::size_t size, ValidatedEvents& out) {
    msgpack_zone zone;
    msgpack_zone_init(&zone, 2048);
    const auto release = std::unique_ptr<msgpack_zone, void (*)(msgpack_zone*)>(&zone, msgpack_zone_destroy);
    msgpack_object root;
    std::size_t offset = 0;
    const auto rc = msgpack_unpack(reinterpret_cast<const char*>(data), size, &offset, &zone, &root);
    auto reject = [&](std::size_t index, const std::string& why) {
        ++out.rejectedCount;
        if (out.firstRejection.empty()) out.firstRejection = "event " + std::to_string(index) + ": " + why;
    };
    if (rc != MSGPACK_UNPACK_SUCCESS) {
        reject(0, rc == MSGPACK_UNPACK_EXTRA_BYTES ? "trailing bytes after the message" : "not valid msgpack");
        return;
    }
    if (offset != size) {
        reject(0, "trailing bytes after the message");
        return;
    }
    msgpack_packer pk;
    msgpack_packer_init(&pk, &out.accepted, writeToVector);
    auto accept = [&](std::size_t index, const msgpack_object& event) {
        const std::string why = check(event);
        if (!why.empty()) {
            reject(index, why);
            return;
        }
        msgpack_pack_object(&pk, event);
        out.ends.push_back(out.accepted.size());
        ++out.acceptedCount;
    };
    if (root.type == MSGPACK_OBJECT_ARRAY) {
        for (std::uint32_t i = 0; i < root.via.array.size; ++i) accept(i, root.via.array.ptr[i]);
    } else {
        accept(0, root);
    }
}

}  // namespace aicore::bridge
