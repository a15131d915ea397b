#pragma once
// Deterministic pseudo-random numbers for the audio thread.
//
// xoshiro128+ (Blackman & Vigna): four 32-bit words of state, a handful of
// adds, xors and rotates per number, no allocation, no global state. The low
// bits of xoshiro128+ are weak, so floats are built from the top 24 bits only.
// Seeding goes through splitmix64 so that nearby seeds (1, 2, 3...) give
// unrelated streams and the all-zero state can never be reached.
#include <array>
#include <cstdint>

namespace aicore::vocal {

class Random {
public:
    Random() noexcept { seed(0); }
    explicit Random(std::uint64_t seedValue) noexcept { seed(seedValue); }

    /// Starts the stream for seedValue; the same seed always gives the same numbers.
    void seed(std::uint64_t seedValue) noexcept {
        seed_ = seedValue;
        std::uint64_t x = seedValue;
        const std::uint64_t a = splitMix64(x);
        const std::uint64_t b = splitMix64(x);
        state_ = {static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(a >> 32),
                  static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(b >> 32)};
        if ((state_[0] | state_[1] | state_[2] | state_[3]) == 0u) state_[0] = 0x9E3779B9u;
    }

    /// Restarts the stream of the last seed.
    void reset() noexcept { seed(seed_); }

    std::uint32_t nextUint32() noexcept {
        const std::uint32_t result = state_[0] + state_[3];
        const std::uint32_t t = state_[1] << 9;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 11);
        return result;
    }

    /// Uniform in [0, 1).
    float nextFloat() noexcept {
        return static_cast<float>(nextUint32() >> 8) * (1.0f / 16777216.0f);
    }

    /// Uniform in [-1, 1).
    float nextBipolarFloat() noexcept { return 2.0f * nextFloat() - 1.0f; }

private:
    static constexpr std::uint32_t rotl(std::uint32_t x, int k) noexcept {
        return (x << k) | (x >> (32 - k));
    }
    static constexpr std::uint64_t splitMix64(std::uint64_t& x) noexcept {
        std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }

    std::array<std::uint32_t, 4> state_{};
    std::uint64_t seed_ = 0;
};

}  // namespace aicore::vocal
