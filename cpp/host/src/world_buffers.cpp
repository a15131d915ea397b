#include "world_buffers.h"

#include <algorithm>
#include <cstddef>

namespace aicore::host {

void writeSlot(const WorldBuffers& buffers, std::uint32_t slot, const SlotState& state) {
    float* p = buffers.position + std::size_t{slot} * 3;
    float* v = buffers.velocity + std::size_t{slot} * 3;
    p[0] = state.position.x;
    p[1] = state.position.y;
    p[2] = 0.0f;
    v[0] = state.velocity.x;
    v[1] = state.velocity.y;
    v[2] = 0.0f;
    buffers.heading[slot] = state.heading;
    buffers.health[slot] = state.health;
    buffers.perception[slot] = state.perception;
}

void clearSlot(const WorldBuffers& buffers, std::uint32_t slot) {
    std::fill_n(buffers.position + std::size_t{slot} * 3, 3, 0.0f);
    std::fill_n(buffers.velocity + std::size_t{slot} * 3, 3, 0.0f);
    buffers.heading[slot] = 0.0f;
    buffers.health[slot] = 0.0f;
    buffers.perception[slot] = 0;
}

void writePlayer(const WorldBuffers& buffers, Vec2 position) {
    buffers.playerPosition[0] = position.x;
    buffers.playerPosition[1] = position.y;
    buffers.playerPosition[2] = 0.0f;
}

WorldStorage::WorldStorage(std::uint32_t capacity)
    : capacity_(capacity),
      position_(std::size_t{capacity} * 3),
      velocity_(std::size_t{capacity} * 3),
      heading_(capacity),
      health_(capacity),
      playerPosition_(3),
      perception_(capacity) {}

WorldBuffers WorldStorage::buffers() {
    return {capacity_,      position_.data(),   velocity_.data(),       heading_.data(),
            health_.data(), perception_.data(), playerPosition_.data()};
}

}  // namespace aicore::host
