/* The runtime's lifecycle keeps its contract under misuse: create's argument checks, two
   runtimes side by side (each with its own log), a flat memory footprint over many
   create/destroy cycles, the spawn contract (an unknown kind or a broken script's kind
   takes no slot), and a last error that always describes the call that just failed,
   without echoing raw caller bytes. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static int contains(const char* text, const char* needle) { return text != NULL && strstr(text, needle) != NULL; }

/* Whether `text` holds a control byte or a byte >= 0x80 that is not part of valid UTF-8
   (a message must never carry the caller's raw bytes). */
static int has_raw_bytes(const char* text) {
    const unsigned char* p = (const unsigned char*)text;
    while (*p != '\0') {
        int n = 0, k;
        if (*p < 0x20 || *p == 0x7F) return 1;
        if (*p < 0x80) {
            ++p;
            continue;
        }
        if (*p >= 0xC2 && *p <= 0xDF) n = 1;
        else if (*p >= 0xE0 && *p <= 0xEF) n = 2;
        else if (*p >= 0xF0 && *p <= 0xF4) n = 3;
        else return 1;
        for (k = 1; k <= n; ++k)
            if (p[k] < 0x80 || p[k] > 0xBF) return 1;
        p += n + 1;
    }
    return 0;
}

static int bytes_contain(const uint8_t* data, size_t size, const char* needle) {
    size_t n = strlen(needle), i;
    for (i = 0; i + n <= size; ++i)
        if (memcmp(data + i, needle, n) == 0) return 1;
    return 0;
}

static aicore_runtime* create_or_report(aicore_runtime_config* config) {
    aicore_runtime* rt = NULL;
    aicore_result r = aicore_runtime_create(config, &rt);
    if (r != AICORE_OK) {
        fprintf(stderr, "create failed: %s: %s\n", aicore_result_string(r), aicore_last_create_error());
        ++harness_failures;
    }
    return rt;
}

static uint32_t npcs_of(const aicore_runtime* rt) {
    aicore_metrics m;
    memset(&m, 0, sizeof m);
    m.struct_size = sizeof m;
    if (aicore_metrics_get(rt, &m) != AICORE_OK) return 0xFFFFFFFFu;
    return m.npcs;
}

/* --- create ------------------------------------------------------------------------- */

static void create_with_a_null_config_sets_out_to_null(void) {
    aicore_runtime_config config;
    aicore_runtime* rt = (aicore_runtime*)&config; /* anything but NULL */
    CHECK_RESULT(aicore_runtime_create(NULL, &rt), AICORE_INVALID_ARGUMENT);
    CHECK(rt == NULL);
    CHECK(contains(aicore_last_create_error(), "aicore_runtime_config_init"));
    CHECK_RESULT(aicore_runtime_create(&config, NULL), AICORE_INVALID_ARGUMENT);
}

static void zero_custom_channels_give_empty_custom_views(void) {
    aicore_runtime_config config;
    aicore_runtime* rt;
    aicore_world world;
    char dir[512];
    uint8_t buffer[4096];
    size_t written = 0;

    harness_temp_dir("zero_channels", dir, sizeof dir);
    harness_write_file(dir, "shape.py",
                       "def on_frame(runtime, dt, events):\n"
                       "    shape = runtime.world.custom.shape\n"
                       "    runtime.emit({'type': 'say', 'npc': 0, 'text': f'custom {shape[0]}x{shape[1]}'})\n");
    harness_config(&config, dir, NULL);
    config.custom_channels = 0;
    rt = create_or_report(&config);
    if (rt == NULL) return;
    CHECK_RESULT(aicore_world_get(rt, &world), AICORE_OK);
    CHECK(world.custom_channels == 0);
    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    CHECK_RESULT(aicore_drain_commands(rt, buffer, sizeof buffer, &written), AICORE_OK);
    CHECK(bytes_contain(buffer, written, "custom 64x0"));
    aicore_runtime_destroy(rt);
}

