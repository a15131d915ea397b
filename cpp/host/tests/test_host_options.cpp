#include <gtest/gtest.h>

#include "host_options.h"

using namespace aicore::host;

namespace {
ParsedOptions parse(std::vector<std::string> args) { return parseHostOptions(args); }
}  // namespace

TEST(HostOptions, DefaultsAreAHundredNpcsForTenSecondsFasterThanRealTime) {
    const auto p = parse({});
    ASSERT_TRUE(p.options) << p.error;
    EXPECT_EQ(p.options->npcs, 100u);
    EXPECT_EQ(p.options->frames, 600u);
    EXPECT_FALSE(p.options->realtime);
    EXPECT_EQ(p.options->kinds, std::vector<std::string>{"townsfolk"});
    EXPECT_FALSE(p.options->kindsGiven);  // so a missing default kind is explained as such
    EXPECT_TRUE(p.options->tracePath.empty());
    EXPECT_EQ(p.options->debugPort, 0u);
    EXPECT_EQ(p.options->dayLengthSeconds, 1200.0);  // a 20 minute day
    EXPECT_EQ(p.options->timeOfDayHours, 18.0);      // starting at dusk
}

TEST(HostOptions, TheDayIsReadAndAnImpossibleDayIsAUsageError) {
    const auto p = parse({"--day-length", "90.5", "--time-of-day=0"});
    ASSERT_TRUE(p.options) << p.error;
    EXPECT_EQ(p.options->dayLengthSeconds, 90.5);
    EXPECT_EQ(p.options->timeOfDayHours, 0.0);
    for (const std::vector<std::string>& bad :
         {std::vector<std::string>{"--day-length", "0"}, {"--day-length", "-5"},
          {"--day-length", "nan"}, {"--day-length="}, {"--time-of-day", "24"},
          {"--time-of-day", "-1"}, {"--time-of-day", "noon"}}) {
        const auto q = parse(bad);
        EXPECT_FALSE(q.options) << bad[0] << " " << (bad.size() > 1 ? bad[1] : "");
        EXPECT_EQ(q.error.rfind(bad[0].substr(0, bad[0].find('=')), 0), 0u) << q.error;
    }
}

TEST(HostOptions, EveryOptionIsReadInBothSpellings) {
    const auto p = parse({"--npcs", "12", "--frames=90", "--realtime", "--scripts", "a",
                          "--scripts=b", "--content", "c", "--content=d", "--save", "s", "--python-home", "/py",
                          "--venv", "/venv", "--wav", "o.wav", "--report", "r.json", "--trace=t.jsonl", "--seed",
                          "18446744073709551615", "--kinds", "vampire, zombie,,werewolf",
                          "--debug", "5678", "--quiet"});
    ASSERT_TRUE(p.options) << p.error;
    const HostOptions& o = *p.options;
    EXPECT_EQ(o.npcs, 12u);
    EXPECT_EQ(o.frames, 90u);
    EXPECT_TRUE(o.realtime);
    EXPECT_EQ(o.scriptDirs, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(o.contentDirs, (std::vector<std::string>{"c", "d"}));  // layered, in order
    EXPECT_EQ(o.saveDir, "s");
    EXPECT_EQ(o.pythonHome, "/py");
    EXPECT_EQ(o.venv, "/venv");
    EXPECT_EQ(o.wavPath, "o.wav");
    EXPECT_EQ(o.reportPath, "r.json");
    EXPECT_EQ(o.tracePath, "t.jsonl");
    EXPECT_EQ(o.seed, 18446744073709551615ull);
    EXPECT_EQ(o.kinds, (std::vector<std::string>{"vampire", "zombie", "werewolf"}));
    EXPECT_TRUE(o.kindsGiven);
    EXPECT_EQ(o.debugPort, 5678u);
    EXPECT_TRUE(o.quiet);
}

TEST(HostOptions, UsageErrorsNameTheOption) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--npcs", "0"}, "--npcs"},
        {{"--npcs", "ten"}, "--npcs"},
        {{"--frames"}, "--frames"},
        {{"--trace"}, "--trace"},
        {{"--trace="}, "--trace"},
        {{"--debug", "70000"}, "--debug"},
        {{"--kinds", ","}, "--kinds"},
        {{"--realtime=yes"}, "--realtime"},
        {{"--bogus"}, "--bogus"},
        {{"--play", "--wav", "x.wav"}, "--play"},
    };
    for (const auto& [args, option] : cases) {
        const auto p = parse(args);
        EXPECT_FALSE(p.options) << args.front();
        EXPECT_NE(p.error.find(option), std::string::npos) << p.error;
    }
}

