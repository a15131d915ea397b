/* Events an engine packs with msgpack-c that Python could not read (docs/protocol.md,
   "What is rejected"): each is refused by aicore_push_events with AICORE_BAD_MESSAGE and a
   reason, the valid events of the same batch reach the scripts, and no tick ever drops an
   event push_events accepted. Also the drain's size query and what a despawn command
   leaves to the engine. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Says, once per frame that has events, their types in order: "player_seen,damaged". */
static const char* kRecorder =
    "def on_frame(runtime, dt, events):\n"
    "    if events:\n"
    "        text = ','.join(e['type'] for e in events)\n"
    "        runtime.emit({'type': 'say', 'npc': 0, 'text': text})\n";

typedef struct packed {
    msgpack_sbuffer sbuf;
    msgpack_packer pk;
} packed;

static void packed_init(packed* p) {
    msgpack_sbuffer_init(&p->sbuf);
    msgpack_packer_init(&p->pk, &p->sbuf, msgpack_sbuffer_write);
}

/* {"v": 1, "type": "custom", "name": "x", "data": <the caller packs it next>} */
static void pack_custom_data(msgpack_packer* pk) {
    harness_pack_event(pk, "custom", 2);
    harness_pack_str(pk, "name");
    harness_pack_str(pk, "x");
    harness_pack_str(pk, "data");
}

static void pack_raw_str(msgpack_packer* pk, const char* bytes, size_t n) {
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, bytes, n);
}

static int contains(const char* haystack, size_t size, const char* needle) {
    size_t n = strlen(needle), i;
    for (i = 0; i + n <= size; ++i)
        if (memcmp(haystack + i, needle, n) == 0) return 1;
    return 0;
}

static aicore_runtime* create(const char* script_dir) {
    aicore_runtime_config config;
    aicore_runtime* rt = NULL;
    harness_config(&config, script_dir, NULL);
    CHECK_RESULT(aicore_runtime_create(&config, &rt), AICORE_OK);
    return rt;
}

/* Pushes `p` (then frees it): AICORE_BAD_MESSAGE, the last error containing `reason`. */
static void expect_rejected(aicore_runtime* rt, packed* p, const char* reason, int line) {
    aicore_result r = aicore_push_events(rt, (const uint8_t*)p->sbuf.data, p->sbuf.size);
    const char* error = aicore_runtime_last_error(rt);
    if (r != AICORE_BAD_MESSAGE || strstr(error, reason) == NULL) {
        fprintf(stderr, "%s:%d: push returned %d (%s) with \"%s\"; expected AICORE_BAD_MESSAGE with \"%s\"\n",
                __FILE__, line, (int)r, aicore_result_string(r), error, reason);
        ++harness_failures;
    }
    msgpack_sbuffer_destroy(&p->sbuf);
}