static void a_missing_content_root_or_script_folder_fails_create_naming_it(void) {
    aicore_runtime_config config;
    aicore_runtime* rt = NULL;
    const char* roots[1];
    const char* missing = "/nonexistent/aicore_content_root";
    const char* missing_scripts = "/nonexistent/aicore_npc_scripts";

    harness_config(&config, NULL, NULL);
    config.content_root = missing;
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_NOT_FOUND);
    CHECK(rt == NULL);
    CHECK(contains(aicore_last_create_error(), missing));

    harness_config(&config, NULL, NULL);
    roots[0] = missing;
    config.content_roots = roots;
    config.content_root_count = 1;
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_NOT_FOUND);
    CHECK(contains(aicore_last_create_error(), missing));

    harness_config(&config, missing_scripts, NULL);
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_NOT_FOUND);
    CHECK(rt == NULL);
    CHECK(contains(aicore_last_create_error(), missing_scripts));
}

/* --- spawn -------------------------------------------------------------------------- */

static const char* kBell =
    "from engine_bridge.api import Npc\n"
    "\n"
    "class Bell(Npc):\n"
    "    kind = 'bell'\n";

static void an_unknown_kind_is_not_found_and_takes_no_slot(void) {
    aicore_runtime_config config;
    aicore_runtime* rt;
    aicore_world world;
    char dir[512];
    uint32_t slot = 77, i;

    harness_temp_dir("unknown_kind", dir, sizeof dir);
    harness_write_file(dir, "bell.py", kBell);
    harness_config(&config, dir, NULL);
    rt = create_or_report(&config);
    if (rt == NULL) return;
    CHECK_RESULT(aicore_npc_spawn(rt, "bel", &slot), AICORE_NOT_FOUND);
    CHECK(slot == 77);
    CHECK(contains(aicore_runtime_last_error(rt), "'bel'"));
    CHECK(contains(aicore_runtime_last_error(rt), "defined: bell"));
    CHECK(npcs_of(rt) == 0);
    CHECK_RESULT(aicore_world_get(rt, &world), AICORE_OK);
    for (i = 0; i < world.capacity; ++i) CHECK(world.alive[i] == 0);
    CHECK_RESULT(aicore_npc_spawn(rt, "bell", &slot), AICORE_OK);
    CHECK(slot == 0); /* the refused spawn left slot 0 free */
    CHECK(npcs_of(rt) == 1);
    aicore_runtime_destroy(rt);
}

static void a_broken_scripts_kind_is_a_script_error_and_its_file_a_problem(void) {
    aicore_runtime_config config;
    aicore_runtime* rt;
    harness_log log;
    aicore_content_problem p;
    char dir[512];
    uint32_t slot = 77, i;
    int syntax_listed = 0, raising_listed = 0;

    harness_temp_dir("broken_script", dir, sizeof dir);
    harness_write_file(dir, "bell.py", kBell);
    harness_write_file(dir, "crow.py",
                       "from engine_bridge.api import Npc\n"
                       "class Crow(Npc):\n"
                       "    kind = 'crow'\n"
                       "    def on_spawn(self:\n"
                       "        pass\n");
    harness_write_file(dir, "owl_nest.py",
                       "from engine_bridge.api import Npc\n"
                       "class Owl(Npc):\n"
                       "    kind = 'owl'\n"
                       "\n"
                       "raise RuntimeError('the nest fell')\n");
    harness_config(&config, dir, &log);
    rt = create_or_report(&config); /* broken scripts do not fail create: saving a fix reloads them */
    if (rt == NULL) return;
    CHECK(harness_log_contains(&log, "crow.py"));
    CHECK(harness_log_contains(&log, "owl_nest.py"));
    for (i = 0; i < aicore_runtime_content_problem_count(rt); ++i) {
        CHECK_RESULT(aicore_runtime_content_problem(rt, i, &p), AICORE_OK);
        if (strcmp(p.system, "scripts") != 0) continue;
        CHECK(p.file != NULL);
        CHECK(p.reason != NULL && p.reason[0] != '\0');
        if (contains(p.file, "crow.py")) {
            syntax_listed = 1;
            CHECK(p.line == 4);
            CHECK(contains(p.reason, "SyntaxError"));
        }
        if (contains(p.file, "owl_nest.py")) {
            raising_listed = 1;
            CHECK(p.line == 5);
            CHECK(contains(p.reason, "the nest fell"));
        }
    }
    CHECK(syntax_listed);
    CHECK(raising_listed);

    CHECK_RESULT(aicore_npc_spawn(rt, "crow", &slot), AICORE_SCRIPT_ERROR);
    CHECK(contains(aicore_runtime_last_error(rt), "crow.py:4"));
    CHECK_RESULT(aicore_npc_spawn(rt, "owl", &slot), AICORE_SCRIPT_ERROR);
    CHECK(contains(aicore_runtime_last_error(rt), "owl_nest.py:5"));
    CHECK(contains(aicore_runtime_last_error(rt), "the nest fell"));
    CHECK(slot == 77);
    CHECK(npcs_of(rt) == 0);
    CHECK_RESULT(aicore_kind_find(rt, "crow", NULL), AICORE_NOT_FOUND);
    CHECK(contains(aicore_runtime_last_error(rt), "crow.py"));
    CHECK_RESULT(aicore_npc_spawn(rt, "bell", &slot), AICORE_OK);
    CHECK(slot == 0);
    aicore_runtime_destroy(rt);
}