TEST(HostOptions, SyncNeedsASaveFolderAndKeys) {
    const auto p = parse({"--save", "s", "--sync", "tcp://gw:7700", "--sync-keys=keys"});
    ASSERT_TRUE(p.options) << p.error;
    EXPECT_EQ(p.options->syncEndpoint, "tcp://gw:7700");
    EXPECT_EQ(p.options->syncKeysDir, "keys");
    EXPECT_TRUE(parse({}).options->syncEndpoint.empty());  // no sync unless asked

    const std::vector<std::pair<std::vector<std::string>, std::string>> refused = {
        {{"--save", "s", "--sync", "gw:7700", "--sync-keys", "k"}, "transport://address"},
        {{"--sync", "tcp://gw:7700", "--sync-keys", "k"}, "--sync needs --save DIR"},
        {{"--save", "s", "--sync", "tcp://gw:7700"}, "--sync-keys DIR"},
        {{"--save", "s", "--sync-keys", "k"}, "--sync-keys goes with --sync"},
    };
    for (const auto& [args, why] : refused) {
        const auto r = parse(args);
        EXPECT_FALSE(r.options) << args.back();
        EXPECT_NE(r.error.find(why), std::string::npos) << r.error;
    }
}

TEST(HostOptions, PlayImpliesRealtime) {
    const auto p = parse({"--play"});
    ASSERT_TRUE(p.options);
    EXPECT_TRUE(p.options->realtime);
}

TEST(HostOptions, SaveOptionsAreReadAndNeedASaveFolder) {
    const auto p = parse({"--save", "s", "--save-every", "0.5", "--load=autosave", "--profile", "hero",
                          "--save-to", "end"});
    ASSERT_TRUE(p.options) << p.error;
    EXPECT_EQ(p.options->saveToSlot, "end");
    EXPECT_DOUBLE_EQ(p.options->saveEverySeconds, 0.5);
    EXPECT_EQ(p.options->loadSlot, "autosave");
    EXPECT_EQ(p.options->profile, "hero");
    EXPECT_EQ(parse({}).options->saveEverySeconds, 0.0);  // no autosave unless asked

    for (const char* bad : {"0", "-1", "x", "1s", "nan"}) {
        const auto refused = parse({"--save", "s", "--save-every", bad});
        EXPECT_FALSE(refused.options) << bad;
        EXPECT_NE(refused.error.find("--save-every"), std::string::npos) << refused.error;
    }
    for (const std::vector<std::string>& alone :
         {std::vector<std::string>{"--load", "x"}, {"--save-every", "1"}, {"--profile", "p"},
          {"--save-to", "x"}}) {
        const auto refused = parse(alone);
        EXPECT_FALSE(refused.options);
        EXPECT_NE(refused.error.find("--save DIR"), std::string::npos) << refused.error;
    }
}

TEST(HostOptions, StoryFlagsRepeatAndAReloadMustFallWithinTheRun) {
    const auto p = parse({"--story-flag", "met_broker", "--story-flag=lives_owed", "--frames", "10",
                          "--reload-at", "9"});
    ASSERT_TRUE(p.options) << p.error;
    EXPECT_EQ(p.options->storyFlags, (std::vector<std::string>{"met_broker", "lives_owed"}));
    ASSERT_TRUE(p.options->reloadAtFrame);
    EXPECT_EQ(*p.options->reloadAtFrame, 9u);
    EXPECT_FALSE(parse({}).options->reloadAtFrame);  // no reload unless asked
    const auto late = parse({"--frames", "10", "--reload-at", "10"});
    EXPECT_FALSE(late.options);
    EXPECT_NE(late.error.find("--reload-at"), std::string::npos) << late.error;
    EXPECT_FALSE(parse({"--reload-at", "-1"}).options);
    EXPECT_FALSE(parse({"--story-flag="}).options);
}

TEST(HostOptions, StatsAndBudgetsAreReadAndBudgetsMustBePositive) {
    const auto p = parse({"--stats", "s.jsonl", "--frame-budget", "5000", "--handler-budget=2500.5"});
    ASSERT_TRUE(p.options) << p.error;
    EXPECT_EQ(p.options->statsPath, "s.jsonl");
    EXPECT_DOUBLE_EQ(p.options->frameBudgetMs, 5000.0);
    EXPECT_DOUBLE_EQ(p.options->handlerBudgetMs, 2500.5);
    EXPECT_EQ(parse({}).options->frameBudgetMs, 0.0);  // 0: the runtime's own default
    for (const char* option : {"--frame-budget", "--handler-budget"}) {
        for (const char* bad : {"0", "-3", "ms", "10ms", "nan"}) {
            const auto refused = parse({option, bad});
            EXPECT_FALSE(refused.options) << option << " " << bad;
            EXPECT_NE(refused.error.find(option), std::string::npos) << refused.error;
        }
    }
}
