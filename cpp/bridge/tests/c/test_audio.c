/* The audio contract of aicore.h from C99: an audio thread renders without pause while the
   game thread re-prepares the voice engine and ticks NPCs that speak; the lines a
   re-prepare cuts still end for the scripts; any number of frames is rendered; a render
   before any prepare writes silence. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"

/* Talkers say a shipped line (a recording: no speech synthesiser needed) and, when it has
   ended, emote how ("line_<how>") and say it again: an NPC left "speaking" would fall
   silent for good. */
static const char* const kTalkerScript =
    "from engine_bridge.api import Npc\n"
    "\n"
    "class Talker(Npc):\n"
    "    kind = 'talker'\n"
    "    archetype = 'ghoul'\n"
    "    decision_rate = 30.0\n"
    "\n"
    "    def on_spawn(self):\n"
    "        self.speaking = False\n"
    "\n"
    "    def on_tick(self, dt):\n"
    "        if not self.speaking:\n"
    "            self.speaking = True\n"
    "            self.say('ghoul_hunger')\n"
    "\n"
    "    def on_event(self, event):\n"
    "        if event.type == 'line_finished':\n"
    "            self.speaking = False\n"
    "            self.emote('line_' + event.data['how'])\n";

static void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

static int contains(const uint8_t* data, size_t size, const char* needle) {
    size_t n = strlen(needle), i;
    for (i = 0; i + n <= size; ++i)
        if (memcmp(data + i, needle, n) == 0) return 1;
    return 0;
}

static aicore_runtime* create_with_talkers(const char* dir_name, uint32_t talkers, harness_log* log) {
    static char dir[4096];
    aicore_runtime_config config;
    aicore_runtime* rt = NULL;
    uint32_t i, slot = 0;
    harness_temp_dir(dir_name, dir, sizeof dir);
    harness_write_file(dir, "talker.py", kTalkerScript);
    harness_config(&config, dir, log);
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_OK);
    if (rt == NULL) {
        fprintf(stderr, "%s\n", aicore_last_create_error());
        return NULL;
    }
    for (i = 0; i < talkers; ++i) CHECK_RESULT(aicore_npc_spawn(rt, "talker", &slot), AICORE_OK);
    return rt;
}

static uint64_t busy_renders(aicore_runtime* rt) { return harness_metrics(rt).busy_renders; }

static uint32_t active_voices(aicore_runtime* rt) { return harness_metrics(rt).active_voices; }

/* ---- an audio thread rendering through re-prepares --------------------------------- */

typedef struct audio_thread {
    aicore_runtime* rt;
    int stop; /* set by the main thread, under `lock` */
    pthread_mutex_t lock;
    long renders, busy, other, non_finite;
} audio_thread;

static int audio_should_stop(audio_thread* a) {
    int stop;
    pthread_mutex_lock(&a->lock);
    stop = a->stop;
    pthread_mutex_unlock(&a->lock);
    return stop;
}

