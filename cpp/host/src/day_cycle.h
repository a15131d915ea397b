#pragma once
// The world's day-night cycle: the time of day at a moment of game time, and how much
// daylight that is. The same for every NPC (no shade under the obstacles), so the sim
// computes it once a frame. Game time, not the wall: a run faster than real time sees
// the same sky as one held at 60 Hz.
#include <cmath>
#include <numbers>

namespace aicore::host {

inline constexpr double kHoursPerDay = 24.0;

/// The hour of day, in [0, 24), `elapsedSeconds` of game time after `startHour`, when a
/// whole day lasts `dayLengthSeconds` (> 0).
inline double hourOfDay(double startHour, double dayLengthSeconds, double elapsedSeconds) {
    const double hour = startHour + elapsedSeconds / dayLengthSeconds * kHoursPerDay;
    const double wrapped = std::fmod(hour, kHoursPerDay);
    return wrapped < 0.0 ? wrapped + kHoursPerDay : wrapped;
}

/// The daylight at `hour`: 0 at midnight, 1 at noon, a raised cosine between, so it changes
/// smoothly (no step at dawn a model's threshold could chatter on), rises monotonically
/// from midnight to noon and falls from noon to midnight; 0.5 at 6:00 and 18:00. (Not
/// named `daylight`: <time.h> declares a global of that name.)
inline float lightAtHour(double hour) {
    const double phase = hour / kHoursPerDay * 2.0 * std::numbers::pi;
    return static_cast<float>(0.5 - 0.5 * std::cos(phase));
}

}  // namespace aicore::host