static void each_bad_event_is_rejected_with_its_reason(void) {
    aicore_runtime* rt = create(NULL);
    packed p;
    size_t i;
    char* big;
    aicore_metrics m;
    if (rt == NULL) return;

    /* A string that is not UTF-8, as a value and as a key, inside custom data. */
    packed_init(&p);
    pack_custom_data(&p.pk);
    msgpack_pack_map(&p.pk, 1);
    harness_pack_str(&p.pk, "k");
    pack_raw_str(&p.pk, "\xff\xfe", 2);
    expect_rejected(rt, &p, "custom: field 'data' holds a string that is not valid UTF-8 at data.k", __LINE__);
    packed_init(&p);
    pack_custom_data(&p.pk);
    msgpack_pack_map(&p.pk, 1);
    pack_raw_str(&p.pk, "\xed\xa0\x80", 3); /* a surrogate */
    msgpack_pack_int(&p.pk, 1);
    expect_rejected(rt, &p, "a map key that is not valid UTF-8", __LINE__);
    packed_init(&p);
    harness_pack_event(&p.pk, "custom", 1);
    harness_pack_str(&p.pk, "name");
    pack_raw_str(&p.pk, "bell\xc3", 5);
    expect_rejected(rt, &p, "field 'name' holds a string that is not valid UTF-8", __LINE__);

    /* A timestamp extension of a bad length (msgpack-python refuses it), and any other. */
    packed_init(&p);
    pack_custom_data(&p.pk);
    msgpack_pack_ext(&p.pk, 2, -1);
    msgpack_pack_ext_body(&p.pk, "\x00\x01", 2);
    expect_rejected(rt, &p, "a msgpack extension (ext type -1): extensions are not accepted", __LINE__);
    packed_init(&p);
    pack_custom_data(&p.pk);
    msgpack_pack_ext(&p.pk, 1, 5);
    msgpack_pack_ext_body(&p.pk, "\x01", 1);
    expect_rejected(rt, &p, "ext type 5", __LINE__);

    /* A map or an array as a map key. */
    packed_init(&p);
    pack_custom_data(&p.pk);
    msgpack_pack_map(&p.pk, 1);
    msgpack_pack_map(&p.pk, 0);
    msgpack_pack_int(&p.pk, 1);
    expect_rejected(rt, &p, "a map key that is not a string (a map)", __LINE__);
    packed_init(&p);
    pack_custom_data(&p.pk);
    msgpack_pack_array(&p.pk, 1);
    msgpack_pack_map(&p.pk, 1);
    msgpack_pack_array(&p.pk, 1);
    msgpack_pack_int(&p.pk, 1);
    msgpack_pack_int(&p.pk, 1);
    expect_rejected(rt, &p, "a map key that is not a string (an array) at data[0]", __LINE__);

    /* NaN and infinities. */
    packed_init(&p);
    harness_pack_event(&p.pk, "damaged", 2);
    harness_pack_str(&p.pk, "npc");
    msgpack_pack_uint32(&p.pk, 1);
    harness_pack_str(&p.pk, "amount");
    msgpack_pack_double(&p.pk, NAN);
    expect_rejected(rt, &p, "damaged: field 'amount' must be a finite number, got nan", __LINE__);
    packed_init(&p);
    harness_pack_event(&p.pk, "heard_noise", 3);
    harness_pack_str(&p.pk, "npc");
    msgpack_pack_uint32(&p.pk, 1);
    harness_pack_str(&p.pk, "at");
    msgpack_pack_array(&p.pk, 3);
    msgpack_pack_float(&p.pk, 0.0f);
    msgpack_pack_float(&p.pk, (float)INFINITY);
    msgpack_pack_float(&p.pk, 0.0f);
    harness_pack_str(&p.pk, "loudness");
    msgpack_pack_double(&p.pk, 0.5);
    expect_rejected(rt, &p, "field 'at' [1] must be a finite number, got inf", __LINE__);

    /* Out of the documented 0..1. */
    packed_init(&p);
    harness_pack_event(&p.pk, "damaged", 2);
    harness_pack_str(&p.pk, "npc");
    msgpack_pack_uint32(&p.pk, 1);
    harness_pack_str(&p.pk, "amount");
    msgpack_pack_double(&p.pk, 1.5);
    expect_rejected(rt, &p, "damaged: field 'amount' must be within 0..1, got 1.5", __LINE__);
    packed_init(&p);
    harness_pack_event(&p.pk, "heard_noise", 3);
    harness_pack_str(&p.pk, "npc");
    msgpack_pack_uint32(&p.pk, 1);
    harness_pack_str(&p.pk, "at");
    msgpack_pack_array(&p.pk, 3);
    msgpack_pack_int(&p.pk, 0);
    msgpack_pack_int(&p.pk, 0);
    msgpack_pack_int(&p.pk, 0);
    harness_pack_str(&p.pk, "loudness");
    msgpack_pack_double(&p.pk, -0.25);
    expect_rejected(rt, &p, "heard_noise: field 'loudness' must be within 0..1, got -0.25", __LINE__);

    /* npc = 2^32: out of range, not "not an unsigned integer". */
    packed_init(&p);
    harness_pack_event(&p.pk, "player_seen", 1);
    harness_pack_str(&p.pk, "npc");
    msgpack_pack_uint64(&p.pk, 4294967296ull);
    expect_rejected(rt, &p, "player_seen: field 'npc' is out of range: 4294967296", __LINE__);

    /* Nested deeper than 32 levels (the event map is the first). */
    packed_init(&p);
    pack_custom_data(&p.pk);
    for (i = 0; i < 40; ++i) msgpack_pack_array(&p.pk, 1);
    msgpack_pack_int(&p.pk, 0);
    expect_rejected(rt, &p, "nested deeper than 32 levels", __LINE__);

    /* Too big: a string, a push, a batch. */
    big = (char*)malloc(70000);
    memset(big, 'x', 70000);
    packed_init(&p);
    harness_pack_event(&p.pk, "custom", 1);
    harness_pack_str(&p.pk, "name");
    pack_raw_str(&p.pk, big, 70000);
    expect_rejected(rt, &p, "field 'name' holds a string of 70000 bytes, over the limit of 65535", __LINE__);
    packed_init(&p);
    msgpack_pack_array(&p.pk, 20);
    for (i = 0; i < 20; ++i) {
        harness_pack_event(&p.pk, "custom", 1);
        harness_pack_str(&p.pk, "name");
        pack_raw_str(&p.pk, big, 60000);
    }
    expect_rejected(rt, &p, "push refused: ", __LINE__);
    free(big);
    CHECK(strstr(aicore_runtime_last_error(rt), "over the limit of 1048576 bytes per push") != NULL);
    packed_init(&p);
    msgpack_pack_array(&p.pk, 4097);
    for (i = 0; i < 4097; ++i) {
        harness_pack_event(&p.pk, "player_seen", 1);
        harness_pack_str(&p.pk, "npc");
        msgpack_pack_uint32(&p.pk, 1);
    }
    expect_rejected(rt, &p, "push refused: 4097 events, over the limit of 4096 per push", __LINE__);

    /* Extra and repeated fields, a key that is not a string. */
    packed_init(&p);
    harness_pack_event(&p.pk, "player_seen", 2);
    harness_pack_str(&p.pk, "npc");
    msgpack_pack_uint32(&p.pk, 1);
    harness_pack_str(&p.pk, "npc");
    msgpack_pack_uint32(&p.pk, 2);
    expect_rejected(rt, &p, "event 0: repeated field 'npc'", __LINE__);
    packed_init(&p);
    harness_pack_event(&p.pk, "player_seen", 2);
    harness_pack_str(&p.pk, "npc");
    msgpack_pack_uint32(&p.pk, 1);
    msgpack_pack_int(&p.pk, 7);
    msgpack_pack_int(&p.pk, 7);
    expect_rejected(rt, &p, "field names must be strings, got an integer", __LINE__);

    memset(&m, 0, sizeof m);
    m.struct_size = sizeof m;
    CHECK_RESULT(aicore_metrics_get(rt, &m), AICORE_OK);
    CHECK(m.events_in == 0);
    CHECK(m.rejected_messages == 18);
    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    aicore_runtime_destroy(rt);
}

