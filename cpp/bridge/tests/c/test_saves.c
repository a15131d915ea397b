/* Saves through the C ABI, as an engine in C makes them: save, play on, load back and see
   the NPC remember what it did at the save; list (an older, smaller aicore_save_info gets
   only what fits), delete; the refusals (bad slot names, a missing slot, a damaged file,
   no store) each with its result code and a last error that names the slot or the file;
   and the config's profile and autosave_seconds, which an older config leaves unset. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Each on_tick (every frame) emotes how many ticks it remembers having run, then counts this one. */
static const char* const kCounterScript =
    "from engine_bridge.api import Npc\n"
    "\n"
    "class Counter(Npc):\n"
    "    kind = 'counter'\n"
    "    decision_rate = 60.0\n" /* one on_tick a frame at 60 Hz */
    "\n"
    "    def on_tick(self, dt):\n"
    "        n = self.recall('n', 0)\n"
    "        self.emote(f'count-{n}-')\n"
    "        self.remember('n', n + 1)\n";

static int file_exists(const char* path) {
    FILE* f = fopen(path, "rb");
    if (f == NULL) return 0;
    fclose(f);
    return 1;
}

/* Whether `needle` occurs in the `size` bytes at `data` (C99 has no memmem). */
static int bytes_contain(const uint8_t* data, size_t size, const char* needle) {
    size_t n = strlen(needle), i;
    for (i = 0; i + n <= size; ++i)
        if (memcmp(data + i, needle, n) == 0) return 1;
    return 0;
}

/* Runs `ticks` frames and reports whether the commands they produced contain `needle`. */
static int ticks_emit(aicore_runtime* rt, int ticks, const char* needle) {
    static uint8_t buffer[1 << 16];
    size_t written = 0;
    int i, found = 0;
    for (i = 0; i < ticks; ++i) {
        CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
        CHECK_RESULT(aicore_drain_commands(rt, buffer, sizeof buffer, &written), AICORE_OK);
        if (needle != NULL && bytes_contain(buffer, written, needle)) found = 1;
    }
    return found;
}

/* A runtime with the counter script saving under `save_dir`, and its one NPC spawned. */
static aicore_runtime* make_runtime(const char* save_dir, aicore_runtime_config* config) {
    aicore_runtime* rt = NULL;
    uint32_t slot = 0;
    config->save_dir = save_dir;
    CHECK_RESULT(aicore_runtime_create(config, &rt), AICORE_OK);
    if (rt == NULL) {
        fprintf(stderr, "  create: %s\n", aicore_last_create_error());
        return NULL;
    }
    CHECK_RESULT(aicore_npc_spawn(rt, "counter", &slot), AICORE_OK);
    return rt;
}

static aicore_runtime* counter_runtime(const char* name, char* save_dir, size_t size) {
    static char scripts[512];
    aicore_runtime_config config;
    harness_temp_dir("saves_scripts", scripts, sizeof scripts);
    harness_write_file(scripts, "counter.py", kCounterScript);
    harness_temp_dir(name, save_dir, size);
    harness_config(&config, scripts, NULL);
    return make_runtime(save_dir, &config);
}

static void save_play_on_load_back(void) {
    char dir[512];
    aicore_runtime* rt = counter_runtime("saves_round_trip", dir, sizeof dir);
    if (rt == NULL) return;
    CHECK(ticks_emit(rt, 3, "count-2-"));
    CHECK_RESULT(aicore_save(rt, "first"), AICORE_OK);
    CHECK(ticks_emit(rt, 2, "count-4-")); /* the play goes on past the save */
    CHECK_RESULT(aicore_load(rt, "first"), AICORE_OK);
    /* Back to what the save held: three ticks counted. */
    CHECK(ticks_emit(rt, 1, "count-3-"));
    aicore_runtime_destroy(rt);
}

