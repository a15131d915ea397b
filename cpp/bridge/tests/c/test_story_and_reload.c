/* aicore_story_flag_get and aicore_scripts_reload as an engine calls them: a story layered
   over the shipped content declares a bool, an int and a string flag, a script changes the
   int during a frame, and each type reads back with its value and its text; unknown, NULL
   and non-UTF-8 names are refused without a crash. An edited script runs its new version
   after one reload call, the NPC's state kept; a broken edit is reported by file and line
   while the last good version keeps running; a new script file loads too. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"

static const char* const kStory =
    "title = \"ABI test\"\n"
    "ending = \"abi_done\"\n"
    "[flags]\n"
    "abi_gate_open = true\n"
    "abi_coins = -42\n"
    "abi_name = \"Ysolde\"\n"
    "[[quest]]\n"
    "id = \"abi_quest\"\n"
    "title = \"Q\"\n"
    "summary = \"S\"\n"
    "[[beat]]\n"
    "id = \"abi_done\"\n"
    "quest = \"abi_quest\"\n"
    "title = \"Done\"\n"
    "summary = \"S\"\n"
    "trigger = {manual = true}\n";

/* The script, emitting `emote` every tick and counting its ticks in its own state. */
static void write_mood(const char* dir, const char* emote) {
    char text[1024];
    snprintf(text, sizeof text,
             "from engine_bridge.api import Npc\n"
             "\n"
             "class Mood(Npc):\n"
             "    kind = 'mood'\n"
             "    decision_rate = 60.0\n" /* on_tick every 60 Hz frame */
             "\n"
             "    def on_tick(self, dt):\n"
             "        self.ticks = getattr(self, 'ticks', 0) + 1\n"
             "        self.emote('%s_' + str(self.ticks))\n"
             "        if self.story is not None and 'abi_coins' in self.story.flags:\n"
             "            self.story.set_flag('abi_coins', 7)\n",
             emote);
    harness_write_file(dir, "mood.py", text);
}

/* Whether the commands drained now contain `needle` (emote names are plain bytes there). */
static int drained_contains(aicore_runtime* rt, const char* needle) {
    static uint8_t buffer[65536];
    size_t written = 0, i, n = strlen(needle);
    if (aicore_drain_commands(rt, buffer, sizeof buffer, &written) != AICORE_OK) return 0;
    for (i = 0; i + n <= written; ++i)
        if (memcmp(buffer + i, needle, n) == 0) return 1;
    return 0;
}

static aicore_runtime* create(const char* scripts, const char* layer, harness_log* log) {
    aicore_runtime_config config;
    aicore_runtime* rt = NULL;
    const char* roots[1];
    roots[0] = layer;
    harness_config(&config, scripts, log);
    config.content_roots = roots;
    config.content_root_count = layer != NULL ? 1u : 0u;
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_OK);
    return rt;
}

static void each_flag_type_reads_back_and_bad_names_are_refused(void) {
    char scripts[512], layer[512];
    harness_log log;
    aicore_story_flag flag;
    aicore_runtime* rt;
    uint32_t slot = 0;

    harness_temp_dir("story_flag_scripts", scripts, sizeof scripts);
    harness_temp_dir("story_flag_layer", layer, sizeof layer);
    harness_make_dir(layer, "story");
    harness_write_file(layer, "story/abi_test.toml", kStory);
    write_mood(scripts, "v1");
    rt = create(scripts, layer, &log);
    if (rt == NULL) return;

    memset(&flag, 0, sizeof flag);
    flag.struct_size = sizeof flag;
    CHECK_RESULT(aicore_story_flag_get(rt, "abi_gate_open", &flag), AICORE_OK);
    CHECK(flag.type == AICORE_STORY_FLAG_BOOL && flag.value == 1);
    CHECK(flag.text != NULL && strcmp(flag.text, "true") == 0 && flag.text_size == 4);
    CHECK(flag.struct_size == sizeof flag);
    CHECK_RESULT(aicore_story_flag_get(rt, "abi_coins", &flag), AICORE_OK);
    CHECK(flag.type == AICORE_STORY_FLAG_INT && flag.value == -42 && strcmp(flag.text, "-42") == 0);
    CHECK_RESULT(aicore_story_flag_get(rt, "abi_name", &flag), AICORE_OK);
    CHECK(flag.type == AICORE_STORY_FLAG_STRING && flag.value == 0 && strcmp(flag.text, "Ysolde") == 0);
    CHECK(flag.text_size == 6);
    /* The shipped story, under the layer, is read the same way. */
    CHECK_RESULT(aicore_story_flag_get(rt, "met_broker", &flag), AICORE_OK);
    CHECK(flag.type == AICORE_STORY_FLAG_BOOL && flag.value == 0 && strcmp(flag.text, "false") == 0);

    /* A script sets the int during a frame: the next read sees it. */
    CHECK_RESULT(aicore_npc_spawn(rt, "mood", &slot), AICORE_OK);
    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    CHECK_RESULT(aicore_story_flag_get(rt, "abi_coins", &flag), AICORE_OK);
    CHECK(flag.type == AICORE_STORY_FLAG_INT && flag.value == 7 && strcmp(flag.text, "7") == 0);

    /* Refusals leave *out as it was. */
    CHECK_RESULT(aicore_story_flag_get(rt, "no_such_flag", &flag), AICORE_NOT_FOUND);
    CHECK(strstr(aicore_runtime_last_error(rt), "no_such_flag") != NULL);
    CHECK(strstr(aicore_runtime_last_error(rt), "abi_coins") != NULL); /* the known ones */
    CHECK(flag.value == 7);
    CHECK_RESULT(aicore_story_flag_get(rt, NULL, &flag), AICORE_INVALID_ARGUMENT);
    CHECK_RESULT(aicore_story_flag_get(rt, "abi_\xff\xfe", &flag), AICORE_INVALID_ARGUMENT);
    CHECK(strstr(aicore_runtime_last_error(rt), "\\xff") != NULL);
    CHECK_RESULT(aicore_story_flag_get(rt, "abi_coins", NULL), AICORE_INVALID_ARGUMENT);
    flag.struct_size = (uint32_t)offsetof(aicore_story_flag, text_size);
    CHECK_RESULT(aicore_story_flag_get(rt, "abi_coins", &flag), AICORE_INVALID_ARGUMENT);
    CHECK_RESULT(aicore_story_flag_get(NULL, "abi_coins", &flag), AICORE_INVALID_ARGUMENT);
    flag.struct_size = sizeof flag;
    CHECK_RESULT(aicore_story_flag_get(rt, "", &flag), AICORE_NOT_FOUND);
    aicore_runtime_destroy(rt);
}

