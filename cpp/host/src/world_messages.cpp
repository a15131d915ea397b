#include "world_messages.h"

#include "aicore/engine_glue/event_batch.h"

namespace aicore::host {

void encodeEvents(std::span<const WorldEvent> events, std::vector<std::uint8_t>& out,
                  std::vector<std::string>* refused) {
    // One batch per thread: the sim encodes every frame, and the batch's buffers keep
    // their capacity from frame to frame.
    thread_local glue::EventBatch batch;
    batch.clear();
    for (const WorldEvent& e : events) {
        std::optional<glue::EventRejection> rejection;
        switch (e.kind) {
            case WorldEvent::Kind::PlayerSeen: rejection = batch.playerSeen(e.npc); break;
            case WorldEvent::Kind::Damaged: rejection = batch.damaged(e.npc, e.amount); break;
            case WorldEvent::Kind::HeardNoise:
                rejection = batch.heardNoise(e.npc, {e.at.x, e.at.y, 0.0f}, e.amount);
                break;
        }
        if (rejection && refused != nullptr) refused->push_back(std::move(rejection->reason));
    }
    const std::span<const std::uint8_t> bytes = batch.bytes();
    out.assign(bytes.begin(), bytes.end());
}

}  // namespace aicore::host
