#pragma once
// aicore-host's command line. Parsed apart from main() so the rules (defaults, ranges,
// what is a usage error) are unit-tested without starting a runtime.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aicore::host {

struct HostOptions {
    std::uint32_t npcs = 100;
    std::uint64_t frames = 600;
    bool realtime = false;  // hold 60 Hz on the wall clock; else run as fast as it goes
    std::vector<std::string> scriptDirs;
    std::vector<std::string> contentDirs;  // layered in order; none = the runtime's default
    std::string saveDir;     // "" = the runtime's default
    double saveEverySeconds = 0.0;  // autosave interval in game time; 0 = none (needs saveDir)
    std::string loadSlot;    // load this slot after create, before the first frame ("" = none)
    std::string saveToSlot;  // save to this slot after the last frame ("" = none; needs saveDir)
    std::string profile;     // "" = the store's default profile
    std::string syncEndpoint;  // the cloud gateway, "tcp://host:port" ("" = no sync; needs saveDir)
    std::string syncKeysDir;   // gateway.key and the game's <name>.key_secret (needs syncEndpoint)
    std::string pythonHome;  // "" = $AICORE_PYTHON_HOME, else the runtime's default
    std::string venv;        // "" = $AICORE_VENV, else none
    std::string wavPath;
    std::string reportPath;
    std::string tracePath;  // one JSON line per command the runtime gave ("" = none)
    std::string statsPath;  // one JSON line per simulated second while running ("" = none)
    double frameBudgetMs = 0.0;    // the runtime's frame budget; 0 = its default
    double handlerBudgetMs = 0.0;  // one handler's CPU budget; 0 = the runtime's default
    std::uint64_t seed = 1;
    double dayLengthSeconds = 20.0 * 60.0;  // game time for a whole day (WorldConfig's)
    double timeOfDayHours = 18.0;           // the hour the run starts at: dusk
    std::vector<std::string> kinds{"townsfolk"};
    bool kindsGiven = false;  // --kinds was on the command line (else the default above)
    std::uint32_t debugPort = 0;
    std::vector<std::string> storyFlags;  // read and printed after the last frame (--story-flag)
    std::optional<std::uint64_t> reloadAtFrame;  // aicore_scripts_reload before this frame
    bool play = false;
    bool quiet = false;  // no progress line, only the final report
    bool showVersion = false;
    bool showHelp = false;
};

struct ParsedOptions {
    std::optional<HostOptions> options;  // empty on a usage error
    std::string error;                   // why, naming the option
};

/// Parses argv (without argv[0]). `--name value` and `--name=value` are both accepted.
ParsedOptions parseHostOptions(const std::vector<std::string>& args);

/// Fills pythonHome / venv from AICORE_PYTHON_HOME / AICORE_VENV where not given.
void applyEnvironmentDefaults(HostOptions& options);

const char* hostUsage();

}  // namespace aicore::host