static void list_honours_struct_size_and_delete_removes(void) {
    char dir[512];
    uint32_t count = 0, i, first = 0, previous = 0;
    aicore_save_info info, small;
    aicore_runtime* rt = counter_runtime("saves_list", dir, sizeof dir);
    if (rt == NULL) return;
    CHECK_RESULT(aicore_saves_refresh(rt, &count), AICORE_OK);
    CHECK(count == 0);
    ticks_emit(rt, 1, NULL);
    CHECK_RESULT(aicore_save(rt, "first"), AICORE_OK);
    CHECK_RESULT(aicore_save(rt, "first"), AICORE_OK); /* the first save becomes its previous */
    CHECK_RESULT(aicore_save(rt, "second"), AICORE_OK);
    CHECK_RESULT(aicore_saves_refresh(rt, &count), AICORE_OK);
    CHECK(count == 3);
    for (i = 0; i < count; ++i) {
        memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        CHECK_RESULT(aicore_save_info_get(rt, i, &info), AICORE_OK);
        CHECK(info.struct_size == sizeof info);
        CHECK(info.problem == NULL);
        CHECK(info.label != NULL);
        CHECK(info.saved_at_unix > 1.0e9);
        CHECK(info.schema_version >= 1);
        if (strcmp(info.slot, "first") == 0) {
            if (info.previous) ++previous;
            else ++first;
        }
    }
    CHECK(first == 1 && previous == 1);

    /* An engine built against a header whose struct ended before `problem`: the fields
       after it are not touched, and struct_size says what was written. */
    memset(&small, 0xAB, sizeof small);
    small.struct_size = (uint32_t)offsetof(aicore_save_info, problem);
    CHECK_RESULT(aicore_save_info_get(rt, 0, &small), AICORE_OK);
    CHECK(small.struct_size == offsetof(aicore_save_info, problem));
    CHECK(small.slot != NULL && small.label != NULL);
    {
        unsigned char untouched[sizeof small];
        memset(untouched, 0xAB, sizeof untouched);
        CHECK(memcmp((const unsigned char*)&small + offsetof(aicore_save_info, problem),
                     untouched + offsetof(aicore_save_info, problem),
                     sizeof small - offsetof(aicore_save_info, problem)) == 0);
    }
    small.struct_size = 2; /* does not reach `slot` */
    CHECK_RESULT(aicore_save_info_get(rt, 0, &small), AICORE_INVALID_ARGUMENT);
    info.struct_size = sizeof info;
    CHECK_RESULT(aicore_save_info_get(rt, count, &info), AICORE_INVALID_ARGUMENT);
    CHECK(strstr(aicore_runtime_last_error(rt), "index") != NULL);
    CHECK_RESULT(aicore_save_info_get(rt, 0, NULL), AICORE_INVALID_ARGUMENT);

    CHECK_RESULT(aicore_save_delete(rt, "first"), AICORE_OK);
    CHECK_RESULT(aicore_saves_refresh(rt, &count), AICORE_OK);
    CHECK(count == 1);
    CHECK_RESULT(aicore_save_info_get(rt, 0, &info), AICORE_OK);
    CHECK(strcmp(info.slot, "second") == 0);
    CHECK_RESULT(aicore_save_delete(rt, "first"), AICORE_NOT_FOUND);
    CHECK(strstr(aicore_runtime_last_error(rt), "first") != NULL);
    aicore_runtime_destroy(rt);
}

static void bad_slots_and_missing_slots_are_refused(void) {
    static const char* const bad[] = {"../x", "/tmp/abs", "", "a/b", "CON", "x\xff"};
    char dir[512];
    size_t i;
    uint32_t count = 0;
    aicore_runtime* rt = counter_runtime("saves_refused", dir, sizeof dir);
    if (rt == NULL) return;
    for (i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        CHECK_RESULT(aicore_save(rt, bad[i]), AICORE_INVALID_ARGUMENT);
        CHECK(aicore_runtime_last_error(rt)[0] != '\0');
        CHECK_RESULT(aicore_load(rt, bad[i]), AICORE_INVALID_ARGUMENT);
        CHECK_RESULT(aicore_save_delete(rt, bad[i]), AICORE_INVALID_ARGUMENT);
    }
    CHECK_RESULT(aicore_save(rt, "../x"), AICORE_INVALID_ARGUMENT);
    CHECK(strstr(aicore_runtime_last_error(rt), "../x") != NULL);
    CHECK_RESULT(aicore_save(rt, NULL), AICORE_INVALID_ARGUMENT);
    CHECK(strstr(aicore_runtime_last_error(rt), "NULL") != NULL);
    CHECK_RESULT(aicore_load(rt, NULL), AICORE_INVALID_ARGUMENT);
    CHECK_RESULT(aicore_save_delete(rt, NULL), AICORE_INVALID_ARGUMENT);
    CHECK_RESULT(aicore_saves_refresh(rt, NULL), AICORE_INVALID_ARGUMENT);
    CHECK_RESULT(aicore_saves_refresh(rt, &count), AICORE_OK);
    CHECK(count == 0); /* nothing was written by a refused call */

    CHECK_RESULT(aicore_load(rt, "never_saved"), AICORE_NOT_FOUND);
    CHECK(strstr(aicore_runtime_last_error(rt), "never_saved") != NULL);

    CHECK_RESULT(aicore_save(NULL, "x"), AICORE_INVALID_ARGUMENT);
    CHECK_RESULT(aicore_load(NULL, "x"), AICORE_INVALID_ARGUMENT);
    CHECK_RESULT(aicore_save_delete(NULL, "x"), AICORE_INVALID_ARGUMENT);
    CHECK_RESULT(aicore_saves_refresh(NULL, &count), AICORE_INVALID_ARGUMENT);
    CHECK_RESULT(aicore_save_info_get(NULL, 0, NULL), AICORE_INVALID_ARGUMENT);
    aicore_runtime_destroy(rt);
}