static void story_off_is_not_found(void) {
    char scripts[512], empty[512];
    harness_log log;
    aicore_story_flag flag;
    aicore_runtime_config config;
    aicore_runtime* rt = NULL;

    harness_temp_dir("story_off_scripts", scripts, sizeof scripts);
    harness_temp_dir("story_off_content", empty, sizeof empty); /* a root with no story */
    harness_config(&config, scripts, &log);
    config.content_root = empty;
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_OK);
    if (rt == NULL) return;
    memset(&flag, 0, sizeof flag);
    flag.struct_size = sizeof flag;
    CHECK_RESULT(aicore_story_flag_get(rt, "met_broker", &flag), AICORE_NOT_FOUND);
    CHECK(strstr(aicore_runtime_last_error(rt), "story system is off") != NULL);
    aicore_runtime_destroy(rt);
}

static void a_reload_runs_the_edit_and_keeps_the_old_version_past_a_broken_one(void) {
    char scripts[512];
    harness_log log;
    aicore_runtime* rt;
    uint32_t slot = 0, reloaded = 99;

    harness_temp_dir("scripts_reload", scripts, sizeof scripts);
    write_mood(scripts, "v1");
    rt = create(scripts, NULL, &log);
    if (rt == NULL) return;
    CHECK_RESULT(aicore_npc_spawn(rt, "mood", &slot), AICORE_OK);
    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    CHECK(drained_contains(rt, "v1_1"));

    /* Nothing changed: nothing reloads. */
    CHECK_RESULT(aicore_scripts_reload(rt, &reloaded), AICORE_OK);
    CHECK(reloaded == 0);

    /* An edit runs at the next tick, the NPC's own count going on. */
    write_mood(scripts, "v2");
    CHECK_RESULT(aicore_scripts_reload(rt, &reloaded), AICORE_OK);
    CHECK(reloaded == 1);
    CHECK_RESULT(aicore_scripts_reload(rt, NULL), AICORE_OK); /* loaded already: 0, no out */
    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    CHECK(drained_contains(rt, "v2_2"));

    /* A broken edit: reported with its file and line, v2 keeps running. */
    harness_write_file(scripts, "mood.py", "from engine_bridge.api import Npc\n\nclass Mood(Npc:\n");
    CHECK_RESULT(aicore_scripts_reload(rt, &reloaded), AICORE_SCRIPT_ERROR);
    CHECK(reloaded == 0);
    CHECK(strstr(aicore_runtime_last_error(rt), "mood.py:3") != NULL);
    CHECK(strstr(aicore_runtime_last_error(rt), "SyntaxError") != NULL);
    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    CHECK(drained_contains(rt, "v2_3"));
    /* Unchanged since it failed: not tried again. */
    CHECK_RESULT(aicore_scripts_reload(rt, &reloaded), AICORE_OK);
    CHECK(reloaded == 0);

    /* The fix and a new file: both load. */
    write_mood(scripts, "v3");
    harness_write_file(scripts, "newcomer.py",
                       "from engine_bridge.api import Npc\n\nclass Newcomer(Npc):\n    kind = 'newcomer'\n");
    CHECK_RESULT(aicore_kind_find(rt, "newcomer", NULL), AICORE_NOT_FOUND);
    CHECK_RESULT(aicore_scripts_reload(rt, &reloaded), AICORE_OK);
    CHECK(reloaded == 2);
    CHECK_RESULT(aicore_kind_find(rt, "newcomer", NULL), AICORE_OK);
    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    CHECK(drained_contains(rt, "v3_4"));

    CHECK_RESULT(aicore_scripts_reload(NULL, &reloaded), AICORE_INVALID_ARGUMENT);
    aicore_runtime_destroy(rt);
}

int main(int argc, char** argv) {
    static const harness_case cases[] = {
        {"each_flag_type_reads_back_and_bad_names_are_refused", each_flag_type_reads_back_and_bad_names_are_refused},
        {"story_off_is_not_found", story_off_is_not_found},
        {"a_reload_runs_the_edit_and_keeps_the_old_version_past_a_broken_one",
         a_reload_runs_the_edit_and_keeps_the_old_version_past_a_broken_one},
    };
    return harness_main(cases, sizeof cases / sizeof cases[0], argc, argv);
}
