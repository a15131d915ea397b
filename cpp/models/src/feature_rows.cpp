#include "aicore/models/feature_rows.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace aicore::models {
namespace {

// The allies cell key packs (kind, column, row) into one int64, exactly as
// engine_bridge/models/allies.py does, so the two count the same cells: cells are clipped
// one short of each end of their axis so that a neighbour (+-1) never wraps.
constexpr std::int64_t kAxis = std::int64_t{1} << 21;
constexpr std::int64_t kOffset = std::int64_t{1} << 20;
constexpr std::int64_t kLow = -kOffset + 1;
constexpr std::int64_t kHigh = kOffset - 2;

std::int64_t cellOf(float coordinate, double cellM) {
    // Clipped while still a double: beyond any level is the edge cell, NaN the lowest
    // (allies.py does the same).
    const double cell = std::floor(static_cast<double>(coordinate) / cellM);
    if (std::isnan(cell)) return kLow;
    return static_cast<std::int64_t>(std::clamp(cell, double(kLow), double(kHigh)));
}

std::int64_t packKey(std::int32_t kind, std::int64_t column, std::int64_t row) {
    return ((static_cast<std::int64_t>(kind) + 1) * kAxis + (column + kOffset)) * kAxis +
           (row + kOffset);
}

float clip01(double value) {
    if (std::isnan(value)) return 0.0f;  // the reference writes NaN as 0
    return static_cast<float>(std::clamp(value, 0.0, 1.0));
}

float finite(double value) { return std::isnan(value) ? 0.0f : static_cast<float>(value); }

// The keys form a lattice (kind, column, row), which a bare multiplicative hash maps onto
// a few runs of buckets: mix every bit first (MurmurHash3's finaliser), then take the top.
std::size_t bucketOf(std::int64_t key, unsigned shift) {
    auto h = static_cast<std::uint64_t>(key);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return static_cast<std::size_t>(h >> shift);
}

}  // namespace

FeatureRows::FeatureRows(FeatureColumns columns, FeatureScales scales)
    : columns_(columns), scales_(scales), flags_(static_cast<std::size_t>(std::max(0, columns.flags))) {}

void FeatureRows::prepare(std::size_t capacity) {
    std::size_t size = 16;
    unsigned bits = 4;
    while (size < capacity + capacity / 2) {  // at most two thirds full: short probes
        size <<= 1;
        ++bits;
    }
    buckets_.assign(size, Bucket{});
    columnOf_.assign(capacity, 0);
    rowOf_.assign(capacity, 0);
    grid_.assign(kGridCellsPerSlot * capacity + kGridCellsMin, 0);
    stamp_ = 0;
    mask_ = size - 1;
    shift_ = 64 - bits;
}

void FeatureRows::reset() {
    for (Bucket& bucket : buckets_) bucket.stamp = 0;
    stamp_ = 0;
}

std::int64_t FeatureRows::cellKey(std::int32_t kind, float x, float y, double cellM, int dx,
                                  int dy) {
    return packKey(kind, cellOf(x, cellM) + dx, cellOf(y, cellM) + dy);
}

