/* A script that never finishes loading (an endless loop at module level) beside a healthy
   one: aicore_runtime_create returns (the load budget stops the loop), the healthy kind
   plays, the looping script is listed as a content problem and its kind is refused. Before
   the load budget, create never returned. */
#include <string.h>

#include "harness.h"

static void module_level_loop_does_not_hang_create(void) {
    char dir[512];
    aicore_runtime_config config;
    harness_log log;
    aicore_runtime* rt = NULL;
    aicore_content_problem problem;
    uint32_t slot = 0, i, found = 0;
    double began;

    harness_temp_dir("script_load", dir, sizeof dir);
    harness_write_file(dir, "healthy.py",
                       "from engine_bridge.api import Npc\n"
                       "\n"
                       "class Healthy(Npc):\n"
                       "    kind = 'healthy'\n"
                       "\n"
                       "    def on_tick(self, dt):\n"
                       "        self.emote('idle')\n");
    harness_write_file(dir, "stuck.py",
                       "from engine_bridge.api import Npc\n"
                       "\n"
                       "while True:\n"
                       "    pass\n"
                       "\n"
                       "class Stuck(Npc):\n"
                       "    kind = 'stuck'\n");
    harness_config(&config, dir, &log);
    began = harness_wall_seconds();
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_OK);
    fprintf(stderr, "  create returned after %.1f s\n", harness_wall_seconds() - began);
    if (rt == NULL) return;
    for (i = 0; i < aicore_runtime_content_problem_count(rt); ++i) {
        CHECK_RESULT(aicore_runtime_content_problem(rt, i, &problem), AICORE_OK);
        if (strcmp(problem.system, "scripts") == 0 && problem.file != NULL && strstr(problem.file, "stuck.py") != NULL) {
            ++found;
            CHECK(problem.reason != NULL && problem.reason[0] != '\0');
        }
    }
    CHECK(found == 1);
    CHECK_RESULT(aicore_npc_spawn(rt, "healthy", &slot), AICORE_OK);
    CHECK_RESULT(aicore_npc_spawn(rt, "stuck", &slot), AICORE_SCRIPT_ERROR);
    CHECK(strstr(aicore_runtime_last_error(rt), "stuck.py") != NULL);
    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    aicore_runtime_destroy(rt);
}

int main(int argc, char** argv) {
    static const harness_case cases[] = {
        {"module_level_loop_does_not_hang_create", module_level_loop_does_not_hang_create},
    };
    return harness_main(cases, sizeof cases / sizeof cases[0], argc, argv);
}
