#pragma once
// aicore-host's audio side: a thread that pulls the runtime's voice mix block by block,
// exactly as an engine's audio device callback would, and writes it to a WAV file, plays
// it on the sound card, or drops it (the render still runs, so its cost is measured).
//
// Clocks:
//   * Simulated: the game runs faster than real time, so the audio thread renders the
//     blocks that the simulated time has reached; the WAV then lasts as long as the game.
//   * Wall: --realtime; a block every 512 / 48000 s of wall time.
//   * Device: --play; the sound card's callback asks for blocks (PortAudio).
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "aicore/aicore.h"
#include "timing_report.h"
#include "wav_writer.h"

namespace aicore::host {

class AudioOutput {
public:
    enum class Clock : std::uint8_t { Simulated, Wall, Device };

    static constexpr double kSampleRate = 48000.0;
    static constexpr std::uint32_t kBlockFrames = 512;

    /// True if this build can play on a sound card (PortAudio was found at configure time).
    static bool deviceSupported();

    /// Prepares the runtime's voice engine on the calling thread (the ABI forbids preparing
    /// on the audio thread) and creates the WAV file if `wavPath` is not empty.
    /// `expectedSeconds` sizes the timing record so the audio path never allocates.
    /// Throws std::runtime_error with the reason on failure.
    AudioOutput(aicore_runtime* runtime, Clock clock, const std::string& wavPath,
                double expectedSeconds);
    ~AudioOutput();
    AudioOutput(const AudioOutput&) = delete;
    AudioOutput& operator=(const AudioOutput&) = delete;

    /// Starts the audio thread (or the device stream). Throws if the device cannot open.
    void start();

    /// Game thread, Simulated clock: the game has reached `seconds`; render up to there.
    void advanceTo(double seconds) noexcept;

    /// Stops the audio. With the Simulated clock, first renders every block up to
    /// `seconds`. Idempotent.
    void stop(double seconds);

    std::uint64_t blocks() const { return blocks_.load(std::memory_order_acquire); }
    std::uint64_t renderErrors() const { return renderErrors_.load(std::memory_order_acquire); }
    /// Microseconds per aicore_audio_render call; read after stop().
    TimingSeries renderTimings() const;
    /// False if writing the WAV failed (checked after stop()).
    bool wavOk() const { return wavOk_; }

private:
    struct Device;  // PortAudio stream, when built with it

    void runSimulated();
    void runWall();
    // One block: render, time it, write it. The audio thread's whole job.
    void renderBlock(float* left, float* right) noexcept;

    aicore_runtime* runtime_;
    Clock clock_;
    std::unique_ptr<WavWriter> wav_;
    bool wavOk_ = true;
    std::vector<float> left_, right_;
    std::vector<double> renderUs_;  // sized up front; blocks beyond it are not timed
    std::atomic<std::size_t> timed_{0};
    std::atomic<std::uint64_t> blocks_{0};
    std::atomic<std::uint64_t> renderErrors_{0};
    // Simulated clock: blocks the game has reached; the top bit asks the thread to stop
    // once it has rendered them. One word, so one atomic wait covers both.
    std::atomic<std::uint64_t> target_{0};
    std::atomic<bool> stopWall_{false};
    std::thread thread_;
    std::unique_ptr<Device> device_;
    bool started_ = false;
    bool stopped_ = false;
};

}  // namespace aicore::host
