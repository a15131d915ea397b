#pragma once
// One save file as the runtime lists it (aicore_save_info), as the host keeps it: in the
// report (timing_report.h) and in the message of a failed --load (save_slots.h).
#include <string>

namespace aicore::host {

struct SaveEntry {
    std::string slot;
    bool previous = false;    // the generation a later save of `slot` replaced
    double savedAtUnix = 0.0; // 0 when the file could not be read
    std::string problem;      // "" when sound
};

}  // namespace aicore::host