static void* audio_main(void* arg) {
    audio_thread* a = (audio_thread*)arg;
    /* Blocks smaller and larger than any max_block the main thread prepares. */
    static const uint32_t sizes[] = {256, 1, 4096, 0, 700, 512, 64};
    float* left = (float*)malloc(4096 * sizeof(float));
    float* right = (float*)malloc(4096 * sizeof(float));
    long i = 0, busy = 0, other = 0, non_finite = 0;
    uint32_t k;
    while (!audio_should_stop(a)) {
        const uint32_t n = sizes[i % (long)(sizeof sizes / sizeof sizes[0])];
        const aicore_result r = aicore_audio_render(a->rt, left, right, n);
        if (r == AICORE_BUSY) ++busy;
        else if (r != AICORE_OK) ++other;
        for (k = 0; k < n; ++k)
            if (!isfinite(left[k]) || !isfinite(right[k])) ++non_finite;
        ++i;
        pthread_mutex_lock(&a->lock);
        a->renders = i;
        pthread_mutex_unlock(&a->lock);
    }
    free(left);
    free(right);
    pthread_mutex_lock(&a->lock);
    a->busy = busy;
    a->other = other;
    a->non_finite = non_finite;
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

static long renders_so_far(audio_thread* a) {
    long n;
    pthread_mutex_lock(&a->lock);
    n = a->renders;
    pthread_mutex_unlock(&a->lock);
    return n;
}

static void render_while_preparing(void) {
    static const double rates[] = {48000.0, 44100.0, 22050.0, 96000.0, 16000.0};
    static const uint32_t blocks[] = {256, 64, 1024, 512, 128, 2048};
    enum { kPrepares = 120 };
    harness_log log;
    audio_thread a;
    pthread_t thread;
    int i, t, prepared = 0, busy_prepares = 0;
    aicore_runtime* rt = create_with_talkers("audio_race", 8, &log);
    if (rt == NULL) return;
    /* Prepared once first: from then on every render must be OK or BUSY. */
    CHECK_RESULT(aicore_audio_prepare(rt, 48000.0, 256), AICORE_OK);
    memset(&a, 0, sizeof a);
    a.rt = rt;
    pthread_mutex_init(&a.lock, NULL);
    CHECK(pthread_create(&thread, NULL, audio_main, &a) == 0);
    for (i = 0; i < kPrepares; ++i) {
        /* Paced by the audio thread's progress, not by the clock: a busy machine only
           makes the test slower. */
        const long seen = renders_so_far(&a);
        while (renders_so_far(&a) < seen + 2) sleep_ms(1);
        for (t = 0; t < 3; ++t) CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
        {
            const aicore_result r = aicore_audio_prepare(rt, rates[i % 5], blocks[i % 6]);
            if (r == AICORE_OK) ++prepared;
            else if (r == AICORE_BUSY) ++busy_prepares; /* a render outlasted 100 ms: allowed */
            else CHECK_RESULT(r, AICORE_OK);
        }
    }
    pthread_mutex_lock(&a.lock);
    a.stop = 1;
    pthread_mutex_unlock(&a.lock);
    CHECK(pthread_join(thread, NULL) == 0);
    fprintf(stderr, "%d prepares (%d busy), %ld renders (%ld busy)\n", prepared, busy_prepares, a.renders, a.busy);
    CHECK(prepared + busy_prepares == kPrepares);
    CHECK(prepared > 0);
    CHECK(a.other == 0);
    CHECK(a.non_finite == 0);
    CHECK(a.busy >= 0 && (uint64_t)a.busy == busy_renders(rt));
    pthread_mutex_destroy(&a.lock);
    aicore_runtime_destroy(rt);
}

/* ---- the lines a re-prepare cuts still end ----------------------------------------- */

static void reprepare_ends_the_lines_in_flight(void) {
    harness_log log;
    float left[256], right[256];
    uint8_t* commands = (uint8_t*)malloc(1 << 16);
    size_t written = 0;
    int i, ended = 0, said_again = 0;
    aicore_runtime* rt = create_with_talkers("audio_cut", 1, &log);
    if (rt == NULL || commands == NULL) {
        free(commands);
        if (rt != NULL) aicore_runtime_destroy(rt);
        return;
    }
    CHECK_RESULT(aicore_audio_prepare(rt, 24000.0, 256), AICORE_OK);
    /* The clip is prepared on the runtime's loader thread: wait for the line to play (a
       generous bound for a busy machine; it is not what is measured). */
    for (i = 0; i < 6000 && active_voices(rt) == 0; ++i) {
        CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
        CHECK_RESULT(aicore_audio_render(rt, left, right, 256), AICORE_OK);
        sleep_ms(10);
    }
    CHECK(active_voices(rt) == 1);
    CHECK_RESULT(aicore_drain_commands(rt, commands, 1 << 16, &written), AICORE_OK);

    /* The line is mid-way (3.5 s long, 256 samples played) when the device restarts. */
    CHECK_RESULT(aicore_audio_prepare(rt, 48000.0, 512), AICORE_OK);
    CHECK(active_voices(rt) == 0);
    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    CHECK_RESULT(aicore_drain_commands(rt, commands, 1 << 16, &written), AICORE_OK);
    ended = contains(commands, written, "line_stolen");
    CHECK(ended);
    /* ... and the talker is not stuck "speaking": it says its line again, which plays on
       the new engine from the clip loaded before (the bank survives the re-prepare). */
    for (i = 0; i < 100 && !said_again; ++i) {
        said_again = contains(commands, written, "say");
        if (!said_again) {
            CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
            CHECK_RESULT(aicore_drain_commands(rt, commands, 1 << 16, &written), AICORE_OK);
        }
    }
    CHECK(said_again);
    for (i = 0; i < 6000 && active_voices(rt) == 0; ++i) {
        CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
        CHECK_RESULT(aicore_audio_render(rt, left, right, 256), AICORE_OK);
        sleep_ms(1);
    }
    CHECK(active_voices(rt) == 1);
    free(commands);
    aicore_runtime_destroy(rt);
}

/* ---- any number of frames; silence before prepare ---------------------------------- */

static int all_zero(const float* x, size_t n) {
    size_t i;
    for (i = 0; i < n; ++i)
        if (x[i] != 0.0f) return 0;
    return 1;
}

static int any_nan(const float* x, size_t n) {
    size_t i;
    for (i = 0; i < n; ++i)
        if (isnan(x[i])) return 1;
    return 0;
}

static void fill_nan(float* x, size_t n) {
    size_t i;
    for (i = 0; i < n; ++i) x[i] = (float)NAN;
}

static void frames_beyond_max_block_and_before_prepare(void) {
    enum { kFrames = 5000 };
    static float left[kFrames], right[kFrames];
    aicore_runtime* rt = create_with_talkers("audio_frames", 0, NULL);
    if (rt == NULL) return;

    /* Before any prepare: silence, and INVALID_ARGUMENT (the last error is not written:
       the audio thread must not touch it). */
    fill_nan(left, kFrames);
    fill_nan(right, kFrames);
    CHECK_RESULT(aicore_audio_render(rt, left, right, kFrames), AICORE_INVALID_ARGUMENT);
    CHECK(all_zero(left, kFrames) && all_zero(right, kFrames));
    CHECK(strcmp(aicore_runtime_last_error(rt), "") == 0);
    CHECK_RESULT(aicore_audio_render(rt, NULL, right, 16), AICORE_INVALID_ARGUMENT);

    /* 5000 frames through a 64-sample engine: every one written. */
    CHECK_RESULT(aicore_audio_prepare(rt, 48000.0, 64), AICORE_OK);
    fill_nan(left, kFrames);
    fill_nan(right, kFrames);
    CHECK_RESULT(aicore_audio_render(rt, left, right, kFrames), AICORE_OK);
    CHECK(!any_nan(left, kFrames) && !any_nan(right, kFrames));
    /* 0 frames: nothing to do, nothing written. */
    fill_nan(left, 1);
    CHECK_RESULT(aicore_audio_render(rt, left, right, 0), AICORE_OK);
    CHECK(isnan(left[0]));
    CHECK(busy_renders(rt) == 0);
    aicore_runtime_destroy(rt);
}

int main(int argc, char** argv) {
    static const harness_case cases[] = {
        {"render_while_preparing", render_while_preparing},
        {"reprepare_ends_the_lines_in_flight", reprepare_ends_the_lines_in_flight},
        {"frames_beyond_max_block_and_before_prepare", frames_beyond_max_block_and_before_prepare},
    };
    return harness_main(cases, sizeof cases / sizeof cases[0], argc, argv);
}
