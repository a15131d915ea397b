#pragma once
// The folders and files a run names, checked before the runtime starts: a misspelt folder
// or an unwritable output is a usage error in the first second, not a failure after the
// whole run (or, worse, a run that quietly does nothing).
#include <optional>
#include <string>

#include "host_options.h"

namespace aicore::host {

struct PathProblem {
    std::string option;  // the option that named the path, e.g. "--save"
    std::string path;    // as given
    std::string reason;  // e.g. "does not exist", "cannot be written: Permission denied"
};

/// "--save /x: cannot be created: Not a directory".
std::string describe(const PathProblem& problem);

/// The first problem with the paths in `options`, in command-line terms, or none:
/// --scripts and --content must be existing folders; --save must be a folder that can be
/// written (it is created if missing, as the runtime would); --wav, --report and --trace
/// must be files that can be written. Leaves no file behind.
std::optional<PathProblem> checkPaths(const HostOptions& options);

}  // namespace aicore::host
