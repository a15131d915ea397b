#include "audio_output.h"

#include <chrono>
#include <cmath>
#include <stdexcept>

#if defined(AICORE_HOST_WITH_PORTAUDIO)
#include <portaudio.h>
#endif

namespace aicore::host {

namespace {
constexpr std::uint64_t kStopBit = std::uint64_t{1} << 63;

std::uint64_t blocksFor(double seconds) {
    const double samples = std::max(0.0, seconds) * AudioOutput::kSampleRate;
    return static_cast<std::uint64_t>(std::ceil(samples / AudioOutput::kBlockFrames - 1e-9));
}
}  // namespace

#if defined(AICORE_HOST_WITH_PORTAUDIO)
struct AudioOutput::Device {
    PaStream* stream = nullptr;
    bool initialised = false;

    ~Device() {
        if (stream != nullptr) {
            Pa_StopStream(stream);
            Pa_CloseStream(stream);
        }
        if (initialised) Pa_Terminate();
    }

    // The sound card's thread: the real audio thread of a game, as strict as it gets.
    static int callback(const void*, void* output, unsigned long frames,
                        const PaStreamCallbackTimeInfo*, PaStreamCallbackFlags, void* user) {
        auto* self = static_cast<AudioOutput*>(user);
        auto** channels = static_cast<float**>(output);
        if (frames != kBlockFrames) {
            // PortAudio was asked for 512-frame buffers; anything else is silence, never
            // an out-of-range render.
            for (unsigned long i = 0; i < frames; ++i) channels[0][i] = channels[1][i] = 0.0f;
            return paContinue;
        }
        self->renderBlock(channels[0], channels[1]);
        return paContinue;
    }
};
bool AudioOutput::deviceSupported() { return true; }
#else
struct AudioOutput::Device {};
bool AudioOutput::deviceSupported() { return false; }
#endif

AudioOutput::AudioOutput(aicore_runtime* runtime, Clock clock, const std::string& wavPath,
                         double expectedSeconds)
    : runtime_(runtime),
      clock_(clock),
      left_(kBlockFrames),
      right_(kBlockFrames),
      renderUs_(static_cast<std::size_t>(blocksFor(expectedSeconds) * 2 + 64)) {
    const aicore_result r = aicore_audio_prepare(runtime_, kSampleRate, kBlockFrames);
    if (r != AICORE_OK)
        throw std::runtime_error(std::string("aicore_audio_prepare failed: ") +
                                 aicore_result_string(r) + ": " +
                                 aicore_runtime_last_error(runtime_));
    if (!wavPath.empty()) {
        wav_ = std::make_unique<WavWriter>(wavPath, static_cast<std::uint32_t>(kSampleRate));
        wav_->reserveBlock(kBlockFrames);
    }
}

AudioOutput::~AudioOutput() {
    // Never leave a thread running against a runtime that is about to be destroyed.
    try {
        stop(0.0);
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
}

void AudioOutput::start() {
    if (started_) return;
    started_ = true;
    switch (clock_) {
        case Clock::Simulated: thread_ = std::thread([this] { runSimulated(); }); break;
        case Clock::Wall: thread_ = std::thread([this] { runWall(); }); break;
        case Clock::Device: {
#if defined(AICORE_HOST_WITH_PORTAUDIO)
            device_ = std::make_unique<Device>();
            if (const PaError e = Pa_Initialize(); e != paNoError)
                throw std::runtime_error(std::string("PortAudio: ") + Pa_GetErrorText(e));
            device_->initialised = true;
            if (Pa_GetDefaultOutputDevice() == paNoDevice)
                throw std::runtime_error("no audio output device (use --wav OUT.wav instead)");
            const PaError e =
                Pa_OpenDefaultStream(&device_->stream, 0, 2, paFloat32 | paNonInterleaved,
                                     kSampleRate, kBlockFrames, &Device::callback, this);
            if (e != paNoError) {
                device_->stream = nullptr;
                throw std::runtime_error(std::string("PortAudio: ") + Pa_GetErrorText(e));
            }
            if (const PaError s = Pa_StartStream(device_->stream); s != paNoError)
                throw std::runtime_error(std::string("PortAudio: ") + Pa_GetErrorText(s));
#else
            throw std::runtime_error("this aicore-host was built without PortAudio");
#endif
            break;
        }
    }
}

void AudioOutput::advanceTo(double seconds) noexcept {
    if (clock_ != Clock::Simulated) return;
    target_.store(blocksFor(seconds), std::memory_order_release);
    target_.notify_one();
}

void AudioOutput::stop(double seconds) {
    if (stopped_) return;
    stopped_ = true;
    if (started_) {
        if (clock_ == Clock::Simulated) {
            target_.store(blocksFor(seconds) | kStopBit, std::memory_order_release);
            target_.notify_one();
        }
        stopWall_.store(true, std::memory_order_release);
        if (thread_.joinable()) thread_.join();
        device_.reset();  // stops the stream before its callback's object goes away
    }
    if (wav_) wavOk_ = wav_->close() && wavOk_;
}

void AudioOutput::renderBlock(float* left, float* right) noexcept {
    const auto t0 = std::chrono::steady_clock::now();
    const aicore_result r = aicore_audio_render(runtime_, left, right, kBlockFrames);
    const auto t1 = std::chrono::steady_clock::now();
    if (r != AICORE_OK) {
        renderErrors_.fetch_add(1, std::memory_order_relaxed);
        for (std::uint32_t i = 0; i < kBlockFrames; ++i) left[i] = right[i] = 0.0f;
    }
    const std::size_t n = timed_.load(std::memory_order_relaxed);
    if (n < renderUs_.size()) {
        renderUs_[n] = std::chrono::duration<double, std::micro>(t1 - t0).count();
        timed_.store(n + 1, std::memory_order_release);
    }
    // Writing the file here is the host's choice, not an engine's: with a WAV there is
    // no device deadline to miss, and the render call above is what is being measured.
    if (wav_ && wavOk_ && !wav_->writeStereo(left, right, kBlockFrames)) wavOk_ = false;
    blocks_.fetch_add(1, std::memory_order_release);
}

void AudioOutput::runSimulated() {
    std::uint64_t rendered = 0;
    for (;;) {
        const std::uint64_t word = target_.load(std::memory_order_acquire);
        const std::uint64_t target = word & ~kStopBit;
        while (rendered < target) {
            renderBlock(left_.data(), right_.data());
            ++rendered;
        }
        if ((word & kStopBit) != 0) return;
        target_.wait(word, std::memory_order_acquire);  // until the game moves on
    }
}

void AudioOutput::runWall() {
    using clock = std::chrono::steady_clock;
    const auto period = std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(kBlockFrames / kSampleRate));
    auto next = clock::now();
    while (!stopWall_.load(std::memory_order_acquire)) {
        renderBlock(left_.data(), right_.data());
        next += period;
        std::this_thread::sleep_until(next);
    }
}

TimingSeries AudioOutput::renderTimings() const {
    TimingSeries s;
    const std::size_t n = timed_.load(std::memory_order_acquire);
    s.reserve(n);
    for (std::size_t i = 0; i < n; ++i) s.add(renderUs_[i]);
    return s;
}

}  // namespace aicore::host
