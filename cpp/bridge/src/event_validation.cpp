// The rules of docs/protocol.md's "What is rejected", applied to events as they arrive. The
// event table and the limits are not here: they are generated from the one schema,
// engine_bridge/protocol/schema.toml, which protocol.py reads too (aicore/protocol_schema.h);
// the msgpack is read with cpp/codec, item by item, in place.
#include "event_validation.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string_view>

#include "aicore/codec/msgpack_reader.h"
#include "message_text.h"

namespace aicore::bridge {

// The validator walks the items itself rather than building a tree of them: it must see
// what a tree smooths over (a string that is not UTF-8, an extension, a map key that is a
// map), bound the nesting per event rather than per push, and walk nothing twice. Every
// rule here has its twin in engine_bridge/protocol/messages.py.

namespace {

using codec::Item;
using codec::Type;

// Reads the item at `p` (which lies before `end`); false if it is cut short or is the
// reserved byte 0xc1.
bool readItem(const std::uint8_t* p, const std::uint8_t* end, Item& it) {
    return codec::readItem({p, static_cast<std::size_t>(end - p)}, it) == codec::DecodeError::None;
}

// The end of the value at `p`, or nullptr if it is not one complete msgpack value.
// Iterative: a push nested a million levels deep costs no stack.
const std::uint8_t* skipValue(const std::uint8_t* p, const std::uint8_t* end) {
    const codec::ValueExtent value = codec::measureValue({p, static_cast<std::size_t>(end - p)});
    return value.failure ? nullptr : p + value.size;
}

// Strict UTF-8, as Python's decoder reads it: no overlong forms, no surrogates, nothing
// past U+10FFFF.
bool validUtf8(const std::uint8_t* s, std::size_t n) {
    return isValidUtf8({reinterpret_cast<const char*>(s), n});
}

std::string describe(const Item& it) {
    switch (it.type) {
        case Type::Nil: return "nil";
        case Type::Bool: return "a boolean";
        case Type::Uint:
        case Type::Int: return "an integer";
        case Type::Float: return "a float";
        case Type::Str: return "a string";
        case Type::Bin: return "binary data";
        case Type::Array: return "an array";
        case Type::Map: return "a map";
        case Type::Ext: return "a msgpack extension (ext type " + std::to_string(it.extType) + ")";
    }
    return "?";
}

std::string formatNumber(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

// At most `limit` bytes of a valid UTF-8 string, cut at a character boundary.
std::string clip(std::string_view s, std::size_t limit = 64) {
    if (s.size() <= limit) return std::string(s);
    std::size_t n = limit;
    while (n > 0 && (static_cast<std::uint8_t>(s[n]) & 0xc0) == 0x80) --n;
    return std::string(s.substr(0, n)) + "...";
}

// What is wrong with a string (a value or a key), or "" if nothing is.
std::string stringProblem(const Item& it, const char* what) {
    if (it.length > kMaxStringBytes)
        return std::string(what) + " of " + std::to_string(it.length) + " bytes, over the limit of " +
               std::to_string(kMaxStringBytes);
    if (!validUtf8(it.payload, static_cast<std::size_t>(it.length))) return std::string(what) + " that is not valid UTF-8";
    return {};
}

struct Failure {
    std::string what;
    std::vector<std::string> path;  // innermost first: "[2]", ".name"
};

// Any value: every rule that holds at every depth. `depth` is the level a map or array
// here would have (the event map is level 1). Advances `p` past the value.
bool walk(const std::uint8_t*& p, const std::uint8_t* end, std::uint32_t depth, Failure& f) {
    Item it;
    if (!readItem(p, end, it)) {
        f.what = "not valid msgpack";
        return false;
    }
    switch (it.type) {
        case Type::Float:
            if (!std::isfinite(it.f)) {
                f.what = "a number that is not finite (" + formatNumber(it.f) + ")";
                return false;
            }
            break;
        case Type::Str:
            if (auto why = stringProblem(it, "a string"); !why.empty()) {
                f.what = std::move(why);
                return false;
            }
            break;
        case Type::Bin:
            if (it.length > kMaxStringBytes) {
                f.what = "binary data of " + std::to_string(it.length) + " bytes, over the limit of " +
                         std::to_string(kMaxStringBytes);
                return false;
            }
            break;
        case Type::Ext:
            f.what = describe(it) + ": extensions are not accepted";
            return false;
        case Type::Array:
        case Type::Map: {
            if (depth > kMaxDepth) {
                f.what = "nested deeper than " + std::to_string(kMaxDepth) + " levels of maps and arrays";
                return false;
            }
            p += it.header;
            std::vector<std::string_view> keys;
            for (std::uint64_t k = 0; k < it.length; ++k) {
                std::string segment;
                if (it.type == Type::Map) {
                    Item key;
                    if (!readItem(p, end, key)) {
                        f.what = "not valid msgpack";
                        return false;
                    }
                    if (key.type != Type::Str) {
                        f.what = "a map key that is not a string (" + describe(key) + ")";
                        return false;
                    }
                    if (auto why = stringProblem(key, "a map key"); !why.empty()) {
                        f.what = std::move(why);
                        return false;
                    }
                    keys.push_back(key.text());
                    segment.assign(1, '.').append(clip(key.text()));
                    p += key.header + key.length;
                } else {
                    segment.assign(1, '[').append(std::to_string(k)).append(1, ']');
                }
                if (!walk(p, end, depth + 1, f)) {
                    f.path.push_back(std::move(segment));
                    return false;
                }
            }
            if (keys.size() > 1) {
                std::sort(keys.begin(), keys.end());
                const auto twin = std::adjacent_find(keys.begin(), keys.end());
                if (twin != keys.end()) {
                    f.what = "a repeated map key '" + clip(*twin) + "'";
                    return false;
                }
            }
            return true;
        }
        default: break;
    }
    p += it.headAndPayload();
    return true;
}

using protocol::FieldKind;
using protocol::FieldSpec;
using protocol::MessageSpec;

// The slot range in the words of the reasons ("0..4294967295").
const std::string& slotRange() {
    static const std::string range = "0.." + std::to_string(protocol::kUintMax);
    return range;
}

// "" if `value` (one number) is finite, else the reason.
std::string numberProblem(const Item& value) {
    if (value.type == Type::Uint || value.type == Type::Int) return {};
    if (value.type != Type::Float) return "must be a number, got " + describe(value);
    if (!std::isfinite(value.f)) return "must be a finite number, got " + formatNumber(value.f);
    return {};
}

double numberValue(const Item& value) {
    return value.type == Type::Uint  ? static_cast<double>(value.u)
           : value.type == Type::Int ? static_cast<double>(value.i)
                                     : value.f;
}

// "" if the field's value fits its kind, else why not (without the field's name).
std::string uintProblem(const Item& value) {
    if (value.type == Type::Uint) {
        if (value.u <= protocol::kUintMax) return {};
        return "is out of range: " + std::to_string(value.u) + " (an NPC slot is " + slotRange() + ")";
    }
    if (value.type == Type::Int) return "must be an unsigned integer, got " + std::to_string(value.i);
    return "must be an unsigned integer, got " + describe(value);
}

std::string fieldProblem(const std::uint8_t* p, const std::uint8_t* end, FieldKind kind, std::string_view name) {
    Item value;
    if (!readItem(p, end, value)) return "is not valid msgpack";
    switch (kind) {
        case FieldKind::Uint: return uintProblem(value);
        case FieldKind::Number: return numberProblem(value);
        case FieldKind::Unit: {
            if (auto why = numberProblem(value); !why.empty()) return why;
            const double v = numberValue(value);
            if (v < protocol::kUnitMin || v > protocol::kUnitMax)
                return "must be within " + formatNumber(protocol::kUnitMin) + ".." + formatNumber(protocol::kUnitMax) +
                       ", got " + formatNumber(v);
            return {};
        }
        case FieldKind::Target: {
            // No event has one today; protocol.py's rule, so that a schema giving one to an
            // event needs no C++ change.
            if (value.type == Type::Str && value.text() == "player") return {};
            std::string why = uintProblem(value);
            if (why.starts_with("must")) why += " (or 'player')";
            return why;
        }
        case FieldKind::String:
            if (value.type != Type::Str) return "must be a string, got " + describe(value);
            if (auto why = stringProblem(value, "holds a string"); !why.empty()) return why;
            return {};
        case FieldKind::Position: {
            if (value.type != Type::Array) return "must be an [x, y, z] array of numbers, got " + describe(value);
            if (value.length != 3)
                return "must be an [x, y, z] array of numbers, got an array of " + std::to_string(value.length);
            const std::uint8_t* q = p + value.header;
            for (int k = 0; k < 3; ++k) {
                Item c;
                if (!readItem(q, end, c)) return "is not valid msgpack";
                if (auto why = numberProblem(c); !why.empty())
                    return "[" + std::to_string(k) + "] " + why;
                q += c.header;
            }
            return {};
        }
        case FieldKind::Any: {
            Failure f;
            const std::uint8_t* q = p;
            if (walk(q, end, 2, f)) return {};
            std::string path(name);
            for (auto it = f.path.rbegin(); it != f.path.rend(); ++it) path += *it;
            return "holds " + f.what + (f.path.empty() ? "" : " at " + path);
        }
    }
    return "?";
}

// Empty string: valid. Otherwise the reason.
std::string check(const std::uint8_t* p, const std::uint8_t* end) {
    Item event;
    if (!readItem(p, end, event)) return "not valid msgpack";
    if (event.type != Type::Map) return "expected a map, got " + describe(event);
    struct Pair {
        std::string_view key;
        const std::uint8_t* value;
    };
    std::vector<Pair> pairs;
    const std::uint8_t* q = p + event.header;
    for (std::uint64_t k = 0; k < event.length; ++k) {
        Item key;
        if (!readItem(q, end, key)) return "not valid msgpack";
        if (key.type != Type::Str) return "field names must be strings, got " + describe(key);
        if (auto why = stringProblem(key, "a field name"); !why.empty()) return why;
        q += key.header + key.length;
        pairs.push_back({key.text(), q});
        q = skipValue(q, end);
        if (q == nullptr) return "not valid msgpack";
    }
    if (pairs.size() > protocol::kMaxEventFields)
        return std::to_string(pairs.size()) + " fields, more than any event type has (" +
               std::to_string(protocol::kMaxEventFields) + ")";
    for (std::size_t a = 0; a < pairs.size(); ++a)
        for (std::size_t b = a + 1; b < pairs.size(); ++b)
            if (pairs[a].key == pairs[b].key) return "repeated field '" + clip(pairs[a].key) + "'";
    const auto lookup = [&](std::string_view key) -> const std::uint8_t* {
        for (const Pair& pair : pairs)
            if (pair.key == key) return pair.value;
        return nullptr;
    };
    Item item;
    const std::uint8_t* v = lookup("v");
    const std::string speaks = "this runtime speaks v=" + std::to_string(protocol::kVersion);
    if (v == nullptr) return "missing field 'v' (unsupported or missing version: " + speaks + ")";
    if (!readItem(v, end, item)) return "not valid msgpack";
    if (item.type != Type::Uint || item.u != protocol::kVersion) {
        const std::string got = item.type == Type::Uint ? std::to_string(item.u)
                                : item.type == Type::Int ? std::to_string(item.i)
                                                         : describe(item);
        return "unsupported or missing version v=" + got + " (" + speaks + ")";
    }
    const std::uint8_t* type = lookup("type");
    if (type == nullptr) return "missing field 'type'";
    if (!readItem(type, end, item)) return "not valid msgpack";
    if (item.type != Type::Str) return "field 'type' must be a string, got " + describe(item);
    if (auto why = stringProblem(item, "field 'type' holds a string"); !why.empty()) return why;
    const std::string_view name = item.text();
    const MessageSpec* schema = nullptr;
    for (const MessageSpec& s : protocol::kEvents)
        if (name == s.type) schema = &s;
    if (schema == nullptr) return "unknown type '" + clip(name) + "'";
    const std::string prefix = std::string(schema->type) + ": ";
    for (const Pair& pair : pairs) {
        if (pair.key == "v" || pair.key == "type") continue;
        bool known = false;
        for (const FieldSpec& f : schema->fields) known = known || pair.key == f.name;
        if (!known) return prefix + "unknown field '" + clip(pair.key) + "'";
    }
    for (const FieldSpec& f : schema->fields) {
        const std::uint8_t* value = lookup(f.name);
        const std::string field(f.name);
        if (value == nullptr) {
            if (f.optional) continue;
            return prefix + "missing field '" + field + "'";
        }
        if (auto why = fieldProblem(value, end, f.kind, f.name); !why.empty())
            return prefix + "field '" + field + "' " + why;
    }
    return {};
}

}  // namespace

void validateEvents(const std::uint8_t* data, std::size_t size, ValidatedEvents& out) {
    // A push refused as a whole: nothing of it is queued, and it counts once.
    auto refuse = [&](const std::string& why) {
        ++out.rejectedCount;
        if (out.firstRejection.empty()) out.firstRejection = "push refused: " + why;
    };
    if (size > kMaxPushBytes) {
        refuse(std::to_string(size) + " bytes, over the limit of " + std::to_string(kMaxPushBytes) + " bytes per push");
        return;
    }
    const std::uint8_t* end = data + size;
    const std::uint8_t* last = size == 0 ? nullptr : skipValue(data, end);
    if (last == nullptr) {
        refuse("not valid msgpack (empty, cut short, or the reserved byte 0xc1)");
        return;
    }
    if (last != end) {
        refuse("trailing bytes after the message");
        return;
    }
    auto accept = [&](std::size_t index, const std::uint8_t* from, const std::uint8_t* to) {
        const std::string why = check(from, to);
        if (!why.empty()) {
            ++out.rejectedCount;
            if (out.firstRejection.empty()) out.firstRejection = "event " + std::to_string(index) + ": " + why;
            return;
        }
        out.accepted.insert(out.accepted.end(), from, to);
        out.ends.push_back(out.accepted.size());
        ++out.acceptedCount;
    };
    Item root;
    readItem(data, end, root);  // complete: skipValue read it
    if (root.type != Type::Array) {
        accept(0, data, end);
        return;
    }
    if (root.length > kMaxEventsPerPush) {
        refuse(std::to_string(root.length) + " events, over the limit of " + std::to_string(kMaxEventsPerPush) +
               " per push");
        return;
    }
    const std::uint8_t* p = data + root.header;
    for (std::uint64_t i = 0; i < root.length; ++i) {
        const std::uint8_t* next = skipValue(p, end);
        accept(static_cast<std::size_t>(i), p, next);
        p = next;
    }
}

}  // namespace aicore::bridge