static void a_mixed_batch_keeps_its_valid_events(void) {
    char dir[4096];
    aicore_runtime* rt;
    packed p;
    uint8_t buffer[4096];
    size_t written = 0;
    aicore_metrics m;

    harness_temp_dir("mixed_batch", dir, sizeof dir);
    harness_write_file(dir, "recorder.py", kRecorder);
    rt = create(dir);
    if (rt == NULL) return;
    packed_init(&p);
    msgpack_pack_array(&p.pk, 5);
    harness_pack_event(&p.pk, "player_seen", 1); /* kept */
    harness_pack_str(&p.pk, "npc");
    msgpack_pack_uint32(&p.pk, 0);
    pack_custom_data(&p.pk); /* not UTF-8 */
    pack_raw_str(&p.pk, "\xff", 1);
    pack_custom_data(&p.pk); /* a timestamp of a bad length */
    msgpack_pack_ext(&p.pk, 2, -1);
    msgpack_pack_ext_body(&p.pk, "\x00\x01", 2);
    pack_custom_data(&p.pk); /* a map as a key */
    msgpack_pack_map(&p.pk, 1);
    msgpack_pack_map(&p.pk, 0);
    msgpack_pack_nil(&p.pk);
    harness_pack_event(&p.pk, "damaged", 2); /* kept */
    harness_pack_str(&p.pk, "npc");
    msgpack_pack_uint32(&p.pk, 0);
    harness_pack_str(&p.pk, "amount");
    msgpack_pack_double(&p.pk, 0.5);
    CHECK_RESULT(aicore_push_events(rt, (const uint8_t*)p.sbuf.data, p.sbuf.size), AICORE_BAD_MESSAGE);
    msgpack_sbuffer_destroy(&p.sbuf);
    CHECK(strncmp(aicore_runtime_last_error(rt), "event 1: ", 9) == 0);

    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    CHECK_RESULT(aicore_drain_commands(rt, buffer, sizeof buffer, &written), AICORE_OK);
    CHECK(contains((const char*)buffer, written, "player_seen,damaged"));
    memset(&m, 0, sizeof m);
    m.struct_size = sizeof m;
    CHECK_RESULT(aicore_metrics_get(rt, &m), AICORE_OK);
    CHECK(m.events_in == 2);
    CHECK(m.rejected_messages == 3);
    CHECK(m.dropped_events == 0);
    CHECK(m.script_errors == 0);
    aicore_runtime_destroy(rt);
}

