#pragma once
// aicore-host's one frame rate. Every frame the world sim, aicore_tick and the audio clock
// advance by the same fixed step; the host's tests step the world by it too.
namespace aicore::host {

inline constexpr int kFramesPerSecond = 60;
inline constexpr double kFrameSeconds = 1.0 / kFramesPerSecond;

}  // namespace aicore::host
