/* python_home under misuse, in a fresh process (the interpreter starts once per process):
   a folder that is not a Python prefix is refused before CPython is touched, so the right
   folder still works afterwards; once Python runs, another prefix is refused and NULL means
   "the running one". Run in order: the bad home must come first. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static int contains(const char* text, const char* needle) { return strstr(text, needle) != NULL; }

static int has_raw_control_byte(const char* text) {
    const unsigned char* p;
    for (p = (const unsigned char*)text; *p != '\0'; ++p)
        if (*p < 0x20 || *p == 0x7F) return 1;
    return 0;
}

static void bad_home_then_good_home(void) {
    aicore_runtime_config config;
    aicore_runtime* rt = (aicore_runtime*)&config; /* must be set to NULL on failure */
    char dir[512];
    const char* error;

    /* An existing folder that is not a Python prefix. */
    harness_temp_dir("not_a_python_home", dir, sizeof dir);
    harness_config(&config, NULL, NULL);
    config.python_home = dir;
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_NOT_FOUND);
    CHECK(rt == NULL);
    error = aicore_last_create_error();
    CHECK(contains(error, dir));
    CHECK(contains(error, "os.py"));

    /* A missing one whose name holds a control byte: named, escaped. */
    harness_config(&config, NULL, NULL);
    config.python_home = "/nonexistent/aicore\x01home";
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_NOT_FOUND);
    error = aicore_last_create_error();
    CHECK(contains(error, "aicore\\x01home"));
    CHECK(!has_raw_control_byte(error));

    /* The right prefix still starts Python: nothing was left half-initialised. */
    harness_config(&config, NULL, NULL);
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_OK);
    if (rt == NULL) {
        fprintf(stderr, "create error: %s\n", aicore_last_create_error());
        return;
    }
    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    aicore_runtime_destroy(rt);
}

static void a_different_home_is_refused_while_python_runs(void) {
    aicore_runtime_config config;
    aicore_runtime* first = NULL;
    aicore_runtime* rt = NULL;
    char dir[512];

    harness_config(&config, NULL, NULL);
    CHECK_RESULT(aicore_runtime_create(&config, &first), AICORE_OK);

    harness_temp_dir("another_python_home", dir, sizeof dir);
    harness_config(&config, NULL, NULL);
    config.python_home = dir;
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_INVALID_ARGUMENT);
    CHECK(rt == NULL);
    CHECK(contains(aicore_last_create_error(), "already running"));
    CHECK(contains(aicore_last_create_error(), dir));

    /* NULL: the running interpreter, whatever its prefix. */
    harness_config(&config, NULL, NULL);
    config.python_home = NULL;
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_OK);
    aicore_runtime_destroy(rt);
    aicore_runtime_destroy(first);
}

int main(int argc, char** argv) {
    static const harness_case cases[] = {
        {"bad_home_then_good_home", bad_home_then_good_home},
        {"a_different_home_is_refused_while_python_runs", a_different_home_is_refused_while_python_runs},
    };
    return harness_main(cases, sizeof cases / sizeof cases[0], argc, argv);
}
