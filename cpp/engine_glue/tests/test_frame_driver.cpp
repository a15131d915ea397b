// The frame's call order against a real runtime: the embedded interpreter, real scripts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <fstream>
#include <string>
#include <vector>

#include "aicore/engine_glue/frame_driver.h"

namespace fs = std::filesystem;
using namespace aicore::glue;

namespace {

// A kind that answers a custom "go" event with orders, and a frame hook that sends a
// despawn and an order for a slot no NPC holds when told to.
const char* kWalker = R"(
from engine_bridge.api import Event, Npc


class Walker(Npc):
    kind = "walker"

    def on_event(self, event: Event) -> None:
        if event.type == "custom" and event.name == "go":
            self.move_to((1.0, 2.0, 0.5), speed=3.0)
            self.emote("wave")
        if event.type == "custom" and event.name == "say_line":  # as docs/ue5.md says
            self.emote(event.data["data"]["line"])
)";

const char* kDirector = R"(
def on_frame(runtime, dt, events):
    for e in events:
        if e.get("type") == "custom" and e.get("name") == "dismiss":
            runtime.emit({"type": "despawn", "npc": e["npc"]})
        if e.get("type") == "custom" and e.get("name") == "stray":
            runtime.emit({"type": "emote", "npc": 60, "emote": "shrug"})
)";

struct Scripts {
    fs::path path = fs::temp_directory_path() / ("aicore_glue_test_" + std::to_string(::getpid()));
    Scripts() {
        fs::remove_all(path);
        fs::create_directories(path);
        std::ofstream(path / "walker.py") << kWalker;
        std::ofstream(path / "director.py") << kDirector;
    }
    ~Scripts() { fs::remove_all(path); }
    Scripts(const Scripts&) = delete;
    Scripts& operator=(const Scripts&) = delete;
};

struct RuntimeDeleter {
    void operator()(aicore_runtime* rt) const { aicore_runtime_destroy(rt); }
};

std::unique_ptr<aicore_runtime, RuntimeDeleter> makeRuntime(const Scripts& scripts) {
    aicore_runtime_config config;
    aicore_runtime_config_init(&config);
    config.python_home = AICORE_TEST_PYTHON_HOME;
    config.python_venv = AICORE_TEST_VENV;
    config.content_root = AICORE_TEST_CONTENT;
    config.max_npcs = 64;
    config.frame_budget_ms = 1000.0;  // the test is about order, not speed
    const std::string dir = scripts.path.string();
    const char* dirs[] = {dir.c_str()};
    config.script_dirs = dirs;
    config.script_dir_count = 1;
    config.log = [](void*, int, const char*) {};
    aicore_runtime* rt = nullptr;
    if (aicore_runtime_create(&config, &rt) != AICORE_OK) ADD_FAILURE() << aicore_last_create_error();
    return std::unique_ptr<aicore_runtime, RuntimeDeleter>(rt);
}

// An engine that records what it was told.
struct Recorder : CommandTarget {
    std::vector<std::pair<NpcHandle, Command>> applied;
    std::vector<NpcHandle> removedNpcs;
    std::string apply(NpcHandle npc, const Command& command) override {
        applied.emplace_back(npc, command);
        return "";
    }
    void removed(NpcHandle npc) override { removedNpcs.push_back(npc); }
};

class FrameDriverTest : public ::testing::Test {
protected:
    Scripts scripts;
    std::unique_ptr<aicore_runtime, RuntimeDeleter> rt = makeRuntime(scripts);
    FrameDriver driver = std::move(*FrameDriver::start(rt.get()).driver);
    Recorder engine;
};

}  // namespace

TEST_F(FrameDriverTest, EventsPushedThisFrameComeBackAsCommandsForTheRightNpc) {
    const Spawned a = driver.spawn("walker");
    const Spawned b = driver.spawn("walker");
    ASSERT_TRUE(a.npc && b.npc);
    EXPECT_EQ(driver.slots().liveCount(), 2u);
    ASSERT_FALSE(driver.events().custom("go", b.npc->slot));
    const FrameOutcome& out = driver.runFrame(1.0 / 60.0, engine);
    EXPECT_TRUE(out.completed);
    EXPECT_TRUE(out.problems.empty()) << out.problems.front().reason;
    EXPECT_EQ(out.eventsPushed, 1u);
    ASSERT_EQ(engine.applied.size(), 2u);
    EXPECT_EQ(engine.applied[0].first, *b.npc);
    EXPECT_EQ(engine.applied[0].second.type, CommandType::MoveTo);
    EXPECT_FLOAT_EQ(engine.applied[0].second.position.z, 0.5f);
    EXPECT_EQ(engine.applied[1].second.type, CommandType::Emote);
    EXPECT_EQ(engine.applied[1].second.text, "wave");
    EXPECT_EQ(out.commandsApplied, 2u);
    EXPECT_TRUE(driver.events().empty());  // pushed once, not again next frame
}

