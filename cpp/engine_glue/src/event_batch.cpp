#include "aicore/engine_glue/event_batch.h"

#include <aicore/protocol_schema.h>

#include <cmath>
#include <type_traits>

#include "aicore/codec/msgpack_writer.h"
#include "aicore/codec/utf8.h"

namespace aicore::glue {

namespace {

// The most a map header, keys and fixed-size values of any event take (the strings are
// added on top): enough that a batch checked against it never passes the push limit.
constexpr std::size_t kFixedEventBytes = 128;

std::optional<EventRejection> rejection(EventProblem problem, std::string_view type,
                                        std::string_view field, std::string reason) {
    return EventRejection{problem, type, field, std::move(reason)};
}

std::optional<EventRejection> checkUnit(std::string_view type, std::string_view field, double value) {
    if (!std::isfinite(value))
        return rejection(EventProblem::NotFinite, type, field,
                         std::string(type) + ": " + std::string(field) + " is not a finite number");
    if (value < protocol::kUnitMin || value > protocol::kUnitMax)
        return rejection(EventProblem::OutOfRange, type, field,
                         std::string(type) + ": " + std::string(field) + " " + std::to_string(value) +
                             " is outside 0..1");
    return std::nullopt;
}

std::optional<EventRejection> checkString(std::string_view type, std::string_view field,
                                          std::string_view text) {
    if (text.size() > protocol::kMaxStringBytes)
        return rejection(EventProblem::BadString, type, field,
                         std::string(type) + ": " + std::string(field) + " is longer than " +
                             std::to_string(protocol::kMaxStringBytes) + " bytes");
    if (!isValidUtf8(text))
        return rejection(EventProblem::BadString, type, field,
                         std::string(type) + ": " + std::string(field) + " is not valid UTF-8");
    return std::nullopt;
}

// The first three fields every event map starts with.
void header(codec::Writer& w, std::uint32_t fields, std::string_view type) {
    w.mapHeader(fields);
    w.string("v").uinteger(protocol::kVersion);
    w.string("type").string(type);
}

}  // namespace

bool isValidUtf8(std::string_view text) noexcept { return codec::isValidUtf8(text); }

EventBatch::EventBatch() {
    // One busy frame's worth up front: the first frames do not grow the buffers step by step.
    body_.reserve(4096);
    whole_.reserve(4096 + 5);
}

void EventBatch::clear() noexcept {
    body_.clear();
    count_ = 0;
    wholeCurrent_ = false;
}

std::optional<EventRejection> EventBatch::roomFor(std::string_view type, std::size_t extraBytes) const {
    // An array header takes at most 5 bytes; the push limits are the runtime's, and a batch
    // over them would be refused whole.
    if (count_ >= protocol::kMaxEventsPerPush ||
        body_.size() + kFixedEventBytes + extraBytes + 5 > protocol::kMaxPushBytes)
        return rejection(EventProblem::BatchFull, type, "",
                         "the batch holds the most one push may carry (" +
                             std::to_string(protocol::kMaxEventsPerPush) + " events, " +
                             std::to_string(protocol::kMaxPushBytes) + " bytes): push it first");
    return std::nullopt;
}

void EventBatch::written() {
    ++count_;
    wholeCurrent_ = false;
}

std::optional<EventRejection> EventBatch::playerSeen(std::uint32_t npc) {
    if (auto full = roomFor("player_seen", 0)) return full;
    codec::Writer w(body_);
    header(w, 3, "player_seen");
    w.string("npc").uinteger(npc);
    written();
    return std::nullopt;
}

std::optional<EventRejection> EventBatch::damaged(std::uint32_t npc, double amount) {
    if (auto bad = checkUnit("damaged", "amount", amount)) return bad;
    if (auto full = roomFor("damaged", 0)) return full;
    codec::Writer w(body_);
    header(w, 4, "damaged");
    w.string("npc").uinteger(npc);
    w.string("amount").float64(amount);
    written();
    return std::nullopt;
}

std::optional<EventRejection> EventBatch::heardNoise(std::uint32_t npc, Vec3 at, double loudness) {
    if (!std::isfinite(at.x) || !std::isfinite(at.y) || !std::isfinite(at.z))
        return rejection(EventProblem::NotFinite, "heard_noise", "at",
                         "heard_noise: at is not a finite position");
    if (auto bad = checkUnit("heard_noise", "loudness", loudness)) return bad;
    if (auto full = roomFor("heard_noise", 0)) return full;
    codec::Writer w(body_);
    header(w, 5, "heard_noise");
    w.string("npc").uinteger(npc);
    w.string("at").arrayHeader(3).float64(at.x).float64(at.y).float64(at.z);
    w.string("loudness").float64(loudness);
    written();
    return std::nullopt;
}

std::optional<EventRejection> EventBatch::custom(std::string_view name, std::optional<std::uint32_t> npc,
                                                 std::span<const CustomValue> data) {
    if (auto bad = checkString("custom", "name", name)) return bad;
    std::size_t extra = name.size();
    for (const CustomValue& entry : data) {
        if (auto bad = checkString("custom", "data", entry.key)) return bad;
        extra += entry.key.size() + 16;
        if (const auto* text = std::get_if<std::string>(&entry.value)) {
            if (auto bad = checkString("custom", "data", *text)) return bad;
            extra += text->size();
        } else if (const auto* number = std::get_if<double>(&entry.value); number && !std::isfinite(*number)) {
            return rejection(EventProblem::NotFinite, "custom", "data",
                             "custom: data '" + entry.key + "' is not a finite number");
        }
    }
    if (data.size() > protocol::kMaxEventsPerPush)  // far past any sane map; keeps counts in 32 bits
        return rejection(EventProblem::BatchFull, "custom", "data", "custom: data has too many entries");
    for (std::size_t i = 0; i < data.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (data[i].key == data[j].key)
                return rejection(EventProblem::BadString, "custom", "data",
                                 "custom: data key '" + data[i].key + "' is repeated");
    if (auto full = roomFor("custom", extra)) return full;

    codec::Writer w(body_);
    header(w, 3 + (npc ? 1u : 0u) + (data.empty() ? 0u : 1u), "custom");
    w.string("name").string(name);
    if (npc) w.string("npc").uinteger(*npc);
    if (!data.empty()) {
        w.string("data").mapHeader(static_cast<std::uint32_t>(data.size()));
        for (const CustomValue& entry : data) {
            w.string(entry.key);
            std::visit(
                [&w](const auto& value) {
                    using T = std::decay_t<decltype(value)>;
                    if constexpr (std::is_same_v<T, bool>) w.boolean(value);
                    else if constexpr (std::is_same_v<T, std::int64_t>) w.integer(value);
                    else if constexpr (std::is_same_v<T, double>) w.float64(value);
                    else w.string(value);
                },
                entry.value);
        }
    }
    written();
    return std::nullopt;
}

std::span<const std::uint8_t> EventBatch::bytes() {
    if (!wholeCurrent_) {
        whole_.clear();
        codec::Writer w(whole_);
        w.arrayHeader(static_cast<std::uint32_t>(count_));
        whole_.insert(whole_.end(), body_.begin(), body_.end());
        wholeCurrent_ = true;
    }
    return whole_;
}

}  // namespace aicore::glue