void FeatureRows::countLive(const WorldColumns& world, const SlotFacts& facts) {
    // One pass: every live NPC's cell, and the bounds of the crowd.
    std::int64_t minColumn = kHigh, maxColumn = kLow, minRow = kHigh, maxRow = kLow;
    std::int32_t maxKind = -1;
    for (std::size_t slot = 0; slot < world.capacity; ++slot) {
        const std::int32_t kind = facts.kindIds[slot];
        if (kind < 0 || world.alive[slot] == 0) continue;
        const float* p = world.position + 3 * slot;
        const std::int64_t column = cellOf(p[0], scales_.allyCellM);
        const std::int64_t row = cellOf(p[1], scales_.allyCellM);
        columnOf_[slot] = static_cast<std::int32_t>(column);
        rowOf_[slot] = static_cast<std::int32_t>(row);
        minColumn = std::min(minColumn, column);
        maxColumn = std::max(maxColumn, column);
        minRow = std::min(minRow, row);
        maxRow = std::max(maxRow, row);
        maxKind = std::max(maxKind, kind);
    }
    // A level-sized crowd fits a dense grid (kinds x rows x columns, two cells of margin
    // so that every block read stays inside); one NPC a kilometre off, or a NaN, makes the
    // box too big, and the hash of occupied cells takes over.
    dense_ = false;
    if (maxKind < 0) {
        gridKinds_ = 0;
        dense_ = true;
        return;
    }
    const auto width = static_cast<std::size_t>(maxColumn - minColumn) + 5;
    const auto height = static_cast<std::size_t>(maxRow - minRow) + 5;
    const auto kinds = static_cast<std::size_t>(maxKind) + 1;
    if (width <= grid_.size() && height <= grid_.size() / width &&
        kinds <= grid_.size() / (width * height)) {
        dense_ = true;
        gridKinds_ = kinds;
        gridWidth_ = width;
        gridHeight_ = height;
        gridColumn0_ = minColumn - 2;
        gridRow0_ = minRow - 2;
        std::fill_n(grid_.begin(), kinds * width * height, 0);
        for (std::size_t slot = 0; slot < world.capacity; ++slot) {
            const std::int32_t kind = facts.kindIds[slot];
            if (kind < 0 || world.alive[slot] == 0) continue;
            ++grid_[gridIndex(kind, columnOf_[slot], rowOf_[slot])];
        }
        return;
    }
    if (++stamp_ == 0) {  // wrapped: every old stamp could look current
        reset();
        stamp_ = 1;
    }
    for (std::size_t slot = 0; slot < world.capacity; ++slot) {
        const std::int32_t kind = facts.kindIds[slot];
        if (kind < 0 || world.alive[slot] == 0) continue;
        const std::int64_t key = packKey(kind, columnOf_[slot], rowOf_[slot]);
        std::size_t at = bucketOf(key, shift_);
        while (buckets_[at].stamp == stamp_ && buckets_[at].key != key) at = (at + 1) & mask_;
        Bucket& bucket = buckets_[at];
        if (bucket.stamp != stamp_) bucket = Bucket{key, 0, -1, stamp_};
        ++bucket.count;
    }
}

std::size_t FeatureRows::gridIndex(std::int32_t kind, std::int64_t column, std::int64_t row) const {
    return (static_cast<std::size_t>(kind) * gridHeight_ +
            static_cast<std::size_t>(row - gridRow0_)) *
               gridWidth_ +
           static_cast<std::size_t>(column - gridColumn0_);
}

std::int32_t FeatureRows::countAt(std::int64_t key) const {
    std::size_t at = bucketOf(key, shift_);
    while (buckets_[at].stamp == stamp_) {
        if (buckets_[at].key == key) return buckets_[at].count;
        at = (at + 1) & mask_;
    }
    return 0;
}

std::int32_t FeatureRows::blockCount(std::int32_t kind, std::int64_t column, std::int64_t row) {
    if (dense_) {
        // Outside the crowd's box (with one cell of margin) no one is within a cell.
        if (static_cast<std::size_t>(kind) >= gridKinds_ || column <= gridColumn0_ ||
            row <= gridRow0_ ||
            column >= gridColumn0_ + static_cast<std::int64_t>(gridWidth_) - 1 ||
            row >= gridRow0_ + static_cast<std::int64_t>(gridHeight_) - 1) {
            return 0;
        }
        std::int32_t sum = 0;
        for (std::int64_t r = row - 1; r <= row + 1; ++r) {
            const std::int32_t* line = grid_.data() + gridIndex(kind, column - 1, r);
            sum += line[0] + line[1] + line[2];
        }
        return sum;
    }
    // NPCs that share a cell share its block: the sum is kept in the cell's bucket, which
    // exists whenever a live NPC of the kind stands there (the asking one, mostly).
    const std::int64_t own = packKey(kind, column, row);
    std::size_t at = bucketOf(own, shift_);
    while (buckets_[at].stamp == stamp_ && buckets_[at].key != own) at = (at + 1) & mask_;
    const bool kept = buckets_[at].stamp == stamp_;
    if (kept && buckets_[at].block >= 0) return buckets_[at].block;
    std::int32_t sum = 0;
    for (int dx = -1; dx <= 1; ++dx) {
        for (int dy = -1; dy <= 1; ++dy) sum += countAt(packKey(kind, column + dx, row + dy));
    }
    if (kept) buckets_[at].block = sum;
    return sum;
}

