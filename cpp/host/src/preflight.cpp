#include "preflight.h"

#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace aicore::host {

namespace fs = std::filesystem;

namespace {

std::string lastOsError() {
    return std::error_code(errno, std::generic_category()).message();
}

std::optional<std::string> folderProblem(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return "does not exist";
    if (!fs::is_directory(path, ec)) return "is not a folder";
    return std::nullopt;
}

// Opening for append creates a missing file and leaves an existing one as it is, so the
// check changes nothing; a file the check created is removed again.
std::optional<std::string> outputFileProblem(const fs::path& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) return "is a folder";
    const bool existed = fs::exists(path, ec);
    errno = 0;
    if (std::ofstream probe(path, std::ios::binary | std::ios::app); !probe)
        return "cannot be written: " + (errno != 0 ? lastOsError() : std::string("open failed"));
    if (!existed) fs::remove(path, ec);
    return std::nullopt;
}

std::optional<std::string> saveFolderProblem(const fs::path& path) {
    std::error_code ec;
    if (fs::exists(path, ec) && !fs::is_directory(path, ec)) return "is not a folder";
    if (fs::create_directories(path, ec); ec) return "cannot be created: " + ec.message();
    // Permission bits do not tell (root ignores them, a read-only mount has none): write.
    const fs::path probe = path / (".aicore-write-check-" + std::to_string(::getpid()));
    if (const auto problem = outputFileProblem(probe)) return *problem;
    return std::nullopt;
}

}  // namespace

std::string describe(const PathProblem& problem) {
    return problem.option + " " + problem.path + ": " + problem.reason;
}

std::optional<PathProblem> checkPaths(const HostOptions& o) {
    for (const std::string& dir : o.scriptDirs)
        if (auto why = folderProblem(dir)) return PathProblem{"--scripts", dir, *why};
    for (const std::string& dir : o.contentDirs)
        if (auto why = folderProblem(dir)) return PathProblem{"--content", dir, *why};
    if (!o.syncKeysDir.empty())
        if (auto why = folderProblem(o.syncKeysDir)) return PathProblem{"--sync-keys", o.syncKeysDir, *why};
    const std::pair<const char*, const std::string*> outputs[] = {
        {"--wav", &o.wavPath}, {"--report", &o.reportPath}, {"--trace", &o.tracePath},
        {"--stats", &o.statsPath}};
    for (const auto& [option, path] : outputs)
        if (!path->empty())
            if (auto why = outputFileProblem(*path)) return PathProblem{option, *path, *why};
    // Last, because it is the one check that leaves something behind (the folder).
    if (!o.saveDir.empty())
        if (auto why = saveFolderProblem(o.saveDir)) return PathProblem{"--save", o.saveDir, *why};
    return std::nullopt;
}

}  // namespace aicore::host
