#include "aicore/vocal/presets.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace aicore::vocal {

namespace {

using Json = nlohmann::json;

// Reads one JSON object, field by field, and rejects what it did not read: a typo in a
// preset ("formnat_ratio") is an error, never a silently ignored setting.
class ObjectReader {
public:
    ObjectReader(const Json& object, std::string source, std::string path)
        : object_(object), source_(std::move(source)), path_(std::move(path)) {
        if (!object_.is_object()) fail("", "expected an object, got " + describe(object_));
    }

    [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
        std::string where = path_;
        if (!field.empty()) where += (where.empty() ? "" : ".") + field;
        throw PresetError(source_, where, problem);
    }

    bool has(const std::string& field) const { return object_.contains(field); }

    /// Declares a field this reader knows but reads elsewhere.
    void markKnown(const std::string& field) { seen_.insert(field); }

    double number(const std::string& field, double lo, double hi, double fallback) {
        seen_.insert(field);
        if (!object_.contains(field)) return fallback;
        const Json& v = object_.at(field);
        if (!v.is_number()) fail(field, "expected a number, got " + describe(v));
        const double x = v.get<double>();
        if (!(x >= lo && x <= hi)) {
            std::ostringstream msg;
            msg << "must be within [" << lo << ", " << hi << "], got " << x;
            fail(field, msg.str());
        }
        return x;
    }

    double requiredNumber(const std::string& field, double lo, double hi) {
        if (!object_.contains(field)) fail(field, "is required");
        return number(field, lo, hi, 0.0);
    }

    std::string string(const std::string& field, const std::string& fallback) {
        seen_.insert(field);
        if (!object_.contains(field)) return fallback;
        const Json& v = object_.at(field);
        if (!v.is_string()) fail(field, "expected a string, got " + describe(v));
        return v.get<std::string>();
    }

    template <typename Enum>
    Enum choice(const std::string& field, const std::map<std::string, Enum>& options, Enum fallback) {
        seen_.insert(field);
        if (!object_.contains(field)) return fallback;
        const Json& v = object_.at(field);
        if (v.is_string()) {
            const auto it = options.find(v.get<std::string>());
            if (it != options.end()) return it->second;
        }
        std::string known;
        for (const auto& [k, _] : options) known += (known.empty() ? "" : ", ") + k;
        fail(field, "expected one of " + known + ", got " + describe(v));
    }

    const Json& child(const std::string& field) {
        seen_.insert(field);
        return object_.at(field);
    }

    std::string childPath(const std::string& field) const {
        return path_.empty() ? field : path_ + "." + field;
    }
    const std::string& source() const { return source_; }

    void rejectUnknownFields() const {
        for (const auto& [key, _] : object_.items()) {
            if (!seen_.count(key)) {
                std::string known;
                for (const auto& k : seen_) known += (known.empty() ? "" : ", ") + k;
                fail(key, "unknown field (known here: " + known + ")");
            }
        }
    }

private:
    static std::string describe(const Json& v) {
        const std::string text = v.dump();
        return text.size() > 40 ? text.substr(0, 37) + "..." : text;
    }

