#include <gtest/gtest.h>

#include <cstring>
#include <regex>
#include <string>

#include "aicore/aicore.h"

TEST(Version, LibraryReportsTheApiVersionItsHeaderDeclares) {
    EXPECT_EQ(aicore_api_version(), AICORE_API_VERSION);
}

TEST(Version, VersionStringIsSemantic) {
    EXPECT_TRUE(std::regex_match(std::string(aicore_version()), std::regex(R"(\d+\.\d+\.\d+)")));
}

TEST(Version, EmbeddedPythonIsThreeElevenOrNewer) {
    const std::string v = aicore_python_version();
    EXPECT_EQ(v.rfind("3.", 0), 0u) << v;
    EXPECT_GE(std::stoi(v.substr(2)), 11) << v;
}

TEST(ResultString, EveryResultCodeHasItsOwnDescription) {
    const aicore_result all[] = {AICORE_OK,         AICORE_ERROR,        AICORE_INVALID_ARGUMENT,
                                 AICORE_OUT_OF_MEMORY, AICORE_NOT_FOUND, AICORE_BAD_MESSAGE,
                                 AICORE_FULL,       AICORE_SCRIPT_ERROR, AICORE_PYTHON_ERROR,
                                 AICORE_BUSY,       AICORE_INCOMPLETE,   AICORE_IO_ERROR,
                                 AICORE_CORRUPT,    AICORE_UNAVAILABLE};
    for (std::size_t i = 0; i < std::size(all); ++i) {
        for (std::size_t j = i + 1; j < std::size(all); ++j)
            EXPECT_STRNE(aicore_result_string(all[i]), aicore_result_string(all[j]));
    }
    EXPECT_STREQ(aicore_result_string(static_cast<aicore_result>(999)), "unknown result code");
}