/* --- the last error ----------------------------------------------------------------- */

static void every_failure_sets_the_last_error(void) {
    aicore_runtime_config config;
    aicore_runtime* rt;
    aicore_metrics small;
    aicore_content_problem p;
    uint8_t buffer[16];
    uint32_t slot;

    harness_config(&config, NULL, NULL);
    rt = create_or_report(&config);
    if (rt == NULL) return;
    /* Each failing call replaces the previous call's message with its own. */
    CHECK_RESULT(aicore_npc_spawn(rt, "nobody", &slot), AICORE_NOT_FOUND);
    CHECK(contains(aicore_runtime_last_error(rt), "'nobody'"));
    CHECK_RESULT(aicore_npc_despawn(rt, 9999), AICORE_INVALID_ARGUMENT);
    CHECK(contains(aicore_runtime_last_error(rt), "9999"));
    CHECK_RESULT(aicore_npc_despawn(rt, 3), AICORE_NOT_FOUND);
    CHECK(contains(aicore_runtime_last_error(rt), "slot 3"));
    CHECK_RESULT(aicore_npc_spawn(rt, NULL, &slot), AICORE_INVALID_ARGUMENT);
    CHECK(contains(aicore_runtime_last_error(rt), "aicore_npc_spawn"));
    CHECK_RESULT(aicore_tick(rt, -1.0), AICORE_INVALID_ARGUMENT);
    CHECK(contains(aicore_runtime_last_error(rt), "aicore_tick"));
    CHECK_RESULT(aicore_world_get(rt, NULL), AICORE_INVALID_ARGUMENT);
    CHECK(contains(aicore_runtime_last_error(rt), "aicore_world_get"));
    CHECK_RESULT(aicore_kind_find(rt, NULL, NULL), AICORE_INVALID_ARGUMENT);
    CHECK(contains(aicore_runtime_last_error(rt), "aicore_kind_find"));
    CHECK_RESULT(aicore_push_events(rt, NULL, 5), AICORE_INVALID_ARGUMENT);
    CHECK(contains(aicore_runtime_last_error(rt), "aicore_push_events"));
    CHECK_RESULT(aicore_drain_commands(rt, buffer, sizeof buffer, NULL), AICORE_INVALID_ARGUMENT);
    CHECK(contains(aicore_runtime_last_error(rt), "aicore_drain_commands"));
    memset(&small, 0, sizeof small);
    small.struct_size = 4;
    CHECK_RESULT(aicore_metrics_get(rt, &small), AICORE_INVALID_ARGUMENT);
    CHECK(contains(aicore_runtime_last_error(rt), "aicore_metrics_get"));
    CHECK_RESULT(aicore_runtime_content_problem(rt, 1000, &p), AICORE_INVALID_ARGUMENT);
    CHECK(contains(aicore_runtime_last_error(rt), "aicore_runtime_content_problem"));
    CHECK_RESULT(aicore_audio_prepare(rt, 1.0, 256), AICORE_INVALID_ARGUMENT);
    CHECK(contains(aicore_runtime_last_error(rt), "aicore_audio_prepare"));
    aicore_runtime_destroy(rt);
}

