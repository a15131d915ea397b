/* A burst of valid events in one push: no frame is lost silently. The tick that cannot
   deliver them all within its budget says so (AICORE_INCOMPLETE), keeps the rest for the
   next tick and counts it; every event reaches a script in the end, in order. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Each NPC answers every damage event with an emote the engine counts. */
static const char* kCounterScript =
    "from engine_bridge.api import Npc\n"
    "\n"
    "class Counter(Npc):\n"
    "    kind = 'counter'\n"
    "\n"
    "    def on_event(self, event):\n"
    "        if event.type == 'damaged':\n"
    "            self.emote('flinch')\n";

/* Drains the commands and counts the emotes among them. */
static uint32_t drain_emotes(aicore_runtime* rt) {
    static uint8_t buffer[1 << 22];
    size_t written = 0, offset = 0;
    msgpack_unpacked u;
    uint32_t count = 0, i;
    CHECK_RESULT(aicore_drain_commands(rt, buffer, sizeof buffer, &written), AICORE_OK);
    msgpack_unpacked_init(&u);
    if (msgpack_unpack_next(&u, (const char*)buffer, written, &offset) == MSGPACK_UNPACK_SUCCESS &&
        u.data.type == MSGPACK_OBJECT_ARRAY) {
        for (i = 0; i < u.data.via.array.size; ++i) {
            const msgpack_object_map* map = &u.data.via.array.ptr[i].via.map;
            uint32_t k;
            for (k = 0; k < map->size; ++k) {
                const msgpack_object* key = &map->ptr[k].key;
                const msgpack_object* val = &map->ptr[k].val;
                if (key->via.str.size == 4 && memcmp(key->via.str.ptr, "type", 4) == 0 &&
                    val->via.str.size == 5 && memcmp(val->via.str.ptr, "emote", 5) == 0)
                    ++count;
            }
        }
    }
    msgpack_unpacked_destroy(&u);
    return count;
}

static void push_damage_burst(aicore_runtime* rt, uint32_t npcs, uint32_t events) {
    msgpack_sbuffer sbuf;
    msgpack_packer pk;
    uint32_t i;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, events);
    for (i = 0; i < events; ++i) {
        harness_pack_event(&pk, "damaged", 2);
        harness_pack_str(&pk, "npc");
        msgpack_pack_uint32(&pk, i % npcs);
        harness_pack_str(&pk, "amount");
        msgpack_pack_double(&pk, 0.001);
    }
    CHECK_RESULT(aicore_push_events(rt, (const uint8_t*)sbuf.data, sbuf.size), AICORE_OK);
    msgpack_sbuffer_destroy(&sbuf);
}

static void burst_spreads_over_frames(void) {
    char dir[512];
    aicore_runtime_config config;
    harness_log log;
    aicore_runtime* rt = NULL;
    const uint32_t npcs = 16, events = 20000;
    uint32_t i, slot, ticks = 0, incomplete = 0;
    uint32_t received = 0;
    aicore_metrics m;

    harness_temp_dir("burst", dir, sizeof dir);
    harness_write_file(dir, "counter.py", kCounterScript);
    harness_config(&config, dir, &log);
    /* A small frame budget: the burst cannot fit in one frame on any machine. */
    config.frame_budget_ms = 2.0;
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_OK);
    if (rt == NULL) return;
    for (i = 0; i < npcs; ++i) CHECK_RESULT(aicore_npc_spawn(rt, "counter", &slot), AICORE_OK);

    /* Five pushes of 4 000 (a push holds at most 4 096 events, docs/protocol.md). */
    for (i = 0; i < 5; ++i) push_damage_burst(rt, npcs, events / 5);
    m = harness_metrics(rt);
    CHECK(m.pending_events == events);

    /* Tick until everything is delivered; each tick is OK or INCOMPLETE, never an error. */
    for (ticks = 0; ticks < 100000; ++ticks) {
        aicore_result r = aicore_tick(rt, 1.0 / 60.0);
        CHECK(r == AICORE_OK || r == AICORE_INCOMPLETE);
        received += drain_emotes(rt);
        if (r == AICORE_INCOMPLETE) ++incomplete;
        m = harness_metrics(rt);
        if (r == AICORE_OK) {
            CHECK(m.pending_events == 0);
            break;
        }
        CHECK(m.pending_events > 0);
    }
    m = harness_metrics(rt);
    CHECK(received == events);
    CHECK(incomplete >= 1);
    CHECK(m.incomplete_ticks == incomplete);
    CHECK(m.script_errors == 0);
    CHECK(m.dropped_events == 0);
    CHECK(m.frames == ticks + 1);
    fprintf(stderr, "  %u events over %u ticks (%u incomplete)\n", events, ticks + 1, incomplete);
    aicore_runtime_destroy(rt);
}

int main(int argc, char** argv) {
    static const harness_case cases[] = {
        {"burst_spreads_over_frames", burst_spreads_over_frames},
    };
    return harness_main(cases, sizeof cases / sizeof cases[0], argc, argv);
}
