/* The normal path an engine walks, from C99: create, spawn, push events packed with
   msgpack-c, tick, drain, metrics, destroy. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static void create_tick_drain_destroy(void) {
    aicore_runtime_config config;
    harness_log log;
    aicore_runtime* rt = NULL;
    uint32_t slot = 99;
    msgpack_sbuffer sbuf;
    msgpack_packer pk;
    uint8_t buffer[4096];
    size_t written = 0;
    aicore_metrics m;

    harness_config(&config, AICORE_TEST_SCRIPTS, &log); /* the shipped NPC scripts */
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_OK);
    if (rt == NULL) return;
    CHECK_RESULT(aicore_npc_spawn(rt, "vampire", &slot), AICORE_OK);
    CHECK(slot == 0);

    msgpack_sbuffer_init(&sbuf);
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 2);
    harness_pack_event(&pk, "player_seen", 1);
    harness_pack_str(&pk, "npc");
    msgpack_pack_uint32(&pk, slot);
    harness_pack_event(&pk, "damaged", 2);
    harness_pack_str(&pk, "npc");
    msgpack_pack_uint32(&pk, slot);
    harness_pack_str(&pk, "amount");
    msgpack_pack_double(&pk, 0.25);
    CHECK_RESULT(aicore_push_events(rt, (const uint8_t*)sbuf.data, sbuf.size), AICORE_OK);
    msgpack_sbuffer_destroy(&sbuf);

    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    CHECK_RESULT(aicore_drain_commands(rt, buffer, sizeof buffer, &written), AICORE_OK);
    CHECK(written >= 1);

    memset(&m, 0, sizeof m);
    m.struct_size = sizeof m;
    CHECK_RESULT(aicore_metrics_get(rt, &m), AICORE_OK);
    CHECK(m.frames == 1);
    CHECK(m.events_in == 2);
    CHECK(m.npcs == 1);
    CHECK(m.dropped_events == 0);
    CHECK(m.pending_events == 0);
    aicore_runtime_destroy(rt);
}

int main(int argc, char** argv) {
    static const harness_case cases[] = {
        {"create_tick_drain_destroy", create_tick_drain_destroy},
    };
    return harness_main(cases, sizeof cases / sizeof cases[0], argc, argv);
}
