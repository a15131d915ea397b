#include "save_slots.h"

namespace aicore::host {

std::vector<SaveEntry> listSaves(aicore_runtime* rt, std::string& error) {
    std::vector<SaveEntry> saves;
    std::uint32_t count = 0;
    if (const aicore_result r = aicore_saves_refresh(rt, &count); r != AICORE_OK) {
        error = std::string(aicore_result_string(r)) + ": " + aicore_runtime_last_error(rt);
        return saves;
    }
    for (std::uint32_t i = 0; i < count; ++i) {
        aicore_save_info info{};
        info.struct_size = sizeof info;
        if (const aicore_result r = aicore_save_info_get(rt, i, &info); r != AICORE_OK) {
            error = std::string(aicore_result_string(r)) + ": " + aicore_runtime_last_error(rt);
            return {};
        }
        saves.push_back({info.slot, info.previous != 0, info.saved_at_unix, info.problem ? info.problem : ""});
    }
    return saves;
}

std::string soundSaves(const std::vector<SaveEntry>& saves) {
    std::string text;
    for (const SaveEntry& save : saves) {
        if (!save.problem.empty()) continue;
        text += (text.empty() ? "" : ", ") + save.slot + (save.previous ? " (previous)" : "");
    }
    return text.empty() ? "none" : text;
}

}  // namespace aicore::host
