#include "script_reload.h"

#include <cstdio>

namespace aicore::host {

bool reloadScripts(aicore_runtime* rt, std::uint64_t frame, bool quiet) {
    std::uint32_t reloaded = 0;
    const aicore_result r = aicore_scripts_reload(rt, &reloaded);
    if (r != AICORE_OK && r != AICORE_SCRIPT_ERROR) {
        std::fprintf(stderr, "aicore-host: aicore_scripts_reload: %s: %s\n", aicore_result_string(r),
                     aicore_runtime_last_error(rt));
        return false;
    }
    if (!quiet)
        std::printf("aicore-host: frame %llu: %u script(s) reloaded\n", static_cast<unsigned long long>(frame),
                    reloaded);
    if (r == AICORE_SCRIPT_ERROR) std::fprintf(stderr, "aicore-host: --reload-at: %s\n", aicore_runtime_last_error(rt));
    return true;
}

}  // namespace aicore::host
