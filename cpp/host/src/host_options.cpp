#include "host_options.h"

#include <charconv>
#include <cstdlib>
#include <limits>

namespace aicore::host {

namespace {

template <typename T>
bool parseNumber(const std::string& text, T& out, T lo, T hi) {
    T value{};
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || value < lo || value > hi) return false;
    out = value;
    return true;
}

// A duration in seconds: above 0, at most 1e9 (no NaN, no infinity, nothing after it).
bool parseSeconds(const std::string& text, double& out) {
    char* end = nullptr;
    const double seconds = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size() || !(seconds > 0.0) || seconds > 1e9)
        return false;
    out = seconds;
    return true;
}

std::vector<std::string> splitKinds(const std::string& text) {
    std::vector<std::string> kinds;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        std::string kind = text.substr(start, comma - start);
        const auto first = kind.find_first_not_of(" \t");
        const auto last = kind.find_last_not_of(" \t");
        if (first != std::string::npos) kinds.push_back(kind.substr(first, last - first + 1));
        start = comma + 1;
    }
    return kinds;
}

}  // namespace

const char* hostUsage() {
    return "usage: aicore-host [--npcs N] [--frames F] [--realtime] [--scripts DIR]...\n"
           "                   [--content DIR]... [--save DIR] [--save-every SECONDS]\n"
           "                   [--load SLOT] [--save-to SLOT] [--profile NAME] [--sync ENDPOINT --sync-keys DIR]\n"
           "                   [--python-home DIR] [--venv DIR]\n"
           "                   [--wav OUT.wav] [--report OUT.json] [--trace OUT.jsonl]\n"
           "                   [--stats OUT.jsonl] [--frame-budget MS] [--handler-budget MS]\n"
           "                   [--seed S] [--kinds a,b,c]\n"
           "                   [--day-length SECONDS] [--time-of-day HOURS]\n"
           "                   [--story-flag NAME]... [--reload-at FRAME]\n"
           "                   [--debug PORT] [--play] [--quiet] [--version] [--help]\n"
           "\n"
           "The headless engine of AI Core: it drives the runtime through the C ABI exactly\n"
           "as a game engine does: a world of NPCs, a wandering player and obstacles, a\n"
           "fixed 60 Hz step (sim -> events -> aicore_tick -> commands -> sim) and an audio\n"
           "thread rendering the voice mix in 512-frame blocks at 48 kHz.\n"
           "\n"
           "  --npcs N          NPCs to spawn (default 100)\n"
           "  --frames F        frames to run (default 600, 10 s of game time)\n"
           "  --realtime        hold 60 Hz on the wall clock (default: as fast as it goes)\n"
           "  --scripts DIR     an NPC script folder (repeatable)\n"
           "  --content DIR     a game content root (repeatable: later roots are layered\n"
           "                    over earlier ones, a file of the same path replacing it)\n"
           "  --save DIR        where the local save (SQLite) lives\n"
           "  --save-every S    autosave (slot \"autosave\") every S seconds of game time\n"
           "  --load SLOT       load that save before the first frame; if it cannot be\n"
           "                    loaded, say why and which saves can, and exit 1\n"
           "  --save-to SLOT    save to that slot after the last frame (exit 1 if it fails)\n"
           "  --profile NAME    the save profile (default \"default\")\n"
           "  --sync ENDPOINT   send the profile's durable events to the cloud gateway at\n"
           "                    ENDPOINT (tcp://host:port) from a background thread; offline,\n"
           "                    they wait in the save's outbox (needs --save, --sync-keys)\n"
           "  --sync-keys DIR   the gateway's public key (gateway.key) and this game's key\n"
           "                    pair (<name>.key_secret, as zmq.auth.create_certificates writes)\n"
           "  --python-home DIR the Python prefix (default $AICORE_PYTHON_HOME, else the\n"
           "                    packaged runtime's python/ beside libaicore's folder)\n"
           "  --venv DIR        a virtual environment to use (default $AICORE_VENV)\n"
           "  --wav OUT.wav     write the voice mix (32-bit float stereo, 48 kHz)\n"
           "  --report OUT.json write the timing report as JSON\n"
           "  --trace OUT.jsonl write one JSON line per command the scripts gave: frame,\n"
           "                    npc, kind, type, and its fields (a say's text, line and\n"
           "                    archetype), to see who did and said what\n"
           "  --stats OUT.jsonl write one JSON line per simulated second as the run goes:\n"
           "                    that second's frame times (p50, max, mean ms), NPCs and\n"
           "                    script errors, flushed at once (a soak reads it live)\n"
           "  --frame-budget MS the runtime's frame budget in wall ms (default 10); a\n"
           "                    slowed-down run (valgrind) raises it so no work is deferred\n"
           "  --handler-budget MS one script handler's CPU budget in ms (default 5)\n"
           "  --seed S          world seed (default 1): same seed, same world\n"
           "  --kinds a,b,c     NPC script kinds, spawned round-robin (default townsfolk)\n"
           "  --day-length S    seconds of game time a whole day and night lasts (default\n"
           "                    1200); the light on the NPCs (custom channel 1) is 0 at\n"
           "                    midnight and 1 at noon, their hunger (channel 0) rises over\n"
           "                    about 5 minutes and drops when they land a blow\n"
           "  --time-of-day H   the hour the run starts at, 0 to 24 (default 18, dusk)\n"
           "  --story-flag NAME after the last frame, print the story flag NAME's value and\n"
           "                    type (repeatable; aicore_story_flag_get); a flag no story\n"
           "                    declares is printed with the reason and exits 1\n"
           "  --reload-at FRAME before frame FRAME (0 = the first), reload every script\n"
           "                    changed since it loaded (aicore_scripts_reload): prints how\n"
           "                    many; a broken script is printed and its old version runs on\n"
           "  --debug PORT      let a debugpy client attach on 127.0.0.1:PORT\n"
           "  --play            play the mix on the default output device (implies --realtime)\n"
           "  --quiet           print only the final report\n"
           "  --version         print the host, library and C ABI versions\n"
           "  --help            show this message\n"
           "\n"
           "Folders and output files are checked before the runtime starts, and the kinds as\n"
           "soon as the scripts are loaded, before any frame runs.\n"
           "Exit status: 0 done, 1 the runtime failed (create, tick, audio, --load), 2 usage error\n"
           "(a bad option, a missing folder, an unwritable file, a kind no script defines).\n";
}