static void messages_never_echo_raw_caller_bytes(void) {
    aicore_runtime_config config;
    aicore_runtime* rt;
    uint32_t slot = 77;
    char long_kind[5000];
    const char* why;

    harness_config(&config, NULL, NULL);
    rt = create_or_report(&config);
    if (rt == NULL) return;
    /* Invalid UTF-8 and an escape sequence. */
    CHECK(aicore_npc_spawn(rt, "ki\x1b[31mnd\xff\xfe", &slot) != AICORE_OK);
    why = aicore_runtime_last_error(rt);
    CHECK(!has_raw_bytes(why));
    CHECK(contains(why, "ki\\x1b[31mnd\\xff\\xfe"));
    CHECK_RESULT(aicore_kind_find(rt, "ki\x1b[31mnd\xff\xfe", NULL), AICORE_NOT_FOUND);
    CHECK(!has_raw_bytes(aicore_runtime_last_error(rt)));
    /* Valid UTF-8 with control characters, and non-ASCII kept readable. */
    CHECK_RESULT(aicore_npc_spawn(rt, "line\nbreak \xc3\xa9t\xc3\xa9", &slot), AICORE_NOT_FOUND);
    why = aicore_runtime_last_error(rt);
    CHECK(!has_raw_bytes(why));
    CHECK(contains(why, "line\\x0abreak \xc3\xa9t\xc3\xa9"));
    /* A huge kind is cut, not copied whole into the message. */
    memset(long_kind, 'k', sizeof long_kind - 1);
    long_kind[sizeof long_kind - 1] = '\0';
    CHECK_RESULT(aicore_npc_spawn(rt, long_kind, &slot), AICORE_NOT_FOUND);
    CHECK(strlen(aicore_runtime_last_error(rt)) < 1024);
    CHECK(slot == 77);
    aicore_runtime_destroy(rt);
}

/* --- two runtimes ------------------------------------------------------------------- */

static void two_runtimes_each_log_to_their_own_callback(void) {
    aicore_runtime_config config;
    aicore_runtime* a;
    aicore_runtime* b;
    harness_log log_a, log_b;
    char dir_a[512], dir_b[512];
    int frame;

    harness_temp_dir("two_runtimes_a", dir_a, sizeof dir_a);
    harness_write_file(dir_a, "alpha.py",
                       "def on_frame(runtime, dt, events):\n"
                       "    if runtime.frame >= 3:\n"
                       "        raise KeyError('alpha-late')\n"
                       "    raise ValueError('alpha-fails')\n");
    harness_temp_dir("two_runtimes_b", dir_b, sizeof dir_b);
    harness_write_file(dir_b, "bravo.py",
                       "def on_frame(runtime, dt, events):\n"
                       "    raise ValueError('bravo-fails')\n");
    harness_write_file(dir_b, "bravo_broken.py", "raise RuntimeError('bravo-load-fails')\n");

    harness_config(&config, dir_a, &log_a);
    a = create_or_report(&config);
    harness_config(&config, dir_b, &log_b);
    b = create_or_report(&config);
    if (a == NULL || b == NULL) return;
    /* Creation: B's broken script is B's. */
    CHECK(harness_log_contains(&log_b, "bravo-load-fails"));
    CHECK(!harness_log_contains(&log_a, "bravo-load-fails"));

    CHECK_RESULT(aicore_tick(a, 1.0 / 60.0), AICORE_OK);
    CHECK_RESULT(aicore_tick(b, 1.0 / 60.0), AICORE_OK);
    CHECK(harness_log_contains(&log_a, "alpha-fails"));
    CHECK(!harness_log_contains(&log_b, "alpha-fails"));
    CHECK(harness_log_contains(&log_b, "bravo-fails"));
    CHECK(!harness_log_contains(&log_a, "bravo-fails"));

    /* Destroying B leaves A's routing as it was. */
    aicore_runtime_destroy(b);
    for (frame = 1; frame < 4; ++frame) CHECK_RESULT(aicore_tick(a, 1.0 / 60.0), AICORE_OK);
    CHECK(harness_log_contains(&log_a, "alpha-late"));
    CHECK(!harness_log_contains(&log_b, "alpha-late"));
    aicore_runtime_destroy(a);
}

/* --- memory over create/destroy cycles ---------------------------------------------- */

