#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "preflight.h"

using namespace aicore::host;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path = fs::temp_directory_path() /
                    ("aicore_preflight_test_" + std::to_string(::getpid()));
    TempDir() {
        fs::remove_all(path);
        fs::create_directories(path / "scripts");
        fs::create_directories(path / "content");
        std::ofstream(path / "a_file") << "not a folder";
    }
    ~TempDir() { fs::remove_all(path); }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

HostOptions goodOptions(const TempDir& dir) {
    HostOptions o;
    o.scriptDirs = {dir / "scripts"};
    o.contentDirs = {dir / "content"};
    o.saveDir = dir / "save/nested";
    o.wavPath = dir / "mix.wav";
    o.reportPath = dir / "report.json";
    o.tracePath = dir / "trace.jsonl";
    return o;
}

}  // namespace

TEST(Preflight, GoodPathsPassCreateTheSaveFolderAndLeaveNoFileBehind) {
    const TempDir dir;
    const auto problem = checkPaths(goodOptions(dir));
    EXPECT_FALSE(problem) << describe(*problem);
    EXPECT_TRUE(fs::is_directory(dir / "save/nested"));
    EXPECT_TRUE(fs::is_empty(dir / "save/nested"));
    for (const char* file : {"mix.wav", "report.json", "trace.jsonl"})
        EXPECT_FALSE(fs::exists(dir / file)) << file;
}

TEST(Preflight, AnExistingOutputFileIsLeftAsItWas) {
    const TempDir dir;
    std::ofstream(dir / "report.json") << "{\"frames\": 1}";
    EXPECT_FALSE(checkPaths(goodOptions(dir)));
    std::ifstream in(dir / "report.json");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "{\"frames\": 1}");
}

TEST(Preflight, EachBadPathIsNamedByItsOption) {
    const TempDir dir;
    struct Case {
        void (*spoil)(HostOptions&, const TempDir&);
        const char* option;
        const char* reason;
    };
    const Case cases[] = {
        {[](HostOptions& o, const TempDir& d) { o.scriptDirs.push_back(d / "missing"); },
         "--scripts", "does not exist"},
        {[](HostOptions& o, const TempDir& d) { o.contentDirs = {d / "a_file"}; }, "--content",
         "is not a folder"},
        {[](HostOptions& o, const TempDir& d) { o.saveDir = d / "a_file/save"; }, "--save",
         "cannot be created"},
        {[](HostOptions& o, const TempDir& d) { o.saveDir = d / "a_file"; }, "--save",
         "is not a folder"},
        {[](HostOptions& o, const TempDir& d) { o.wavPath = d / "content"; }, "--wav", "is a folder"},
        {[](HostOptions& o, const TempDir& d) { o.reportPath = d / "missing/report.json"; },
         "--report", "cannot be written"},
        {[](HostOptions& o, const TempDir& d) { o.tracePath = d / "a_file/trace.jsonl"; },
         "--trace", "cannot be written"},
    };
    for (const Case& c : cases) {
        HostOptions o = goodOptions(dir);
        c.spoil(o, dir);
        const auto problem = checkPaths(o);
        ASSERT_TRUE(problem) << c.option;
        EXPECT_EQ(problem->option, c.option);
        EXPECT_NE(problem->reason.find(c.reason), std::string::npos) << problem->reason;
        EXPECT_EQ(describe(*problem).rfind(std::string(c.option) + " " + problem->path + ": ", 0), 0u)
            << describe(*problem);
    }
}

TEST(Preflight, AMistakeElsewhereLeavesNoSaveFolderBehind) {
    const TempDir dir;
    HostOptions o = goodOptions(dir);
    o.reportPath = dir / "missing/report.json";
    ASSERT_TRUE(checkPaths(o));
    EXPECT_FALSE(fs::exists(dir / "save"));
}
