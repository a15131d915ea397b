#pragma once
// aicore-host's --reload-at FRAME: the changed scripts reloaded through aicore_scripts_reload
// between two frames, on the game thread, as UE's aicore.reload console command does.
#include <cstdint>

#include "aicore/aicore.h"

namespace aicore::host {

/// Reloads and says what happened (stdout unless quiet; a broken script on stderr, the run
/// goes on: it is the designer's to fix). False only when the call itself failed (printed).
bool reloadScripts(aicore_runtime* rt, std::uint64_t frame, bool quiet);

}  // namespace aicore::host
