// The NPC decision models' feature rows, gathered for a batch of slots in one native pass.
//
// The definition of every feature (its meaning, scaling and column) is Python's
// (engine_bridge/models/features.py); this is its fast path, given the columns and scales
// by the caller, and checked against the numpy reference (features.gather) by
// tests/models/test_native_feature_rows.py and against a per-NPC loop by
// cpp/models/tests/test_feature_rows.cpp.
//
// Why native: numpy spends ~2 us per call whatever the batch, and the rows take ~60 calls
// plus a sort for the allies count: ~400 us for 1 000 NPCs where the model itself runs in
// ~80 us. One pass over the slots, with the allies read from a count of live NPCs per
// (kind, cell) built once per call, costs ~35 us for 1 000.
//
// The count is a dense grid over the crowd's box when that box is level-sized, else a hash
// of the occupied cells (one NPC far outside, or a NaN position, makes the box huge).
// No allocation after prepare(): both tables are sized there and reused (the grid is
// cleared over the box only; a generation stamp per bucket empties the hash).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace aicore::models {

// Where each feature goes in a row of `width` floats.
struct FeatureColumns {
    int archetype0 = 0;  // first of `archetypes` one-hot columns
    int archetypes = 0;
    int health = 0;
    int hunger = 0;
    int distance = 0;
    int bearingSin = 0;
    int bearingCos = 0;
    int sees = 0;
    int since = 0;
    int allies = 0;
    int light = 0;
    int flag0 = 0;  // first of `flags` story-flag columns
    int flags = 0;
    int width = 0;
};

struct FeatureScales {
    double playerRangeM = 30.0;
    double seenHorizonS = 60.0;
    double allyCellM = 8.0;
    double allyCountCap = 8.0;
    std::uint32_t perceivesPlayer = 1;
};

// The world's buffers (capacity slots), as the bridge lays them out.
struct WorldColumns {
    const float* position = nullptr;  // capacity x 3
    const float* heading = nullptr;
    const float* health = nullptr;
    const float* custom = nullptr;  // capacity x channels
    std::size_t channels = 0;
    const std::uint32_t* perception = nullptr;
    const std::uint8_t* alive = nullptr;
    const float* player = nullptr;  // 3
    std::size_t capacity = 0;
};

// What the world buffers do not hold, per slot and for the frame.
struct SlotFacts {
    const std::int32_t* kindIds = nullptr;       // capacity; < 0: no kind
    const std::int32_t* archetypeIds = nullptr;  // capacity; < 0: none
    const double* lastSeenAt = nullptr;          // capacity; -inf: never
    const float* storyFlags = nullptr;           // columns.flags values
    double now = 0.0;
    int hungerChannel = -1;  // < 0 or >= channels: every NPC has `hunger`
    float hunger = 0.0f;
    int lightChannel = -1;
    float light = 0.5f;
};

class FeatureRows {
public:
    FeatureRows(FeatureColumns columns, FeatureScales scales);

    // Size the allies table for a world of `capacity` slots (allocates).
    void prepare(std::size_t capacity);

    // The rows of `slots` (each < world.capacity, checked by the caller) into `out`
    // (count x columns.width floats). Needs prepare(world.capacity) first.
    void gather(const WorldColumns& world, const SlotFacts& facts, const std::int64_t* slots,
                std::size_t count, float* out);

    // Forget the allies table's contents (it is rebuilt by every gather anyway).
    void reset();

    const FeatureColumns& columns() const { return columns_; }

    // The allies count's cell key of a ground position and kind (exposed for tests).
    static std::int64_t cellKey(std::int32_t kind, float x, float y, double cellM, int dx = 0,
                                int dy = 0);

private:
    void countLive(const WorldColumns& world, const SlotFacts& facts);
    std::int32_t countAt(std::int64_t key) const;
    std::int32_t blockCount(std::int32_t kind, std::int64_t column, std::int64_t row);
    std::size_t gridIndex(std::int32_t kind, std::int64_t column, std::int64_t row) const;

    // The dense grid may hold this many cells per world slot (plus a floor for small
    // worlds): a town of 10 000 NPCs in eight kinds over 300 m is ~15 000 cells.
    static constexpr std::size_t kGridCellsPerSlot = 16;
    static constexpr std::size_t kGridCellsMin = 1 << 14;

    FeatureColumns columns_;
    FeatureScales scales_;
    // One (kind, cell) of the allies table: a probe reads one cache line.
    struct Bucket {
        std::int64_t key = 0;
        std::int32_t count = 0;   // live NPCs of the key's kind in its cell
        std::int32_t block = -1;  // ... in the 3 x 3 block around it (-1: not summed yet)
        std::uint32_t stamp = 0;  // the gather that filled it (others: empty)
    };
    std::vector<Bucket> buckets_;
    std::vector<float> flags_;  // the story flags of this gather, NaN made 0
    // Each live NPC's cell, this gather.
    std::vector<std::int32_t> columnOf_, rowOf_;
    // The dense grid of live NPCs per (kind, row, column), used when the crowd's box fits.
    std::vector<std::int32_t> grid_;
    bool dense_ = false;
    std::size_t gridKinds_ = 0, gridWidth_ = 0, gridHeight_ = 0;
    std::int64_t gridColumn0_ = 0, gridRow0_ = 0;
    std::uint32_t stamp_ = 0;
    std::size_t mask_ = 0;
    unsigned shift_ = 64;
};

}  // namespace aicore::models
