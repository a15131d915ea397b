#pragma once
// A point in the world as the protocol carries it: [x, y, z] metres, z up (docs/protocol.md).
// Plain floats so an engine converts from its own vector type (FVector, centimetres) in
// one place, its adapter.

namespace aicore::glue {

struct Vec3 {
    float x = 0.0f;
    float y = 0.0f;
    float z = 0.0f;
};

}  // namespace aicore::glue
