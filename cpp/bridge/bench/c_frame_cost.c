/* What a frame costs the engine, measured from C the way a game sees it: aicore_tick at
   1 000 NPCs of the shipped kinds (wall time and the game thread's CPU time, median and
   p99), and one aicore_audio_render block. A measuring program, not a test: it asserts
   nothing about speed (make bench runs it; the figures go in notes and QA reports).
   Usage: c_frame_cost [npcs] [frames] */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/c/harness.h"

static int compare_doubles(const void* a, const void* b) {
    const double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

static double percentile(double* values, size_t count, double p) {
    size_t index;
    qsort(values, count, sizeof values[0], compare_doubles);
    index = (size_t)(p * (double)(count - 1) + 0.5);
    return values[index];
}

int main(int argc, char** argv) {
    static const char* kinds[] = {"zombie", "ghoul", "vampire", "werewolf", "wraith", "townsfolk", "aethelred"};
    const uint32_t npcs = argc > 1 ? (uint32_t)atoi(argv[1]) : 1000;
    const uint32_t frames = argc > 2 ? (uint32_t)atoi(argv[2]) : 1200;
    const uint32_t blocks = 4000, block = 512;
    aicore_runtime_config config;
    harness_log log;
    aicore_runtime* rt = NULL;
    aicore_world world;
    double *wall, *cpu, *render, *busiest;
    uint32_t *voices, most = 0, at_most = 0;
    static uint8_t commands[1 << 22];
    static float left[512], right[512];
    size_t written;
    uint32_t i, slot, f;
    aicore_metrics m;

    harness_config(&config, AICORE_BENCH_SCRIPTS, &log);
    config.max_npcs = npcs;
    config.frame_budget_ms = 10.0; /* the defaults a game gets */
    config.handler_budget_ms = 5.0;
    if (aicore_runtime_create(&config, &rt) != AICORE_OK) {
        fprintf(stderr, "create: %s\n", aicore_last_create_error());
        return 1;
    }
    aicore_world_get(rt, &world);
    for (i = 0; i < npcs; ++i) {
        if (aicore_npc_spawn(rt, kinds[i % 7], &slot) != AICORE_OK) {
            fprintf(stderr, "spawn: %s\n", aicore_runtime_last_error(rt));
            return 1;
        }
        world.position[3 * slot] = (float)(i % 40) - 20.0f;
        world.position[3 * slot + 1] = (float)(i / 40) - 12.0f;
    }
    if (aicore_audio_prepare(rt, 48000.0, block) != AICORE_OK) {
        fprintf(stderr, "prepare: %s\n", aicore_runtime_last_error(rt));
        return 1;
    }
    wall = calloc(frames, sizeof *wall);
    cpu = calloc(frames, sizeof *cpu);
    render = calloc(blocks, sizeof *render);
    busiest = calloc(blocks, sizeof *busiest);
    voices = calloc(blocks, sizeof *voices);
    for (f = 0; f < frames + 120; ++f) {
        double w0, c0;
        aicore_result r;
        /* The player walks a circle through the crowd; a tenth of the NPCs see them. */
        world.player_position[0] = 15.0f * (float)cos(f / 120.0);
        world.player_position[1] = 10.0f * (float)sin(f / 120.0);
        for (i = 0; i < npcs; ++i) world.perception[i] = (i + f / 30) % 10 == 0 ? AICORE_PERCEIVES_PLAYER : 0u;
        w0 = harness_wall_seconds();
        c0 = harness_thread_cpu_seconds();
        r = aicore_tick(rt, 1.0 / 60.0);
        if (f >= 120) {
            wall[f - 120] = (harness_wall_seconds() - w0) * 1e3;
            cpu[f - 120] = (harness_thread_cpu_seconds() - c0) * 1e3;
        }
        if (r != AICORE_OK && r != AICORE_INCOMPLETE) {
            fprintf(stderr, "tick: %s\n", aicore_result_string(r));
            return 1;
        }
        aicore_drain_commands(rt, commands, sizeof commands, &written);
    }
    for (i = 0; i < blocks; ++i) {
        double c0 = harness_thread_cpu_seconds();
        aicore_audio_render(rt, left, right, block);
        render[i] = (harness_thread_cpu_seconds() - c0) * 1e6;
        memset(&m, 0, sizeof m);
        m.struct_size = sizeof m;
        aicore_metrics_get(rt, &m);
        voices[i] = m.active_voices;
        if (m.active_voices > most) most = m.active_voices;
        if (i % 47 == 0) aicore_tick(rt, 1.0 / 60.0); /* lines keep starting */
        aicore_drain_commands(rt, commands, sizeof commands, &written);
    }
    /* The cost follows the voices playing: the blocks at the most voices seen, apart. */
    for (i = 0; i < blocks; ++i)
        if (voices[i] == most) busiest[at_most++] = render[i];
    memset(&m, 0, sizeof m);
    m.struct_size = sizeof m;
    aicore_metrics_get(rt, &m);
    printf("aicore_tick, %u NPCs, %u frames: wall median %.3f ms p99 %.3f ms; "
           "thread CPU median %.3f ms p99 %.3f ms; incomplete ticks %llu, script errors %llu\n",
           npcs, frames, percentile(wall, frames, 0.5), percentile(wall, frames, 0.99),
           percentile(cpu, frames, 0.5), percentile(cpu, frames, 0.99),
           (unsigned long long)m.incomplete_ticks, (unsigned long long)m.script_errors);
    printf("aicore_audio_render, %u-frame block at 48 kHz: thread CPU median %.1f us p99 %.1f us "
           "(%.2f%% of the block's %.2f ms), %u voices active at the end\n",
           block, percentile(render, blocks, 0.5), percentile(render, blocks, 0.99),
           100.0 * percentile(render, blocks, 0.5) / (block / 48000.0 * 1e6), block / 48.0,
           m.active_voices);
    if (at_most > 0)
        printf("  of which the %u blocks at the most voices playing (%u): median %.1f us, %.1f us per voice\n",
               at_most, most, percentile(busiest, at_most, 0.5), percentile(busiest, at_most, 0.5) / most);
    free(busiest);
    free(voices);
    free(wall);
    free(cpu);
    free(render);
    aicore_runtime_destroy(rt);
    return 0;
}
