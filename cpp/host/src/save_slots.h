#pragma once
// aicore-host's use of the C ABI's saves: the saves a profile holds, read through
// aicore_saves_refresh / aicore_save_info_get, for the report and for a failed --load.
#include <cstdint>
#include <string>
#include <vector>

#include "aicore/aicore.h"
#include "save_entry.h"

namespace aicore::host {

/// The profile's saves, newest first; empty (with `error` set) if they cannot be listed.
std::vector<SaveEntry> listSaves(aicore_runtime* rt, std::string& error);

/// "autosave, quest-2 (previous)": the sound saves, for a message; "none" when there are none.
std::string soundSaves(const std::vector<SaveEntry>& saves);

}  // namespace aicore::host