void FeatureRows::gather(const WorldColumns& world, const SlotFacts& facts,
                         const std::int64_t* slots, std::size_t count, float* out) {
    const FeatureColumns& c = columns_;
    countLive(world, facts);
    for (std::size_t f = 0; f < flags_.size(); ++f) flags_[f] = finite(facts.storyFlags[f]);
    const double px = world.player[0], py = world.player[1], pz = world.player[2];
    const bool hungerFromWorld =
        facts.hungerChannel >= 0 && static_cast<std::size_t>(facts.hungerChannel) < world.channels;
    const bool lightFromWorld =
        facts.lightChannel >= 0 && static_cast<std::size_t>(facts.lightChannel) < world.channels;

    for (std::size_t i = 0; i < count; ++i) {
        const auto slot = static_cast<std::size_t>(slots[i]);
        float* row = out + i * static_cast<std::size_t>(c.width);

        for (int a = 0; a < c.archetypes; ++a) row[c.archetype0 + a] = 0.0f;
        const std::int32_t archetype = facts.archetypeIds[slot];
        if (archetype >= 0 && archetype < c.archetypes) row[c.archetype0 + archetype] = 1.0f;

        row[c.health] = clip01(world.health[slot]);
        const float* custom = world.custom + slot * world.channels;
        row[c.hunger] = clip01(hungerFromWorld ? custom[facts.hungerChannel] : facts.hunger);
        row[c.light] = clip01(lightFromWorld ? custom[facts.lightChannel] : facts.light);

        // The player, in double so that metres-scale positions lose nothing before scaling.
        const float* p = world.position + 3 * slot;
        const double dx = px - p[0], dy = py - p[1], dz = pz - p[2];
        row[c.distance] = clip01(std::sqrt(dx * dx + dy * dy + dz * dz) / scales_.playerRangeM);
        const double ground = std::sqrt(dx * dx + dy * dy);  // floats: no overflow in double
        if (ground < 1e-6) {  // standing on the player: facing it
            row[c.bearingCos] = 1.0f;
            row[c.bearingSin] = 0.0f;
        } else {
            const double tx = dx / ground, ty = dy / ground;
            // Single precision is enough for a feature stored as a float (within 1e-7 of
            // the double definition), and costs a third of the double call.
            const double sinH = std::sin(world.heading[slot]);
            const double cosH = std::cos(world.heading[slot]);
            // Facing (-sin h, cos h); the NPC's left is (-cos h, -sin h).
            row[c.bearingCos] = finite(ty * cosH - tx * sinH);
            row[c.bearingSin] = finite(-(tx * cosH + ty * sinH));
        }

        row[c.sees] = (world.perception[slot] & scales_.perceivesPlayer) != 0 ? 1.0f : 0.0f;
        row[c.since] = clip01((facts.now - facts.lastSeenAt[slot]) / scales_.seenHorizonS);

        double allies = 0.0;
        const std::int32_t kind = facts.kindIds[slot];
        if (kind >= 0) {
            std::int32_t found = 0;
            if (world.alive[slot] != 0) {  // its cell is known, and it is not its own ally
                found = blockCount(kind, columnOf_[slot], rowOf_[slot]) - 1;
            } else {
                found = blockCount(kind, cellOf(p[0], scales_.allyCellM),
                                   cellOf(p[1], scales_.allyCellM));
            }
            allies = static_cast<double>(found) / scales_.allyCountCap;
        }
        row[c.allies] = clip01(allies);

        std::copy_n(flags_.data(), flags_.size(), row + c.flag0);
    }
}

}  // namespace aicore::models
