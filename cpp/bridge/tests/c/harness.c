/* The C99 suite's harness (harness.h). POSIX for temporary folders and clocks. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int harness_failures = 0;

/* The temporary folders the cases made, removed when the cases are done: a run of the
   suite leaves nothing behind in TMPDIR. */
#define HARNESS_MAX_TEMP_DIRS 64
static char temp_dirs[HARNESS_MAX_TEMP_DIRS][4200];
static size_t temp_dir_count = 0;
static void remove_tree(const char* path);

int harness_main(const harness_case* cases, size_t count, int argc, char** argv) {
    size_t i;
    int ran = 0;
    for (i = 0; i < count; ++i) {
        int before = harness_failures;
        if (argc > 1 && strcmp(argv[1], cases[i].name) != 0) continue;
        fprintf(stderr, "[ RUN  ] %s\n", cases[i].name);
        cases[i].run();
        fprintf(stderr, "[ %s ] %s\n", harness_failures == before ? " OK " : "FAIL", cases[i].name);
        ++ran;
    }
    for (i = 0; i < temp_dir_count; ++i) remove_tree(temp_dirs[i]);
    temp_dir_count = 0;
    if (ran == 0) {
        fprintf(stderr, "no case named %s\n", argc > 1 ? argv[1] : "(any)");
        return 2;
    }
    return harness_failures == 0 ? 0 : 1;
}

void harness_log_fn(void* user, int level, const char* message) {
    harness_log* log = (harness_log*)user;
    (void)level;
    if (log->count < 256) {
        strncpy(log->lines[log->count], message, sizeof log->lines[0] - 1);
        log->lines[log->count][sizeof log->lines[0] - 1] = '\0';
        ++log->count;
    }
}

int harness_log_contains(const harness_log* log, const char* needle) {
    int i;
    for (i = 0; i < log->count; ++i)
        if (strstr(log->lines[i], needle) != NULL) return 1;
    return 0;
}

void harness_config(aicore_runtime_config* config, const char* script_dir, harness_log* log) {
    static const char* dirs[1];
    aicore_runtime_config_init(config);
    config->python_home = AICORE_TEST_PYTHON_HOME;
    config->python_venv = AICORE_TEST_VENV;
    config->content_root = AICORE_TEST_CONTENT;
    config->max_npcs = 64;
    /* Generous budgets: the suite checks contracts, not speed, and runs on busy machines. */
    config->frame_budget_ms = 50.0;
    config->handler_budget_ms = 20.0;
    if (script_dir != NULL) {
        dirs[0] = script_dir;
        config->script_dirs = dirs;
        config->script_dir_count = 1;
    }
    if (log != NULL) {
        log->count = 0;
        config->log = harness_log_fn;
        config->log_user = log;
    }
}

static void remove_tree(const char* path) {
    char command[4200];
    snprintf(command, sizeof command, "rm -rf '%s'", path);
    if (system(command) != 0) fprintf(stderr, "could not remove %s\n", path);
}

const char* harness_temp_dir(const char* name, char* out, size_t out_size) {
    const char* base = getenv("TMPDIR");
    snprintf(out, out_size, "%s/aicore_c_%s_%ld", base != NULL ? base : "/tmp", name, (long)getpid());
    remove_tree(out);
    if (mkdir(out, 0700) != 0) fprintf(stderr, "could not create %s\n", out);
    if (temp_dir_count < HARNESS_MAX_TEMP_DIRS) {
        snprintf(temp_dirs[temp_dir_count], sizeof temp_dirs[0], "%s", out);
        ++temp_dir_count;
    } else {
        fprintf(stderr, "more than %d temporary folders: %s is left behind\n", HARNESS_MAX_TEMP_DIRS, out);
        ++harness_failures;
    }
    return out;
}

void harness_make_dir(const char* dir, const char* sub) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    if (mkdir(path, 0700) != 0) {
        fprintf(stderr, "could not create %s\n", path);
        ++harness_failures;
    }
}

void harness_write_file(const char* dir, const char* file, const char* text) {
    char path[4200];
    FILE* f;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "could not write %s\n", path);
        ++harness_failures;
        return;
    }
    fputs(text, f);
    fclose(f);
}

void harness_pack_str(msgpack_packer* pk, const char* s) {
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

void harness_pack_event(msgpack_packer* pk, const char* type, uint32_t extra_fields) {
    msgpack_pack_map(pk, 2 + extra_fields);
    harness_pack_str(pk, "v");
    msgpack_pack_uint32(pk, 1);
    harness_pack_str(pk, "type");
    harness_pack_str(pk, type);
}

aicore_metrics harness_metrics(const aicore_runtime* rt) {
    aicore_metrics m;
    memset(&m, 0, sizeof m);
    m.struct_size = sizeof m;
    CHECK_RESULT(aicore_metrics_get(rt, &m), AICORE_OK);
    return m;
}

double harness_thread_cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double harness_wall_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