    const Json& object_;
    std::string source_;
    std::string path_;
    std::set<std::string> seen_;
};

Json parseJson(const std::string& text, const std::string& source) {
    try {
        return Json::parse(text);
    } catch (const Json::parse_error& e) {
        // The parser reports a byte offset: the line is counted from it here, so no one
        // has to read it out of the message.
        // e.byte is the 1-based index of the last character read: the newlines before it.
        const std::size_t end = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
        const auto last = text.begin() + static_cast<std::ptrdiff_t>(end);
        const int line = 1 + static_cast<int>(std::count(text.begin(), last, '\n'));
        throw PresetError(source, "", std::string("not valid JSON: ") + e.what(), line);
    }
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw PresetError(path, "", "cannot open the file");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::string baseName(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Each optional section enables a block; absent means bypassed.
template <typename Fn>
bool section(ObjectReader& top, const std::string& name, Fn&& read) {
    if (!top.has(name)) {
        top.markKnown(name);
        return false;
    }
    ObjectReader r(top.child(name), top.source(), top.childPath(name));
    read(r);
    r.rejectUnknownFields();
    return true;
}

const std::map<std::string, BiquadType> kBiquadTypes = {
    {"lowpass", BiquadType::LowPass},     {"highpass", BiquadType::HighPass},
    {"bandpass", BiquadType::BandPass},   {"notch", BiquadType::Notch},
    {"peak", BiquadType::Peak},           {"lowshelf", BiquadType::LowShelf},
    {"highshelf", BiquadType::HighShelf}, {"allpass", BiquadType::AllPass}};

}  // namespace

double ArchetypePreset::intensityAtDistance(double distanceM) const noexcept {
    if (!std::isfinite(distanceM)) return proximityMinIntensity;
    const double span = std::max(proximityFarM - proximityNearM, 1e-6);
    const double t = std::clamp((distanceM - proximityNearM) / span, 0.0, 1.0);  // 0 near, 1 far
    double closeness = 1.0 - t;
    switch (proximityCurve) {
        case ProximityCurve::Linear: break;
        case ProximityCurve::Smooth: closeness = closeness * closeness * (3.0 - 2.0 * closeness); break;
        case ProximityCurve::Inverse: {
            // 1/d law normalised to 1 at near and 0 at far.
            const double d = std::max(distanceM, proximityNearM);
            const double atFar = proximityNearM / proximityFarM;
            closeness = std::clamp((proximityNearM / d - atFar) / (1.0 - atFar), 0.0, 1.0);
            break;
        }
    }
    return proximityMinIntensity + (1.0 - proximityMinIntensity) * closeness;
}

ArchetypePreset parseArchetypePreset(const std::string& jsonText, const std::string& source) {
    const Json doc = parseJson(jsonText, source);
    ObjectReader top(doc, source, "");
    ArchetypePreset p;
    p.name = top.string("name", "");
    if (p.name.empty()) top.fail("name", "is required (a non-empty string)");
    p.description = top.string("description", "");
    p.outputGainDb = top.number("output_gain_db", -24.0, 12.0, 0.0);

    section(top, "pitch", [&](ObjectReader& r) {
        p.pitchSemitones = r.number("semitones", -12.0, 12.0, 0.0);
        p.formantRatio = r.number("formant_ratio", 0.6, 1.6, 1.0);
    });

    top.markKnown("eq");
    if (doc.contains("eq")) {
        const Json& bands = doc.at("eq");
        if (!bands.is_array()) top.fail("eq", "expected an array of bands");
        if (bands.size() > ArchetypePreset::kMaxEqBands)
            top.fail("eq", "at most " + std::to_string(ArchetypePreset::kMaxEqBands) + " bands");
        for (std::size_t i = 0; i < bands.size(); ++i) {
            ObjectReader r(bands[i], source, "eq[" + std::to_string(i) + "]");
            EqBand& b = p.eq[i];
            b.type = r.choice("type", kBiquadTypes, BiquadType::Peak);
            b.frequencyHz = r.requiredNumber("frequency_hz", 20.0, 20000.0);
            b.q = r.number("q", 0.1, 20.0, 0.707);
            b.gainDb = r.number("gain_db", -24.0, 24.0, 0.0);
            r.rejectUnknownFields();
        }
        p.eqBandCount = bands.size();
    }

    p.driveEnabled = section(top, "drive", [&](ObjectReader& r) {
        p.driveDb = r.number("drive_db", 0.0, 36.0, 6.0);
        p.driveAsymmetry = r.number("asymmetry", -1.0, 1.0, 0.0);
        p.driveMix = r.number("mix", 0.0, 1.0, 1.0);
    });
    p.growlEnabled = section(top, "growl", [&](ObjectReader& r) {
        p.growlSubLevel = r.number("sub_level", 0.0, 1.0, 0.3);
        p.growlRateHz = r.number("rate_hz", 5.0, 200.0, 30.0);
        p.growlDepth = r.number("depth", 0.0, 1.0, 0.5);
        p.growlMix = r.number("mix", 0.0, 1.0, 1.0);
    });
    p.jitterEnabled = section(top, "jitter", [&](ObjectReader& r) {
        p.jitterCents = r.number("cents", 0.0, 100.0, 10.0);
        p.shimmerDb = r.number("shimmer_db", 0.0, 12.0, 1.0);
    });
    p.chorusEnabled = section(top, "chorus", [&](ObjectReader& r) {
        p.chorusVoices = static_cast<int>(r.number("voices", 1, 4, 2));
        p.chorusRateHz = r.number("rate_hz", 0.01, 10.0, 0.3);
        p.chorusDepthMs = r.number("depth_ms", 0.0, 20.0, 2.0);
        p.chorusDelayMs = r.number("delay_ms", 1.0, 50.0, 15.0);
        p.chorusMix = r.number("mix", 0.0, 1.0, 0.5);
    });
    p.ringEnabled = section(top, "ring", [&](ObjectReader& r) {
        p.ringMode = r.choice("mode", std::map<std::string, RingMode>{{"ring", RingMode::Ring},
                                                                      {"tremolo", RingMode::Tremolo}},
                              RingMode::Ring);
        p.ringFrequencyHz = r.number("frequency_hz", 0.1, 2000.0, 30.0);
        p.ringDepth = r.number("depth", 0.0, 1.0, 1.0);
        p.ringMix = r.number("mix", 0.0, 1.0, 0.5);
    });
    p.breathEnabled = section(top, "breath", [&](ObjectReader& r) {
        p.breathLevelDb = r.number("level_db", -80.0, 0.0, -30.0);
        p.breathLowHz = r.number("low_hz", 20.0, 20000.0, 300.0);
        p.breathHighHz = r.number("high_hz", 20.0, 20000.0, 3000.0);
        if (p.breathHighHz <= p.breathLowHz) r.fail("high_hz", "must be above low_hz");
    });
    p.delayEnabled = section(top, "delay", [&](ObjectReader& r) {
        p.delayTimeMs = r.number("time_ms", 1.0, 1000.0, 250.0);
        p.delayFeedback = r.number("feedback", 0.0, 0.95, 0.3);
        p.delayMix = r.number("mix", 0.0, 1.0, 0.3);
    });
    section(top, "subliminal", [&](ObjectReader& r) {
        p.subliminal = r.choice("layer",
                                std::map<std::string, SubliminalLayer>{
                                    {"whisper", SubliminalLayer::Whisper},
                                    {"breath", SubliminalLayer::Breath},
                                    {"infrasound", SubliminalLayer::Infrasound},
                                    {"reversed", SubliminalLayer::Reversed}},
                                SubliminalLayer::None);
        if (p.subliminal == SubliminalLayer::None) r.fail("layer", "is required");
        p.subliminalLevelDb = r.number("level_db", -80.0, kSubliminalCeilingDb, -32.0);
        p.subliminalFrequencyHz = r.number("frequency_hz", 5.0, 40.0, 18.0);
    });
    section(top, "proximity", [&](ObjectReader& r) {
        p.proximityCurve = r.choice("curve",
                                    std::map<std::string, ProximityCurve>{
                                        {"linear", ProximityCurve::Linear},
                                        {"smooth", ProximityCurve::Smooth},
                                        {"inverse", ProximityCurve::Inverse}},
                                    ProximityCurve::Smooth);
        p.proximityNearM = r.number("near_m", 0.0, 1000.0, 1.0);
        p.proximityFarM = r.number("far_m", 0.0, 10000.0, 20.0);
        if (p.proximityFarM <= p.proximityNearM) r.fail("far_m", "must be greater than near_m");
        p.proximityMinIntensity = r.number("min_intensity", 0.0, 1.0, 0.0);
    });
    top.rejectUnknownFields();
    return p;
}

ArchetypePreset loadArchetypePreset(const std::string& path) {
    return parseArchetypePreset(readFile(path), baseName(path));
}

std::vector<EnvironmentPreset> parseEnvironmentPresets(const std::string& jsonText,
                                                       const std::string& source) {
    const Json doc = parseJson(jsonText, source);
    ObjectReader top(doc, source, "");
    if (!doc.contains("environments")) top.fail("environments", "is required");
    const Json& envs = top.child("environments");
    if (!envs.is_object() || envs.empty()) top.fail("environments", "expected a non-empty object");
    top.rejectUnknownFields();
    std::vector<EnvironmentPreset> out;
    for (const auto& [name, body] : envs.items()) {
        ObjectReader r(body, source, "environments." + name);
        EnvironmentPreset e;
        e.name = name;
        e.reverbEnabled = r.choice("reverb", std::map<std::string, bool>{{"on", true}, {"off", false}}, true);
        e.size = r.number("size", 0.0, 1.0, 0.5);
        e.decaySeconds = r.number("decay_s", 0.1, 20.0, 1.0);
        e.damping = r.number("damping", 0.0, 1.0, 0.3);
        e.preDelayMs = r.number("pre_delay_ms", 0.0, 200.0, 10.0);
        e.occlusionHz = r.number("occlusion_hz", 200.0, 20000.0, 20000.0);
        e.wetDb = r.number("wet_db", -60.0, 0.0, -12.0);
        r.rejectUnknownFields();
        out.push_back(e);
    }
    return out;
}

std::vector<EnvironmentPreset> loadEnvironmentPresets(const std::string& path) {
    return parseEnvironmentPresets(readFile(path), baseName(path));
}

}  // namespace aicore::vocal