static void drain_with_no_buffer_asks_the_size(void) {
    char dir[4096];
    aicore_runtime* rt;
    packed p;
    size_t need = 0, written = 0;
    uint8_t* buffer;

    harness_temp_dir("drain_size", dir, sizeof dir);
    harness_write_file(dir, "recorder.py", kRecorder);
    rt = create(dir);
    if (rt == NULL) return;
    /* Nothing pending: the empty array, one byte. */
    CHECK_RESULT(aicore_drain_commands(rt, NULL, 0, &need), AICORE_FULL);
    CHECK(need == 1);
    packed_init(&p);
    harness_pack_event(&p.pk, "player_seen", 1);
    harness_pack_str(&p.pk, "npc");
    msgpack_pack_uint32(&p.pk, 0);
    CHECK_RESULT(aicore_push_events(rt, (const uint8_t*)p.sbuf.data, p.sbuf.size), AICORE_OK);
    msgpack_sbuffer_destroy(&p.sbuf);
    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    CHECK_RESULT(aicore_drain_commands(rt, NULL, 0, &need), AICORE_FULL);
    CHECK(need > 1);
    /* Asking removed nothing: a buffer one byte short is refused the same way. */
    buffer = (uint8_t*)malloc(need);
    CHECK_RESULT(aicore_drain_commands(rt, buffer, need - 1, &written), AICORE_FULL);
    CHECK(written == need);
    CHECK_RESULT(aicore_drain_commands(rt, buffer, need, &written), AICORE_OK);
    CHECK(written == need);
    CHECK(contains((const char*)buffer, written, "player_seen"));
    free(buffer);
    CHECK_RESULT(aicore_drain_commands(rt, NULL, 0, &need), AICORE_FULL);
    CHECK(need == 1);
    aicore_runtime_destroy(rt);
}

/* A script's despawn command is a request to the engine: the runtime frees nothing until
   the engine calls aicore_npc_despawn. Events for a slot with no NPC are accepted and
   reach no NPC. */
