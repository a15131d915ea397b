#pragma once
// The world sim's one source of randomness: xoshiro256** (Blackman & Vigna) seeded through
// splitmix64. Not <random>: the standard distributions differ between standard libraries,
// and the same seed must give the same world everywhere.
#include <array>
#include <cstdint>

namespace aicore::host {

class SimRandom {
public:
    explicit SimRandom(std::uint64_t seed) {
        for (auto& word : state_) word = splitMix64(seed);
    }

    std::uint64_t next() {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    /// Uniform in [lo, hi).
    float uniform(float lo, float hi) { return lo + static_cast<float>(unit()) * (hi - lo); }

    /// True with `probability` (0: never, 1 or more: always).
    bool chance(double probability) { return unit() < probability; }

private:
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

    static std::uint64_t splitMix64(std::uint64_t& x) {
        std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

    std::array<std::uint64_t, 4> state_{};
};

}  // namespace aicore::host
