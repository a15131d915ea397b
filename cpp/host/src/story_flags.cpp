#include "story_flags.h"

namespace aicore::host {

namespace {

const char* typeName(std::uint32_t type) {
    switch (type) {
        case AICORE_STORY_FLAG_BOOL: return "bool";
        case AICORE_STORY_FLAG_INT: return "int";
        case AICORE_STORY_FLAG_STRING: return "string";
        default: return "unknown type";
    }
}

}  // namespace

std::vector<StoryFlagLine> readStoryFlags(aicore_runtime* rt, const std::vector<std::string>& names) {
    std::vector<StoryFlagLine> lines;
    lines.reserve(names.size());
    for (const std::string& name : names) {
        aicore_story_flag flag{};
        flag.struct_size = sizeof flag;
        const aicore_result r = aicore_story_flag_get(rt, name.c_str(), &flag);
        if (r != AICORE_OK) {
            lines.push_back({"story flag " + name + ": " + aicore_result_string(r) + ": " +
                                 aicore_runtime_last_error(rt),
                             false});
            continue;
        }
        // A string flag is quoted (its text may be empty); text_size, not strlen: it may hold a NUL.
        const std::string text(flag.text, flag.text_size);
        const std::string shown = flag.type == AICORE_STORY_FLAG_STRING ? "\"" + text + "\"" : text;
        lines.push_back({"story flag " + name + " = " + shown + " (" + typeName(flag.type) + ")", true});
    }
    return lines;
}

}  // namespace aicore::host
