#pragma once
// aicore-host's reading of story flags through aicore_story_flag_get (--story-flag NAME):
// each flag's value and type as a line of the report, or why it could not be read.
#include <string>
#include <vector>

#include "aicore/aicore.h"

namespace aicore::host {

struct StoryFlagLine {
    std::string text;  // "story flag NAME = VALUE (TYPE)", or "story flag NAME: RESULT: WHY"
    bool read = false; // false: the flag could not be read (text says why)
};

/// One line per name, in order.
std::vector<StoryFlagLine> readStoryFlags(aicore_runtime* rt, const std::vector<std::string>& names);

}  // namespace aicore::host