static void despawn_is_the_engines_to_carry_out(void) {
    char dir[4096];
    aicore_runtime* rt;
    aicore_world world;
    uint32_t slot = 99;
    uint8_t buffer[4096];
    size_t written = 0;
    aicore_metrics m;
    packed p;

    harness_temp_dir("despawn", dir, sizeof dir);
    harness_write_file(dir, "leaver.py",
                       "from engine_bridge.api import Npc\n"
                       "class Leaver(Npc):\n"
                       "    kind = 'leaver'\n"
                       "    def on_event(self, event):\n"
                       "        if event.type == 'custom':\n"
                       "            self.emote('still_here')\n"
                       "def on_frame(runtime, dt, events):\n"
                       "    for e in events:\n"
                       "        if e['type'] == 'player_seen':\n"
                       "            runtime.emit({'type': 'despawn', 'npc': e['npc']})\n");
    rt = create(dir);
    if (rt == NULL) return;
    CHECK_RESULT(aicore_world_get(rt, &world), AICORE_OK);
    CHECK_RESULT(aicore_npc_spawn(rt, "leaver", &slot), AICORE_OK);
    packed_init(&p);
    harness_pack_event(&p.pk, "player_seen", 1);
    harness_pack_str(&p.pk, "npc");
    msgpack_pack_uint32(&p.pk, slot);
    CHECK_RESULT(aicore_push_events(rt, (const uint8_t*)p.sbuf.data, p.sbuf.size), AICORE_OK);
    msgpack_sbuffer_destroy(&p.sbuf);
    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    CHECK_RESULT(aicore_drain_commands(rt, buffer, sizeof buffer, &written), AICORE_OK);
    CHECK(contains((const char*)buffer, written, "despawn"));

    /* The slot is still taken and the NPC still runs its script. */
    memset(&m, 0, sizeof m);
    m.struct_size = sizeof m;
    CHECK_RESULT(aicore_metrics_get(rt, &m), AICORE_OK);
    CHECK(m.npcs == 1);
    CHECK(world.alive[slot] == 1);
    packed_init(&p);
    harness_pack_event(&p.pk, "custom", 2);
    harness_pack_str(&p.pk, "name");
    harness_pack_str(&p.pk, "poke");
    harness_pack_str(&p.pk, "npc");
    msgpack_pack_uint32(&p.pk, slot);
    CHECK_RESULT(aicore_push_events(rt, (const uint8_t*)p.sbuf.data, p.sbuf.size), AICORE_OK);
    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    CHECK_RESULT(aicore_drain_commands(rt, buffer, sizeof buffer, &written), AICORE_OK);
    CHECK(contains((const char*)buffer, written, "still_here"));

    /* The engine removes its actor, then frees the slot. */
    CHECK_RESULT(aicore_npc_despawn(rt, slot), AICORE_OK);
    CHECK(world.alive[slot] == 0);
    CHECK_RESULT(aicore_metrics_get(rt, &m), AICORE_OK);
    CHECK(m.npcs == 0);
    CHECK_RESULT(aicore_npc_despawn(rt, slot), AICORE_NOT_FOUND);

    /* An event for the empty slot: accepted, delivered to no NPC, nothing fails. */
    CHECK_RESULT(aicore_push_events(rt, (const uint8_t*)p.sbuf.data, p.sbuf.size), AICORE_OK);
    msgpack_sbuffer_destroy(&p.sbuf);
    CHECK_RESULT(aicore_tick(rt, 1.0 / 60.0), AICORE_OK);
    CHECK_RESULT(aicore_drain_commands(rt, buffer, sizeof buffer, &written), AICORE_OK);
    CHECK(written == 1); /* the empty array */
    CHECK_RESULT(aicore_metrics_get(rt, &m), AICORE_OK);
    CHECK(m.events_in == 3);
    CHECK(m.dropped_events == 0);
    CHECK(m.script_errors == 0);
    aicore_runtime_destroy(rt);
}

int main(int argc, char** argv) {
    static const harness_case cases[] = {
        {"each_bad_event_is_rejected_with_its_reason", each_bad_event_is_rejected_with_its_reason},
        {"a_mixed_batch_keeps_its_valid_events", a_mixed_batch_keeps_its_valid_events},
        {"drain_with_no_buffer_asks_the_size", drain_with_no_buffer_asks_the_size},
        {"despawn_is_the_engines_to_carry_out", despawn_is_the_engines_to_carry_out},
    };
    return harness_main(cases, sizeof cases / sizeof cases[0], argc, argv);
}
