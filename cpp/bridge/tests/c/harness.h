/* The C99 suite's harness: each test_*.c is an engine-style C program that links
 * libaicore and encodes its events with msgpack-c, the way a game written in C (or a UE5
 * plugin's C++ without our headers' C++ helpers) would. One program per file, one ctest
 * per program; `program CASE` runs one case, no argument runs them all.
 */
#ifndef AICORE_C_HARNESS_H
#define AICORE_C_HARNESS_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aicore/aicore.h"

extern int harness_failures;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);      \
            ++harness_failures;                                                           \
        }                                                                                 \
    } while (0)

/* Compares result codes and prints both by name when they differ. */
#define CHECK_RESULT(expr, want)                                                          \
    do {                                                                                  \
        aicore_result got_ = (expr);                                                      \
        if (got_ != (want)) {                                                             \
            fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d (%s)\n", __FILE__,   \
                    __LINE__, #expr, (int)got_, aicore_result_string(got_), (int)(want),  \
                    aicore_result_string(want));                                          \
            ++harness_failures;                                                           \
        }                                                                                 \
    } while (0)

typedef struct harness_case {
    const char* name;
    void (*run)(void);
} harness_case;

/* Runs the cases named on the command line (all without one); returns main's exit code. */
int harness_main(const harness_case* cases, size_t count, int argc, char** argv);

/* The log lines a runtime sent to its callback (the last 256, each cut at 1 KiB). */
typedef struct harness_log {
    char lines[256][1024];
    int count;
} harness_log;
void harness_log_fn(void* user, int level, const char* message);
/* Whether any logged line contains `needle`. */
int harness_log_contains(const harness_log* log, const char* needle);

/* A config for this build's Python and the repository's content, logging into `log`
   (NULL: stderr), with `script_dir` as the only script folder (NULL: none). */
void harness_config(aicore_runtime_config* config, const char* script_dir, harness_log* log);

/* A fresh, empty temporary folder named after `name` (static buffer, one per call site
   is enough: the suite runs single-threaded). */
const char* harness_temp_dir(const char* name, char* out, size_t out_size);
/* Makes the folder dir/sub (its parent must exist). */
void harness_make_dir(const char* dir, const char* sub);
/* Writes `text` to dir/file. */
void harness_write_file(const char* dir, const char* file, const char* text);

/* msgpack-c: starts an event map {"v": 1, "type": type, ...} with `extra_fields` more
   key/value pairs for the caller to pack. */
void harness_pack_event(msgpack_packer* pk, const char* type, uint32_t extra_fields);
void harness_pack_str(msgpack_packer* pk, const char* s);

/* The runtime's metrics, whole struct (a failed aicore_metrics_get counts as a failure). */
aicore_metrics harness_metrics(const aicore_runtime* rt);

/* Thread CPU seconds of the calling thread. */
double harness_thread_cpu_seconds(void);
/* Monotonic wall seconds. */
double harness_wall_seconds(void);

#endif /* AICORE_C_HARNESS_H */