/* Resident set size in KiB (Linux), 0 if unknown. */
static long rss_kib(void) {
    char line[256];
    long kib = 0;
    FILE* f = fopen("/proc/self/status", "r");
    if (f == NULL) return 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "VmRSS:", 6) == 0) kib = strtol(line + 6, NULL, 10);
    fclose(f);
    return kib;
}

static void one_cycle(const char* dir, int n) {
    aicore_runtime_config config;
    aicore_runtime* rt;
    harness_log log;
    char file[64], path[700];
    uint32_t slot;
    int frame;

    /* A script of its own each cycle: what one runtime loaded must go with it. */
    snprintf(file, sizeof file, "cycle_%d.py", n);
    harness_write_file(dir, file,
                       "from engine_bridge.api import Npc\n"
                       "\n"
                       "BIG = list(range(20000))\n"
                       "\n"
                       "class Walker(Npc):\n"
                       "    kind = 'walker'\n"
                       "    def on_spawn(self):\n"
                       "        self.seen = [0] * 100\n"
                       "\n"
                       "def on_frame(runtime, dt, events):\n"
                       "    if runtime.frame == 1:\n"
                       "        raise ValueError('cycle failure')\n");
    harness_config(&config, dir, &log);
    rt = create_or_report(&config);
    if (rt != NULL) {
        CHECK_RESULT(aicore_npc_spawn(rt, "walker", &slot), AICORE_OK);
        for (frame = 0; frame < 3; ++frame) CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
        aicore_runtime_destroy(rt);
    }
    snprintf(path, sizeof path, "%s/%s", dir, file);
    remove(path);
}

static void memory_stays_flat_over_create_destroy_cycles(void) {
    enum { kWarmUp = 8, kCycles = 40 };
    /* Each leaked cycle kept its script module (BIG alone is ~0.7 MiB), its content and its
       runtime's objects: > 8 MiB over 40 cycles. What is left is allocator noise (arenas,
       caches sized by the peak), bounded and not growing with the count: 4 MiB in all,
       i.e. < 0.1 MiB a cycle. Memory only: no timing is measured. */
    const long kBoundKib = 4096;
    char dir[512];
    long before, after;
    int n;

    harness_temp_dir("cycles", dir, sizeof dir);
    for (n = 0; n < kWarmUp; ++n) one_cycle(dir, n);
    before = rss_kib();
    for (n = kWarmUp; n < kWarmUp + kCycles; ++n) one_cycle(dir, n);
    after = rss_kib();
    fprintf(stderr, "RSS before %ld KiB, after %d cycles %ld KiB: %+ld KiB (%.1f KiB a cycle)\n", before,
            (int)kCycles, after, after - before, (double)(after - before) / kCycles);
    CHECK(before > 0);
#if defined(__SANITIZE_ADDRESS__)
    /* Under AddressSanitizer freed memory sits in its quarantine and shadow pages come and
       go, so RSS says nothing about leaks there: LeakSanitizer checks them instead. */
    (void)kBoundKib;
#else
    CHECK(after - before < kBoundKib);
#endif
}

int main(int argc, char** argv) {
    static const harness_case cases[] = {
        {"create_with_a_null_config_sets_out_to_null", create_with_a_null_config_sets_out_to_null},
        {"zero_custom_channels_give_empty_custom_views", zero_custom_channels_give_empty_custom_views},
        {"a_missing_content_root_or_script_folder_fails_create_naming_it",
         a_missing_content_root_or_script_folder_fails_create_naming_it},
        {"an_unknown_kind_is_not_found_and_takes_no_slot", an_unknown_kind_is_not_found_and_takes_no_slot},
        {"a_broken_scripts_kind_is_a_script_error_and_its_file_a_problem",
         a_broken_scripts_kind_is_a_script_error_and_its_file_a_problem},
        {"every_failure_sets_the_last_error", every_failure_sets_the_last_error},
        {"messages_never_echo_raw_caller_bytes", messages_never_echo_raw_caller_bytes},
        {"two_runtimes_each_log_to_their_own_callback", two_runtimes_each_log_to_their_own_callback},
        {"memory_stays_flat_over_create_destroy_cycles", memory_stays_flat_over_create_destroy_cycles},
    };
    return harness_main(cases, sizeof cases / sizeof cases[0], argc, argv);
}