TEST_F(FrameDriverTest, ACustomEventsDataReachesTheScriptAsTheUe5PluginsSayLineSendsIt) {
    const NpcHandle npc = *driver.spawn("walker").npc;
    const CustomValue data[] = {{"line", std::string("townsfolk_greeting")}};
    ASSERT_FALSE(driver.events().custom("say_line", npc.slot, data));
    const FrameOutcome& out = driver.runFrame(1.0 / 60.0, engine);
    EXPECT_TRUE(out.problems.empty()) << out.problems.front().reason;
    ASSERT_EQ(engine.applied.size(), 1u);
    EXPECT_EQ(engine.applied[0].second.text, "townsfolk_greeting");
}

TEST_F(FrameDriverTest, ADespawnFreesTheSlotInBothAndTheOldHandleGoesStale) {
    const NpcHandle npc = *driver.spawn("walker").npc;
    ASSERT_FALSE(driver.events().custom("dismiss", npc.slot));
    const FrameOutcome& out = driver.runFrame(1.0 / 60.0, engine);
    EXPECT_TRUE(out.problems.empty()) << out.problems.front().reason;
    ASSERT_EQ(engine.applied.size(), 1u);
    EXPECT_EQ(engine.applied[0].second.type, CommandType::Despawn);
    EXPECT_FALSE(driver.slots().live(npc));
    EXPECT_EQ(driver.world().alive[npc.slot], 0u);  // aicore_npc_despawn was called
    EXPECT_TRUE(engine.removedNpcs.empty());        // the engine removed it itself
    const NpcHandle next = *driver.spawn("walker").npc;
    EXPECT_EQ(next.slot, npc.slot);  // the runtime reuses the slot...
    EXPECT_NE(next, npc);            // ...under a new handle
    EXPECT_FALSE(driver.despawn(npc));  // a stale handle frees nothing
    EXPECT_TRUE(driver.slots().live(next));
}

TEST_F(FrameDriverTest, ACommandForASlotNoNpcHoldsCostsOnlyItself) {
    const NpcHandle npc = *driver.spawn("walker").npc;
    ASSERT_FALSE(driver.events().custom("stray", std::nullopt));
    ASSERT_FALSE(driver.events().custom("go", npc.slot));
    const FrameOutcome& out = driver.runFrame(1.0 / 60.0, engine);
    EXPECT_TRUE(out.completed);
    ASSERT_EQ(out.problems.size(), 1u);
    EXPECT_EQ(out.problems[0].step, FrameStep::ApplyCommand);
    EXPECT_EQ(out.problems[0].reason, "emote: no NPC in slot 60");
    EXPECT_EQ(out.commandsRefused, 1u);
    EXPECT_EQ(engine.applied.size(), 2u);  // the walker's orders still arrived
}

TEST_F(FrameDriverTest, AnUnknownKindIsRefusedWithTheRuntimesReason) {
    const Spawned s = driver.spawn("dragon");
    EXPECT_FALSE(s.npc);
    ASSERT_TRUE(s.problem);
    EXPECT_EQ(s.problem->step, FrameStep::Spawn);
    EXPECT_EQ(s.problem->result, AICORE_NOT_FOUND);
    EXPECT_NE(s.problem->reason.find("walker"), std::string::npos) << s.problem->reason;
    EXPECT_EQ(driver.slots().liveCount(), 0u);
}

TEST_F(FrameDriverTest, ARefusedPushIsAProblemAndTheFrameStillRuns) {
    const std::uint8_t notAnEvent[] = {0x91, 0x2a};  // [42]
    const FrameOutcome& out = driver.runFrame(1.0 / 60.0, engine, notAnEvent);
    EXPECT_TRUE(out.completed);
    EXPECT_EQ(out.tick, AICORE_OK);
    ASSERT_EQ(out.problems.size(), 1u);
    EXPECT_EQ(out.problems[0].step, FrameStep::PushEvents);
    EXPECT_EQ(out.problems[0].result, AICORE_BAD_MESSAGE);
    EXPECT_FALSE(out.problems[0].reason.empty());
}

TEST_F(FrameDriverTest, AFailedTickEndsTheFrameAndSaysWhy) {
    const FrameOutcome& out = driver.runFrame(-1.0, engine);
    EXPECT_FALSE(out.completed);
    ASSERT_EQ(out.problems.size(), 1u);
    EXPECT_EQ(out.problems[0].step, FrameStep::Tick);
    EXPECT_EQ(out.problems[0].result, AICORE_INVALID_ARGUMENT);
    EXPECT_STREQ(frameStepName(out.problems[0].step), "tick");
}

TEST(FrameDriver, StartingWithoutARuntimeIsAProblemNotACrash) {
    const auto started = FrameDriver::start(nullptr);
    EXPECT_FALSE(started.driver);
    ASSERT_TRUE(started.problem);
    EXPECT_EQ(started.problem->step, FrameStep::WorldGet);
}