ParsedOptions parseHostOptions(const std::vector<std::string>& args) {
    HostOptions o;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string name = args[i];
        std::optional<std::string> inlineValue;
        if (const auto eq = name.find('='); name.rfind("--", 0) == 0 && eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        const auto flag = [&]() -> bool {
            return !inlineValue.has_value();
        };
        // Takes the option's value from "=value" or the next argument.
        const auto value = [&](std::string& out) -> bool {
            if (inlineValue) {
                out = *inlineValue;
                return true;
            }
            if (i + 1 >= args.size()) return false;
            out = args[++i];
            return true;
        };
        const auto fail = [&](const std::string& why) {
            return ParsedOptions{std::nullopt, name + ": " + why};
        };
        std::string v;
        if (name == "--version" || name == "--help" || name == "-h" || name == "--realtime" ||
            name == "--play" || name == "--quiet") {
            if (!flag()) return fail("takes no value");
            if (name == "--version") o.showVersion = true;
            if (name == "--help" || name == "-h") o.showHelp = true;
            if (name == "--realtime") o.realtime = true;
            if (name == "--play") o.play = true;
            if (name == "--quiet") o.quiet = true;
            continue;
        }
        const bool known = name == "--npcs" || name == "--frames" || name == "--scripts" ||
                           name == "--content" || name == "--save" || name == "--python-home" ||
                           name == "--venv" || name == "--wav" || name == "--report" ||
                           name == "--trace" || name == "--seed" || name == "--kinds" ||
                           name == "--debug" || name == "--save-every" || name == "--load" ||
                           name == "--save-to" || name == "--profile" || name == "--sync" ||
                           name == "--sync-keys" || name == "--day-length" || name == "--time-of-day" ||
                           name == "--stats" || name == "--frame-budget" || name == "--handler-budget" ||
                           name == "--story-flag" || name == "--reload-at";
        if (!known) return {std::nullopt, "unknown option '" + args[i] + "'"};
        if (!value(v)) return fail("needs a value");
        if (name == "--npcs") {
            if (!parseNumber<std::uint32_t>(v, o.npcs, 1, 1u << 20))
                return fail("must be a whole number from 1 to 1048576, got '" + v + "'");
        } else if (name == "--frames") {
            if (!parseNumber<std::uint64_t>(v, o.frames, 1, std::uint64_t{1} << 40))
                return fail("must be a whole number of at least 1, got '" + v + "'");
        } else if (name == "--seed") {
            constexpr auto kMaxSeed = std::numeric_limits<std::uint64_t>::max();
            if (!parseNumber<std::uint64_t>(v, o.seed, 0, kMaxSeed))
                return fail("must be a whole number from 0 to 2**64-1, got '" + v + "'");
        } else if (name == "--reload-at") {
            std::uint64_t at = 0;
            if (!parseNumber<std::uint64_t>(v, at, 0, std::uint64_t{1} << 40))
                return fail("must be a frame number of 0 or more, got '" + v + "'");
            o.reloadAtFrame = at;
        } else if (name == "--debug") {
            if (!parseNumber<std::uint32_t>(v, o.debugPort, 1, 65535))
                return fail("must be a TCP port from 1 to 65535, got '" + v + "'");
        } else if (name == "--save-every") {
            if (!parseSeconds(v, o.saveEverySeconds))
                return fail("must be a number of seconds above 0, got '" + v + "'");
        } else if (name == "--frame-budget" || name == "--handler-budget") {
            char* end = nullptr;
            const double ms = std::strtod(v.c_str(), &end);
            if (v.empty() || end != v.c_str() + v.size() || !(ms > 0.0) || ms > 1e9)
                return fail("must be a number of milliseconds above 0, got '" + v + "'");
            (name == "--frame-budget" ? o.frameBudgetMs : o.handlerBudgetMs) = ms;
        } else if (name == "--day-length") {
            if (!parseSeconds(v, o.dayLengthSeconds))
                return fail("must be a number of seconds above 0, got '" + v + "'");
        } else if (name == "--time-of-day") {
            char* end = nullptr;
            const double hours = std::strtod(v.c_str(), &end);
            if (v.empty() || end != v.c_str() + v.size() || !(hours >= 0.0 && hours < 24.0))
                return fail("must be an hour from 0 up to (not including) 24, got '" + v + "'");
            o.timeOfDayHours = hours;
        } else if (name == "--kinds") {
            auto kinds = splitKinds(v);
            if (kinds.empty()) return fail("names no kind");
            if (!o.kindsGiven) o.kinds.clear();
            o.kindsGiven = true;
            o.kinds.insert(o.kinds.end(), kinds.begin(), kinds.end());
        } else if (v.empty()) {
            return fail("needs a non-empty value");
        } else if (name == "--scripts") {
            o.scriptDirs.push_back(v);
        } else if (name == "--content") {
            o.contentDirs.push_back(v);  // repeatable: later roots layered over earlier ones
        } else if (name == "--save") {
            o.saveDir = v;
        } else if (name == "--load") {
            o.loadSlot = v;
        } else if (name == "--save-to") {
            o.saveToSlot = v;
        } else if (name == "--profile") {
            o.profile = v;
        } else if (name == "--sync") {
            if (v.find("://") == std::string::npos)
                return fail("must be a ZeroMQ endpoint, transport://address, got '" + v + "'");
            o.syncEndpoint = v;
        } else if (name == "--story-flag") {
            o.storyFlags.push_back(v);
        } else if (name == "--sync-keys") {
            o.syncKeysDir = v;
        } else if (name == "--python-home") {
            o.pythonHome = v;
        } else if (name == "--venv") {
            o.venv = v;
        } else if (name == "--wav") {
            o.wavPath = v;
        } else if (name == "--report") {
            o.reportPath = v;
        } else if (name == "--trace") {
            o.tracePath = v;
        } else if (name == "--stats") {
            o.statsPath = v;
        }
    }
    // The store lives in the save folder: without one there is nothing to save to or load.
    if (o.saveDir.empty() && (o.saveEverySeconds > 0.0 || !o.loadSlot.empty() || !o.saveToSlot.empty() ||
                              !o.profile.empty()))
        return {std::nullopt, "--save-every, --load, --save-to and --profile need --save DIR"};
    // Sync sends the store's outbox, with the keys it proves who it is with.
    if (!o.syncEndpoint.empty() && (o.saveDir.empty() || o.syncKeysDir.empty()))
        return {std::nullopt, "--sync needs --save DIR and --sync-keys DIR"};
    if (o.syncEndpoint.empty() && !o.syncKeysDir.empty())
        return {std::nullopt, "--sync-keys goes with --sync ENDPOINT"};
    // A reload planned past the last frame would never happen: say so instead.
    if (o.reloadAtFrame && *o.reloadAtFrame >= o.frames)
        return {std::nullopt, "--reload-at FRAME must be below --frames (" + std::to_string(o.frames) + ")"};
    if (o.play && !o.wavPath.empty())
        return {std::nullopt, "--play and --wav: choose one (the device or the file is the clock)"};
    // A sound card consumes samples at its own pace, so the game has to keep that pace.
    if (o.play) o.realtime = true;
    return {std::move(o), {}};
}

void applyEnvironmentDefaults(HostOptions& options) {
    if (options.pythonHome.empty())
        if (const char* home = std::getenv("AICORE_PYTHON_HOME"); home && *home)
            options.pythonHome = home;
    if (options.venv.empty())
        if (const char* venv = std::getenv("AICORE_VENV"); venv && *venv) options.venv = venv;
}

}  // namespace aicore::host