static void a_damaged_save_is_corrupt_and_its_previous_stays_sound(void) {
    char dir[512], path[700];
    uint32_t count = 0, i, sound_previous = 0, damaged = 0;
    aicore_save_info info;
    FILE* f;
    aicore_runtime* rt = counter_runtime("saves_damaged", dir, sizeof dir);
    if (rt == NULL) return;
    ticks_emit(rt, 2, NULL);
    CHECK_RESULT(aicore_save(rt, "hero"), AICORE_OK);
    ticks_emit(rt, 2, NULL);
    CHECK_RESULT(aicore_save(rt, "hero"), AICORE_OK);
    /* Truncated as a crash or a full disk outside the store might leave it: the first
       page (the header) stays, the rest is gone. */
    snprintf(path, sizeof path, "%s/default/slots/hero.db", dir);
    CHECK(file_exists(path));
    {
        unsigned char head[1024];
        size_t got;
        f = fopen(path, "rb");
        CHECK(f != NULL);
        if (f == NULL) return;
        got = fread(head, 1, sizeof head, f);
        fclose(f);
        f = fopen(path, "wb");
        CHECK(f != NULL);
        if (f == NULL) return;
        CHECK(fwrite(head, 1, got, f) == got);
        fclose(f);
    }
    CHECK_RESULT(aicore_load(rt, "hero"), AICORE_CORRUPT);
    CHECK(strstr(aicore_runtime_last_error(rt), "hero.db") != NULL);
    fprintf(stderr, "  load of the damaged save: %s\n", aicore_runtime_last_error(rt));
    CHECK_RESULT(aicore_saves_refresh(rt, &count), AICORE_OK);
    for (i = 0; i < count; ++i) {
        info.struct_size = sizeof info;
        CHECK_RESULT(aicore_save_info_get(rt, i, &info), AICORE_OK);
        if (strcmp(info.slot, "hero") != 0) continue;
        if (info.previous && info.problem == NULL) ++sound_previous;
        if (!info.previous && info.problem != NULL && strstr(info.problem, "hero.db") != NULL) ++damaged;
    }
    CHECK(sound_previous == 1);
    CHECK(damaged == 1);
    /* The runtime plays on after the refusal. */
    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    aicore_runtime_destroy(rt);
}

static void without_a_save_dir_the_save_calls_say_so(void) {
    aicore_runtime_config config;
    aicore_runtime* rt = NULL;
    uint32_t count = 7;
    harness_config(&config, NULL, NULL);
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_OK);
    if (rt == NULL) return;
    CHECK_RESULT(aicore_save(rt, "x"), AICORE_ERROR);
    CHECK(strstr(aicore_runtime_last_error(rt), "save folder") != NULL);
    CHECK_RESULT(aicore_saves_refresh(rt, &count), AICORE_ERROR);
    CHECK(count == 0);
    aicore_runtime_destroy(rt);
}

/* A pull needs cloud sync: without it the call is AICORE_UNAVAILABLE and writes nothing;
   a NULL out or one too small to reach `slot` is refused before anything is asked. */
