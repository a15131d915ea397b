#include "aicore/vocal/voice_engine.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "aicore/vocal/multiversion.h"

namespace aicore::vocal {

namespace {

constexpr std::size_t kMaxCommandsPerBlock = 256;  // bounds the block's command work
constexpr double kSpatialRampMs = 10.0;
constexpr double kRetireFadeMs = 5.0;
constexpr double kTailSeconds = 0.35;  // delay/chorus tails after the clip ends

float length(Vec3 v) noexcept { return std::sqrt(v.x * v.x + v.y * v.y + v.z * v.z); }

Vec3 normalised(Vec3 v, Vec3 fallback) noexcept {
    const float l = length(v);
    return l > 1e-6f ? Vec3{v.x / l, v.y / l, v.z / l} : fallback;
}

}  // namespace

VoiceEngine::VoiceEngine(std::vector<ArchetypePreset> archetypes,
                         std::vector<EnvironmentPreset> environments, ClipBank& bank,
                         const VoiceEngineConfig& config)
    : archetypes_(std::move(archetypes)),
      environments_(std::move(environments)),
      bank_(bank),
      config_(config),
      commands_(config.commandQueue),
      notifications_(config.notificationQueue) {
    if (environments_.empty()) {
        EnvironmentPreset none;
        none.name = "none";
        none.reverbEnabled = false;
        environments_.push_back(none);
    }
    slots_.reserve(config_.voices);
    for (std::size_t i = 0; i < config_.voices; ++i) slots_.push_back(std::make_unique<Slot>());
}

VoiceEngine::~VoiceEngine() {
    for (auto& s : slots_)
        if (s->state != State::Idle && s->borrowed != nullptr) bank_.giveBack(s->clip);
}

void VoiceEngine::abandonAll(std::vector<VoiceNotification>& endings) {
    VoiceNotification n;
    while (tryReceive(n)) endings.push_back(n);
    // This thread is the queue's consumer now: the swap that took the engine off the audio
    // thread ordered the audio thread's last pop before these.
    while (auto c = commands_.try_pop())
        if (c->type == VoiceCommand::Type::Start) endings.push_back({VoiceNotification::Type::Rejected, c->voice, sampleTime_});
    for (auto& s : slots_) {
        if (s->state == State::Idle) continue;
        if (s->borrowed != nullptr) bank_.giveBack(s->clip);
        s->borrowed = nullptr;
        s->voice.stop();
        s->state = State::Idle;
        endings.push_back({VoiceNotification::Type::Stolen, s->handle, sampleTime_});
    }
    active_.store(0, std::memory_order_relaxed);
}

std::size_t VoiceEngine::archetypeIndex(const std::string& name) const noexcept {
    for (std::size_t i = 0; i < archetypes_.size(); ++i)
        if (archetypes_[i].name == name) return i;
    return SIZE_MAX;
}

std::size_t VoiceEngine::environmentIndex(const std::string& name) const noexcept {
    for (std::size_t i = 0; i < environments_.size(); ++i)
        if (environments_[i].name == name) return i;
    return SIZE_MAX;
}

void VoiceEngine::prepare(const ProcessSpec& spec) {
    spec_ = spec;
    const ProcessSpec mono{spec.sampleRate, spec.maximumBlockSize, 1};
    for (auto& s : slots_) {
        s->voice.prepare(mono);
        s->fade.prepare(mono, kRetireFadeMs);
        s->gainLeft.prepare(mono, kSpatialRampMs);
        s->gainRight.prepare(mono, kSpatialRampMs);
        s->sendGain.prepare(mono, kSpatialRampMs);
    }
    room_.prepare(mono);
    const std::size_t block = spec.maximumBlockSize;
    for (auto* b : {&voiceBuf_, &layerBuf_, &sendBus_, &directL_, &directR_, &wetL_, &wetR_})
        b->assign(block, 0.0f);
    // Peak follower: ~0.5 ms attack, 200 ms release; one exp() each, here.
    limiterAttack_ = static_cast<float>(std::exp(-1.0 / (0.0005 * spec.sampleRate)));
    limiterRelease_ = static_cast<float>(std::exp(-1.0 / (0.2 * spec.sampleRate)));
    prepared_ = true;
    reset();
}

void VoiceEngine::reset() noexcept {
    for (auto& s : slots_) {
        if (s->state != State::Idle && s->borrowed != nullptr) bank_.giveBack(s->clip);
        s->voice.stop();
        s->state = State::Idle;
        s->borrowed = nullptr;
    }
    active_.store(0, std::memory_order_relaxed);
    std::size_t open = environmentIndex("open");
    room_.setPreset(&environments_[open == SIZE_MAX ? 0 : open]);
    room_.reset();
    sampleTime_ = 0;
    limiterEnvelope_ = 0.0f;
    limiterGain_ = 1.0f;
}

bool VoiceEngine::tryReceive(VoiceNotification& out) noexcept {
    if (auto n = notifications_.try_pop()) {
        out = *n;
        return true;
    }
    return false;
}

void VoiceEngine::notify(VoiceNotification::Type type, std::uint32_t voice) noexcept {
    if (!notifications_.try_push(VoiceNotification{type, voice, sampleTime_}))
        dropped_.fetch_add(1, std::memory_order_relaxed);
}

VoiceEngine::Slot* VoiceEngine::find(std::uint32_t handle) noexcept {
    for (auto& s : slots_)
        if (s->state != State::Idle && s->handle == handle) return s.get();
    return nullptr;
}

VoiceEngine::Slot* VoiceEngine::pickSlot(std::int32_t priority) noexcept {
    Slot* victim = nullptr;
    for (auto& s : slots_) {
        if (s->state == State::Idle) return s.get();
        if (s->priority > priority) continue;
        if (victim == nullptr || s->priority < victim->priority ||
            (s->priority == victim->priority && s->startedAt < victim->startedAt))
            victim = s.get();
    }
    if (victim != nullptr) release(*victim, VoiceNotification::Type::Stolen);
    return victim;
}

void VoiceEngine::release(Slot& s, VoiceNotification::Type why) noexcept {
    if (s.state == State::Idle) return;
    s.voice.stop();
    if (s.borrowed != nullptr) bank_.giveBack(s.clip);
    s.borrowed = nullptr;
    s.state = State::Idle;
    active_.fetch_sub(1, std::memory_order_relaxed);
    notify(why, s.handle);
}

void VoiceEngine::start(const VoiceCommand& c) noexcept {
    if (c.archetype >= archetypes_.size()) {
        notify(VoiceNotification::Type::Rejected, c.voice);
        return;
    }
    const Clip* clip = bank_.borrow(c.clip);
    if (clip == nullptr) {
        notify(VoiceNotification::Type::Rejected, c.voice);
        return;
    }
    Slot* s = pickSlot(c.priority);
    if (s == nullptr) {
        bank_.giveBack(c.clip);
        notify(VoiceNotification::Type::Rejected, c.voice);
        return;
    }
    s->state = State::Playing;
    s->handle = c.voice;
    s->clip = c.clip;
    s->borrowed = clip;
    s->priority = c.priority;
    s->startedAt = ++startCounter_;
    s->archetype = c.archetype;
    s->intensity = c.intensity;
    s->send = c.send;
    s->position = c.position;
    s->tailRemaining = static_cast<std::size_t>(kTailSeconds * spec_.sampleRate);
    s->fade.setCurrentAndTargetValue(1.0f);
    s->voice.setSeed(c.seed);
    s->voice.setPreset(&archetypes_[c.archetype]);
    updateSpatial(*s, true);
    s->voice.start(clip);
    active_.fetch_add(1, std::memory_order_relaxed);
    notify(VoiceNotification::Type::Started, c.voice);
}

void VoiceEngine::apply(const VoiceCommand& c) noexcept {
    switch (c.type) {
        case VoiceCommand::Type::Start:
            start(c);
            break;
        case VoiceCommand::Type::Set:
            if (Slot* s = find(c.voice)) {
                if (c.fields & VoiceCommand::kPosition) s->position = c.position;
                if (c.fields & VoiceCommand::kIntensity) s->intensity = c.intensity;
                if (c.fields & VoiceCommand::kSend) s->send = c.send;
                if ((c.fields & VoiceCommand::kArchetype) && c.archetype < archetypes_.size()) {
                    s->archetype = c.archetype;
                    s->voice.setPreset(&archetypes_[c.archetype]);
                }
            }
            break;
        case VoiceCommand::Type::Stop:
            if (Slot* s = find(c.voice)) {
                if (c.fadeMs <= 0.0f) {
                    release(*s, VoiceNotification::Type::Finished);
                } else {
                    s->fade.prepare({spec_.sampleRate, spec_.maximumBlockSize, 1}, c.fadeMs);
                    s->fade.setTargetValue(0.0f);
                    s->state = State::Releasing;
                }
            }
            break;
        case VoiceCommand::Type::SetListener:
            listener_ = c.position;
            listenerForward_ = normalised(c.forward, Vec3{0.0f, 1.0f, 0.0f});
            // Right = forward x up (z up), in the horizontal plane.
            listenerRight_ = normalised(Vec3{listenerForward_.y, -listenerForward_.x, 0.0f},
                                        Vec3{1.0f, 0.0f, 0.0f});
            break;
        case VoiceCommand::Type::SetEnvironment:
            if (c.environment < environments_.size()) room_.setPreset(&environments_[c.environment]);
            break;
        case VoiceCommand::Type::SetRolloff:
            refDistance_ = std::max(0.01f, c.refDistance);
            rolloff_ = std::max(0.0f, c.rolloff);
            maxDistance_ = std::max(refDistance_, c.maxDistance);
            break;
    }
}

void VoiceEngine::updateSpatial(Slot& s, bool snap) noexcept {
    const Vec3 d{s.position.x - listener_.x, s.position.y - listener_.y, s.position.z - listener_.z};
    const float distance = length(d);
    // Inverse distance, clamped (the OpenAL/Unreal default model): 1 within refDistance.
    const float clamped = std::clamp(distance, refDistance_, maxDistance_);
    const float gain = refDistance_ / (refDistance_ + rolloff_ * (clamped - refDistance_));
    const float pan = distance > 1e-3f
                          ? std::clamp((d.x * listenerRight_.x + d.y * listenerRight_.y) / distance, -1.0f, 1.0f)
                          : 0.0f;
    // Equal power: left^2 + right^2 is constant as a voice circles the listener.
    const float theta = (pan + 1.0f) * static_cast<float>(std::numbers::pi / 4.0);
    const float left = gain * std::cos(theta), right = gain * std::sin(theta);
    const float send = s.send * std::sqrt(gain);  // a room's sound fades slower than the direct
    if (snap) {
        s.gainLeft.setCurrentAndTargetValue(left);
        s.gainRight.setCurrentAndTargetValue(right);
        s.sendGain.setCurrentAndTargetValue(send);
    } else {
        s.gainLeft.setTargetValue(left);
        s.gainRight.setTargetValue(right);
        s.sendGain.setTargetValue(send);
    }
    const float intensity = s.intensity >= 0.0f
                                ? s.intensity
                                : static_cast<float>(archetypes_[s.archetype].intensityAtDistance(distance));
    s.voice.setIntensity(intensity);
}

AICORE_VOCAL_HOT void VoiceEngine::process(float* left, float* right, std::size_t n) noexcept {
    n = std::min<std::size_t>(n, spec_.maximumBlockSize);
    for (std::size_t i = 0; i < kMaxCommandsPerBlock; ++i) {
        auto c = commands_.try_pop();
        if (!c) break;
        apply(*c);
    }
    std::fill(sendBus_.begin(), sendBus_.begin() + static_cast<std::ptrdiff_t>(n), 0.0f);
    std::fill(directL_.begin(), directL_.begin() + static_cast<std::ptrdiff_t>(n), 0.0f);
    std::fill(directR_.begin(), directR_.begin() + static_cast<std::ptrdiff_t>(n), 0.0f);

    for (auto& sp : slots_) {
        Slot& s = *sp;
        if (s.state == State::Idle) continue;
        if (s.state == State::Playing && bank_.retired(s.clip)) {
            // The clip is being freed: fade out quickly, then give it back.
            s.fade.prepare({spec_.sampleRate, spec_.maximumBlockSize, 1}, kRetireFadeMs);
            s.fade.setTargetValue(0.0f);
            s.state = State::Releasing;
        }
        updateSpatial(s, false);
        s.voice.process(voiceBuf_.data(), layerBuf_.data(), n);
        if (s.fade.isSmoothing() || s.gainLeft.isSmoothing() || s.gainRight.isSmoothing() ||
            s.sendGain.isSmoothing()) {
            for (std::size_t k = 0; k < n; ++k) {
                const float m = (voiceBuf_[k] + layerBuf_[k]) * s.fade.getNextValue();
                directL_[k] += m * s.gainLeft.getNextValue();
                directR_[k] += m * s.gainRight.getNextValue();
                sendBus_[k] += m * s.sendGain.getNextValue();
            }
        } else {
            // Settled (most voices, most blocks): constant gains, a loop the compiler vectorises.
            const float f = s.fade.getCurrentValue(), gl = f * s.gainLeft.getCurrentValue(),
                        gr = f * s.gainRight.getCurrentValue(), gs = f * s.sendGain.getCurrentValue();
            for (std::size_t k = 0; k < n; ++k) {
                const float m = voiceBuf_[k] + layerBuf_[k];
                directL_[k] += m * gl;
                directR_[k] += m * gr;
                sendBus_[k] += m * gs;
            }
        }
        if (s.state == State::Releasing && !s.fade.isSmoothing()) {
            release(s, VoiceNotification::Type::Finished);
        } else if (s.voice.clipFinished()) {
            s.tailRemaining = s.tailRemaining > n ? s.tailRemaining - n : 0;
            if (s.tailRemaining == 0) release(s, VoiceNotification::Type::Finished);
        }
    }

    room_.processReverb(sendBus_.data(), wetL_.data(), wetR_.data(), n);
    room_.processDirect(directL_.data(), directR_.data(), n);
    for (std::size_t k = 0; k < n; ++k) {
        left[k] = directL_[k] + wetL_[k];
        right[k] = directR_[k] + wetR_[k];
    }
    limit(left, right, n);
    sampleTime_ += n;
}

AICORE_VOCAL_HOT void VoiceEngine::limit(float* left, float* right, std::size_t n) noexcept {
    // A fast peak limiter, then a soft ceiling that no sample can pass: the limiter does the
    // audible work; the ceiling only catches what its 0.5 ms attack lets through.
    const float ceiling = config_.limiterCeiling;
    const float knee = 0.9f * ceiling;
    const float threshold = knee;
    float env = limiterEnvelope_, gain = limiterGain_;
    for (std::size_t k = 0; k < n; ++k) {
        const float peak = std::max(std::fabs(left[k]), std::fabs(right[k]));
        const float coeff = peak > env ? limiterAttack_ : limiterRelease_;
        env = peak + coeff * (env - peak);
        gain = env > threshold ? threshold / env : 1.0f;
        for (float* ch : {left, right}) {
            float y = ch[k] * gain;
            const float a = std::fabs(y);
            if (a > knee) {
                const float u = (a - knee) / (ceiling - knee);
                y = std::copysign(knee + (ceiling - knee) * u / (1.0f + u), y);
            }
            ch[k] = y;
        }
    }
    limiterEnvelope_ = env < 1e-20f ? 0.0f : env;
    limiterGain_ = gain;
}

}  // namespace aicore::vocal
