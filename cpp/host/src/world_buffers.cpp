#include "world_buffers.h"

#include <algorithm>
#include <cstddef>

namespace aicore::host {

namespace {

// A channel the runtime was not given is not there: writing it would land in the next
// slot's channels.
void writeChannel(const WorldBuffers& buffers, std::uint32_t slot, std::uint32_t channel,
                  float value) {
    if (channel < buffers.customChannels)
        buffers.custom[std::size_t{slot} * buffers.customChannels + channel] = value;
}

}  // namespace

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
    writeChannel(buffers, slot, kHungerChannel, state.hunger);
    writeChannel(buffers, slot, kLightChannel, state.light);
}

void clearSlot(const WorldBuffers& buffers, std::uint32_t slot) {
    std::fill_n(buffers.position + std::size_t{slot} * 3, 3, 0.0f);
    std::fill_n(buffers.velocity + std::size_t{slot} * 3, 3, 0.0f);
    buffers.heading[slot] = 0.0f;
    buffers.health[slot] = 0.0f;
    buffers.perception[slot] = 0;
    writeChannel(buffers, slot, kHungerChannel, 0.0f);
    writeChannel(buffers, slot, kLightChannel, 0.0f);
}

void writePlayer(const WorldBuffers& buffers, Vec2 position) {
    buffers.playerPosition[0] = position.x;
    buffers.playerPosition[1] = position.y;
    buffers.playerPosition[2] = 0.0f;
}

WorldStorage::WorldStorage(std::uint32_t capacity, std::uint32_t customChannels)
    : capacity_(capacity),
      customChannels_(customChannels),
      position_(std::size_t{capacity} * 3),
      velocity_(std::size_t{capacity} * 3),
      heading_(capacity),
      health_(capacity),
      playerPosition_(3),
      custom_(std::size_t{capacity} * customChannels),
      perception_(capacity) {}

WorldBuffers WorldStorage::buffers() {
    return {capacity_,
            position_.data(),
            velocity_.data(),
            heading_.data(),
            health_.data(),
            perception_.data(),
            playerPosition_.data(),
            customChannels_ > 0 ? custom_.data() : nullptr,
            customChannels_};
}

}  // namespace aicore::host