static void a_pull_without_cloud_sync_is_unavailable(void) {
    char dir[512], path[700];
    aicore_save_info info, small;
    aicore_runtime* rt = counter_runtime("saves_pull", dir, sizeof dir);
    if (rt == NULL) return;
    memset(&info, 0, sizeof info);
    info.struct_size = sizeof info;
    CHECK_RESULT(aicore_saves_pull(rt, "hero", &info), AICORE_UNAVAILABLE);
    CHECK(strstr(aicore_runtime_last_error(rt), "slot 'hero'") != NULL);
    CHECK_RESULT(aicore_saves_pull(rt, NULL, &info), AICORE_UNAVAILABLE);
    CHECK_RESULT(aicore_saves_pull(rt, "hero", NULL), AICORE_INVALID_ARGUMENT);
    small.struct_size = (uint32_t)offsetof(aicore_save_info, slot);
    CHECK_RESULT(aicore_saves_pull(rt, "hero", &small), AICORE_INVALID_ARGUMENT);
    CHECK_RESULT(aicore_saves_pull(rt, "bad\xff", &info), AICORE_INVALID_ARGUMENT);
    CHECK_RESULT(aicore_saves_pull(NULL, "hero", &info), AICORE_INVALID_ARGUMENT);
    snprintf(path, sizeof path, "%s/default/slots/hero.db", dir);
    CHECK(!file_exists(path));
    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK); /* the game plays on */
    aicore_runtime_destroy(rt);
}

static void profile_and_autosave_come_from_the_config_and_an_older_config_leaves_them(void) {
    char scripts[512], dir[512], path[700];
    aicore_runtime_config config;
    aicore_runtime* rt;
    harness_temp_dir("saves_profile_scripts", scripts, sizeof scripts);
    harness_write_file(scripts, "counter.py", kCounterScript);

    harness_temp_dir("saves_profile", dir, sizeof dir);
    harness_config(&config, scripts, NULL);
    CHECK(config.profile == NULL && config.autosave_seconds == 0.0); /* _init's defaults */
    config.profile = "hero";
    config.autosave_seconds = 0.05;
    rt = make_runtime(dir, &config);
    if (rt == NULL) return;
    ticks_emit(rt, 12, NULL); /* 0.2 s of game time: past the autosave interval */
    CHECK_RESULT(aicore_save(rt, "manual"), AICORE_OK);
    aicore_runtime_destroy(rt); /* closing the store finishes the autosave in flight */
    snprintf(path, sizeof path, "%s/hero/slots/manual.db", dir);
    CHECK(file_exists(path));
    snprintf(path, sizeof path, "%s/hero/slots/autosave.db", dir);
    CHECK(file_exists(path));

    /* A config from before profile and autosave_seconds: whatever lies past its
       struct_size is not read. */
    harness_temp_dir("saves_old_config", dir, sizeof dir);
    harness_config(&config, scripts, NULL);
    config.struct_size = (uint32_t)offsetof(aicore_runtime_config, profile);
    config.profile = "../not-read";
    config.autosave_seconds = 0.05;
    rt = make_runtime(dir, &config);
    if (rt == NULL) return;
    ticks_emit(rt, 12, NULL);
    CHECK_RESULT(aicore_save(rt, "manual"), AICORE_OK);
    aicore_runtime_destroy(rt);
    snprintf(path, sizeof path, "%s/default/slots/manual.db", dir);
    CHECK(file_exists(path));
    snprintf(path, sizeof path, "%s/default/slots/autosave.db", dir);
    CHECK(!file_exists(path));

    /* A profile that is not UTF-8 fails create. */
    harness_config(&config, scripts, NULL);
    config.save_dir = dir;
    config.profile = "bad\xff";
    rt = NULL;
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_INVALID_ARGUMENT);
    CHECK(rt == NULL);
    CHECK(strstr(aicore_last_create_error(), "profile") != NULL);
}

int main(int argc, char** argv) {
    static const harness_case cases[] = {
        {"save_play_on_load_back", save_play_on_load_back},
        {"list_honours_struct_size_and_delete_removes", list_honours_struct_size_and_delete_removes},
        {"bad_slots_and_missing_slots_are_refused", bad_slots_and_missing_slots_are_refused},
        {"a_damaged_save_is_corrupt_and_its_previous_stays_sound", a_damaged_save_is_corrupt_and_its_previous_stays_sound},
        {"without_a_save_dir_the_save_calls_say_so", without_a_save_dir_the_save_calls_say_so},
        {"a_pull_without_cloud_sync_is_unavailable", a_pull_without_cloud_sync_is_unavailable},
        {"profile_and_autosave_come_from_the_config_and_an_older_config_leaves_them",
         profile_and_autosave_come_from_the_config_and_an_older_config_leaves_them},
    };
    return harness_main(cases, sizeof cases / sizeof cases[0], argc, argv);
}
