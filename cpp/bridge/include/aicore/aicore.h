/*
 * AI Core — the C ABI an engine links against.
 *
 * Conventions (the sqlite3 / miniaudio style):
 *   - Every function returns an aicore_result unless it can't fail.
 *   - Strings returned by the library are static and owned by the library;
 *     the caller never frees them.
 *   - Compiles as C99 and as C++.
 *
 * AICORE_API_VERSION is bumped on every incompatible change; compare it with
 * aicore_api_version() at run time to detect a mismatched shared library.
 */
#ifndef AICORE_AICORE_H
#define AICORE_AICORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  if defined(AICORE_BUILDING_LIBRARY)
#    define AICORE_API __declspec(dllexport)
#  else
#    define AICORE_API __declspec(dllimport)
#  endif
#else
#  define AICORE_API __attribute__((visibility("default")))
#endif

#define AICORE_API_VERSION 1

typedef enum aicore_result {
    AICORE_OK = 0,
    AICORE_ERROR = 1,            /* generic failure; see the handle's last error */
    AICORE_INVALID_ARGUMENT = 2, /* a NULL or out-of-range argument */
    AICORE_OUT_OF_MEMORY = 3,
    AICORE_NOT_FOUND = 4,        /* a named file, script, model or slot is missing */
    AICORE_BAD_MESSAGE = 5,      /* a malformed or unsupported msgpack message */
    AICORE_FULL = 6,             /* a queue or pool is full; nothing was waited on */
    AICORE_SCRIPT_ERROR = 7,     /* a designer script failed; the runtime carried on */
    AICORE_PYTHON_ERROR = 8,     /* the embedded interpreter could not start */
    /* Added in API version 1 still (an older engine never sees them unless it calls the
       functions whose contract names them): */
    AICORE_BUSY = 9,             /* the call would race another in flight (aicore_audio_prepare
                                    while aicore_audio_render runs); nothing was changed:
                                    call again. aicore_audio_render while prepare swaps
                                    engines: silence was written */
    AICORE_INCOMPLETE = 10,      /* the call did part of its work within its budget and kept
                                    the rest for the next call (aicore_tick); nothing was lost */
    /* Added with saves (API version 1 still; only the save calls return them): */
    AICORE_IO_ERROR = 11,        /* the disk refused: full, read-only, or another input/output
                                    failure; the game goes on, nothing on disk was damaged */
    AICORE_CORRUPT = 12,         /* a save file is damaged, or is not a save of a schema this
                                    library reads; the last error names the file and the sound
                                    saves that could be loaded instead; nothing was changed */
    /* Added with cloud saves (API version 1 still; only aicore_saves_pull returns it): */
    AICORE_UNAVAILABLE = 13      /* the cloud gateway cannot be reached now: no cloud sync
                                    configured, offline, or no answer in time; nothing was
                                    changed: try again later */
} aicore_result;

/* Library version "MAJOR.MINOR.PATCH". Static string, owned by the library. */
AICORE_API const char* aicore_version(void);

/* The AICORE_API_VERSION the library was built with. */
AICORE_API int aicore_api_version(void);

/* A short English description of a result code. Static string, never NULL. */
AICORE_API const char* aicore_result_string(aicore_result result);

/* The "MAJOR.MINOR.MICRO" version of the CPython the library embeds.
   Static string, owned by the library. */
AICORE_API const char* aicore_python_version(void);

/* ------------------------------------------------------------------------------------
 * Runtime
 *
 * One runtime per game. The embedded CPython is initialised by the first create and is
 * never finalised (restarting an interpreter with numpy loaded crashes), so a later
 * create in the same process reuses it. All calls on a runtime except aicore_audio_render
 * come from one thread at a time, normally the game thread; the
 * GIL is taken exactly once per aicore_tick and released between ticks.
 *
 * Several runtimes may live in one process (they share the interpreter): each one's log
 * messages go to its own `log` callback, both those of its calls on the game thread and
 * those of its worker threads (clip loading, script watching); destroying one leaves the
 * others' logging as it was.
 *
 * Paths in the config are UTF-8 bytes (anything else is AICORE_INVALID_ARGUMENT); a relative
 * path is relative to the process's working directory at create (the runtime keeps it
 * absolute, so a later chdir does not move it).
 *
 * Errors: every call on a runtime that returns something other than AICORE_OK sets its
 * aicore_runtime_last_error() to why (except aicore_audio_render, which runs on the audio
 * thread and may not allocate: its result code is all it reports). Messages never carry the caller's bytes raw: a kind name or a
 * path is quoted with control bytes and invalid UTF-8 written as \xNN, and cut when long.
 * ---------------------------------------------------------------------------------- */

typedef struct aicore_runtime aicore_runtime;

enum { AICORE_LOG_DEBUG = 10, AICORE_LOG_INFO = 20, AICORE_LOG_WARNING = 30, AICORE_LOG_ERROR = 40 };

/* Called on the thread that produced the message. `message` is valid during the call. */
typedef void (*aicore_log_fn)(void* user, int level, const char* message);

/* The defaults aicore_runtime_config_init writes (and create uses for a budget of 0), and the
   limits create accepts. */
#define AICORE_DEFAULT_MAX_NPCS 1024u
#define AICORE_DEFAULT_CUSTOM_CHANNELS 4u
#define AICORE_DEFAULT_FRAME_BUDGET_MS 10.0
#define AICORE_DEFAULT_HANDLER_BUDGET_MS 5.0
#define AICORE_MAX_NPCS_LIMIT 1048576u /* 1 << 20 */
#define AICORE_MAX_CUSTOM_CHANNELS 64u

typedef struct aicore_runtime_config {
    uint32_t struct_size;         /* sizeof(aicore_runtime_config); set by _init */
    const char* content_root;     /* game content (voice lines, presets, story...); borrowed during
                                     create; NULL: the shipped content; a folder that does not
                                     exist fails create with AICORE_NOT_FOUND */
    const char* save_dir;         /* where the local SQLite state lives (created if missing);
                                     borrowed during create */
    const char* const* script_dirs; /* NPC script folders; array and strings borrowed during create;
                                     NULL and "" entries are skipped; a folder that does not exist
                                     fails create with AICORE_NOT_FOUND */
    uint32_t script_dir_count;
    const char* python_home;      /* the Python installation's prefix (sys.base_prefix). Read by
                                     the create that starts Python: it must hold this build's
                                     lib/pythonX.Y/os.py and lib/pythonX.Y/encodings/ (Windows:
                                     Lib\os.py, Lib\encodings\), else AICORE_NOT_FOUND naming
                                     what is missing, and Python is left unstarted (a later
                                     create with the right prefix works). NULL: the packaged
                                     runtime's Python, the folder python/ beside the folder
                                     libaicore was loaded from (docs/packaging.md), checked
                                     the same way.
                                     Once Python runs, NULL or the running prefix is accepted and
                                     any other prefix refused with AICORE_INVALID_ARGUMENT: the
                                     interpreter cannot be restarted from another prefix. */
    const char* python_venv;      /* a virtual environment whose site-packages to use, or NULL;
                                     a folder that does not exist is AICORE_NOT_FOUND */
    aicore_log_fn log;            /* NULL: messages go to stderr */
    void* log_user;               /* passed back to `log` */
    uint32_t max_npcs;            /* NPC slots (world buffer capacity), 1..AICORE_MAX_NPCS_LIMIT;
                                     default AICORE_DEFAULT_MAX_NPCS (1024) */
    uint32_t custom_channels;     /* extra float channels per NPC, 0..AICORE_MAX_CUSTOM_CHANNELS (64);
                                     default AICORE_DEFAULT_CUSTOM_CHANNELS (4) (0: the custom
                                     views are empty) */
    double frame_budget_ms;       /* wall time: scripts past this are deferred to the next frame;
                                     a tick that used 20x this of the game thread's CPU time (at
                                     least 100 ms), or lasted 50x (at least 500 ms), is interrupted
                                     as a backstop; default AICORE_DEFAULT_FRAME_BUDGET_MS (10),
                                     also when 0 or less */
    double handler_budget_ms;     /* one script handler's budget in the game thread's own CPU time
                                     (a busy machine does not count), then it is interrupted; a
                                     handler blocked without computing is stopped at 50x in wall
                                     time; default AICORE_DEFAULT_HANDLER_BUDGET_MS (5), also
                                     when 0 or less */
    uint32_t debug_port;          /* > 0: listen for a debugpy client on 127.0.0.1:port */
    /* Appended later: a config whose struct_size ends before them leaves them unset.
       More content roots, layered in order over content_root (or over each other when
       content_root is NULL): a file at the same path relative to its root replaces the
       earlier root's file; dialogue, lore and story files of all roots are merged; the
       voice-line manifests are merged by line id (docs/designers.md, "Content roots").
       The voice presets (vocal/) are read from content_root, else the first of these.
       Array and strings borrowed during create; NULL and "" entries are skipped; a folder
       that does not exist fails create with AICORE_NOT_FOUND. */
    const char* const* content_roots;
    uint32_t content_root_count;
    /* Appended with saves (a config whose struct_size ends before them leaves them unset:
       the profile "default", no autosave). The profile whose saves and live state are kept
       under save_dir: a name, not a path (letters, digits, '_' and '-'). Not UTF-8 fails
       create with AICORE_INVALID_ARGUMENT; a name the store refuses (or a store that cannot
       open: damaged, read-only, in use) does not fail create: it is a content problem of
       system "store" naming why, the game runs with memory kept in memory, and the save
       calls return AICORE_ERROR with that reason. NULL or "": "default". Borrowed during
       create. */
    const char* profile;
    /* > 0: save to slot "autosave" every this many seconds of game time (the sum of
       aicore_tick's dt_seconds, so a paused game does not autosave), between frames, without
       the game thread waiting on disk; <= 0 or NaN: no autosave. Needs save_dir. */
    double autosave_seconds;
    /* Appended with cloud sync (a config whose struct_size ends before them: no sync). The
       cloud gateway's ZeroMQ endpoint ("tcp://host:port"; several gateways sharing one
       database: separated by commas, docs/sync.md "Scale-out"): a thread of the runtime's
       sends the profile's outbox (its durable events and commands) there, and the game thread
       never waits for it (docs/sync.md, "The sync client"). NULL or "": no sync. Needs
       save_dir, and sync_keys_dir: the folder holding the gateway's public key
       (gateway.key) and this game's CURVE key pair (<name>.key_secret, the only other
       secret key file there; <name> is the key's name to the gateway). Sync that cannot
       start (no save_dir or no store, a key missing, the sync extra not installed) does not
       fail create: it is a content problem of system "sync", and the events wait in the
       outbox. Not UTF-8, an endpoint not of the form transport://address, or one without
       sync_keys_dir fails create with AICORE_INVALID_ARGUMENT. Borrowed during create. */
    const char* sync_endpoint;
    const char* sync_keys_dir;
} aicore_runtime_config;

/* Fills `config` with defaults; call it first so fields added later keep working. */
AICORE_API void aicore_runtime_config_init(aicore_runtime_config* config);

/* Creates a runtime. On failure *out is NULL (whenever `out` is not NULL) and the reason is in
   aicore_last_create_error(): AICORE_INVALID_ARGUMENT for a NULL or uninitialised config, an
   out-of-range field or a path that is not UTF-8; AICORE_NOT_FOUND for a content root, script
   folder, python_home or python_venv that does not exist (named in the reason);
   AICORE_PYTHON_ERROR if Python or the runtime's Python side cannot start.
   Scripts that fail to load do not fail create (saving a fix reloads them): each is logged as
   an error and listed by aicore_runtime_content_problem with system "scripts", its file, the
   line and the reason; spawning a kind it declares is AICORE_SCRIPT_ERROR until it loads.
   The caller owns the runtime; free it with _destroy. */
AICORE_API aicore_result aicore_runtime_create(const aicore_runtime_config* config,
                                               aicore_runtime** out);
/* Stops the runtime's threads, detaches its log callback and frees it; NULL is a no-op. The
   audio thread must have stopped calling aicore_audio_render on it first (like any other
   call, render must not outlive the handle). The interpreter stays for a later create. */
AICORE_API void aicore_runtime_destroy(aicore_runtime* rt);

/* An optional system (voice lines, dialogue, story, knowledge) that is off, a content file
   one of them left out, or an NPC script that failed to load ("scripts"). Every string is
   owned by the runtime and valid until it is destroyed; the list is made once, at create,
   and does not change (a script fixed by hot reload later stays listed). */
typedef struct aicore_content_problem {
    const char* system; /* "voice_lines", "dialogue", "story", "knowledge" or "scripts" */
    const char* file;   /* the content file left out; NULL: the whole system is off */
    uint32_t line;      /* the line in `file`, 0 when unknown */
    const char* field;  /* the field at fault, NULL when unknown or the file as a whole */
    const char* reason; /* why, in words, for people */
} aicore_content_problem;

/* How many content problems the runtime has (0: every system is on, every file loaded). */
AICORE_API uint32_t aicore_runtime_content_problem_count(const aicore_runtime* rt);

/* The index-th content problem, 0 <= index < count; AICORE_INVALID_ARGUMENT otherwise. */
AICORE_API aicore_result aicore_runtime_content_problem(const aicore_runtime* rt, uint32_t index,
                                                        aicore_content_problem* out);

/* Why the last aicore_runtime_create on this thread failed ("" if it did not).
   Valid until the next create on this thread. */
AICORE_API const char* aicore_last_create_error(void);

/* Why the last call on this runtime that did not return AICORE_OK failed ("" if none has).
   Owned by the runtime; valid until the next call on it. */
AICORE_API const char* aicore_runtime_last_error(const aicore_runtime* rt);

/* ------------------------------------------------------------------------------------
 * World buffers: struct-of-arrays the engine writes and reads, seen by Python as numpy
 * views over the same memory (no copy). Pointers stay valid until _destroy.
 * ---------------------------------------------------------------------------------- */

enum {
    AICORE_PERCEIVES_PLAYER = 1u << 0, /* the NPC can see the player (line of sight, range) */
    AICORE_HEARS_NOISE = 1u << 1,      /* a noise reached the NPC this frame */
    AICORE_IS_DAMAGED = 1u << 2        /* the NPC took damage this frame */
};

typedef struct aicore_world {
    uint32_t capacity;        /* NPC slots */
    uint32_t custom_channels; /* floats per NPC in `custom` */
    float* position;          /* [capacity][3] metres, z up; engine writes */
    float* velocity;          /* [capacity][3] metres/second; engine writes */
    float* heading;           /* [capacity] radians, 0 = +y; engine writes */
    float* health;            /* [capacity] 0..1; engine writes */
    uint32_t* perception;     /* [capacity] AICORE_PERCEIVES_PLAYER | ...; engine writes */
    float* custom;            /* [capacity][custom_channels]; either side */
    uint8_t* alive;           /* [capacity] 1 = slot in use; runtime writes (spawn/despawn) */
    float* player_position;   /* [3]; engine writes */
} aicore_world;

AICORE_API aicore_result aicore_world_get(aicore_runtime* rt, aicore_world* out);

/* Gives an NPC slot to a new NPC of script kind `kind` (UTF-8, borrowed during the call) and
   writes it to *out_slot. Refused without taking a slot (*out_slot unchanged, the reason in
   the last error): AICORE_NOT_FOUND for a kind no loaded script defines (the reason lists
   the kinds that are), AICORE_SCRIPT_ERROR for a kind declared by a script that failed to
   load (the reason names its file and line), AICORE_FULL when every slot is in use,
   AICORE_INVALID_ARGUMENT for NULL arguments or a kind that is not UTF-8. A failing on_spawn
   does not refuse the spawn: it is reported like any handler's failure. */
AICORE_API aicore_result aicore_npc_spawn(aicore_runtime* rt, const char* kind, uint32_t* out_slot);

/* Whether a loaded NPC script defines kind `kind` (borrowed during the call): AICORE_OK if
   one does, AICORE_NOT_FOUND (the reason in the last error, naming the script if the kind's
   script failed to load) if none does. On AICORE_OK and
   if `out_archetype` is not NULL, *out_archetype gets the voice archetype the kind's lines
   are spoken in ("" if it has none); owned by the runtime, valid until the next call on it.
   Takes the GIL: a start-up query, not one for every frame. */
AICORE_API aicore_result aicore_kind_find(aicore_runtime* rt, const char* kind,
                                          const char** out_archetype);
/* Frees slot `slot`: the NPC's script stops (its timers and memory go with it), `alive[slot]`
   becomes 0 and the slot can be spawned again. Events still queued for the slot go to
   whichever NPC holds it when they come due (none: they reach only the story). AICORE_NOT_FOUND if the slot
   holds no NPC (despawned twice, say); AICORE_INVALID_ARGUMENT if rt is NULL or slot >=
   max_npcs. The engine calls it when it removes the NPC, whether or not a `despawn`
   command asked for that. */
AICORE_API aicore_result aicore_npc_despawn(aicore_runtime* rt, uint32_t slot);

/* ------------------------------------------------------------------------------------
 * Frames, events and commands
 * ---------------------------------------------------------------------------------- */

/* Runs one frame of scripts: takes the GIL once, hands the world views and the pending
   events to Python, collects its commands, releases the GIL.
   - AICORE_OK: the frame did all its work: every pending event was delivered, every NPC
     whose turn it was ran.
   - AICORE_INCOMPLETE: the frame did what fitted in frame_budget_ms and kept the rest, in
     order, for the next tick: events (at most 1024 enter the scripts' queue per tick, a
     burst spreads over frames), timers, scripts' messages and NPCs whose on_tick waits.
     Nothing is dropped; metrics.pending_events says how many events wait and
     metrics.incomplete_ticks counts such ticks. Also returned when the tick's backstop
     (see frame_budget_ms) interrupted the frame between handlers: the handler that was
     running counts as failed, everything not yet delivered waits. Not an error: keep
     ticking; a game that sees it every frame pushes more than its scripts can handle.
   - A failing script never fails the tick: its error is counted (metrics.script_errors)
     and logged once per place, and the tick returns OK or INCOMPLETE as above.
   - AICORE_INVALID_ARGUMENT: rt is NULL or dt_seconds is negative or NaN. */
AICORE_API aicore_result aicore_tick(aicore_runtime* rt, double dt_seconds);

/* Queues events for the next tick: `data` is one msgpack event map or an array of them
   (docs/protocol.md); borrowed during the call. Each event is validated here, completely
   (docs/protocol.md, "What is rejected"): a string that is not UTF-8, a msgpack extension,
   a map key that is not a string or is repeated, NaN or an infinity, a number outside its
   range (npc 0..2^32-1, amount and loudness 0..1), a missing, extra or mistyped field, or
   nesting deeper than 32 levels rejects that event: AICORE_BAD_MESSAGE, the first reason in
   the last error ("event 3: ..."), each counted in rejected_messages, and the valid events
   of the batch are kept. A push over 1 MiB, of more than 4096 events, or that is not one
   complete msgpack value is refused whole ("push refused: ..."), counted once. Events for
   a slot that holds no NPC are valid and reach no NPC. Every event accepted here reaches
   the scripts at a later tick (dropped_events counts any that could not: a bug). */
AICORE_API aicore_result aicore_push_events(aicore_runtime* rt, const uint8_t* data, size_t size);

/* Moves the commands produced since the last drain into `buffer` as one msgpack array of
   command maps (docs/protocol.md; no number in them is NaN or infinite). *written gets the
   bytes used; if `capacity` is too small nothing is removed, AICORE_FULL is returned and
   *written gets the size needed, so (rt, NULL, 0, &written) is a size query (1 byte, the
   empty array, when nothing is pending). A `despawn` command is a request: the runtime
   frees nothing until the engine calls aicore_npc_despawn for that slot. */
AICORE_API aicore_result aicore_drain_commands(aicore_runtime* rt, uint8_t* buffer, size_t capacity,
                                               size_t* written);

/* ------------------------------------------------------------------------------------
 * Audio: the voice engine.
 *
 * Two threads: aicore_audio_prepare runs on the game thread (like every call but render);
 * aicore_audio_render runs on the engine's audio thread, one render at a time, and may be
 * called without pause, before, during and after any prepare. Render never takes the GIL,
 * never waits, locks, allocates or frees, and never writes the runtime's last error (a
 * string the game thread may be reading): its result code is all it reports.
 *
 * Re-preparing (a new sample rate or block size, the audio device restarted) is safe while
 * the audio thread renders: the new voice engine is built off the audio thread, then
 * swapped in between two renders; the old one is freed by prepare, never on the audio
 * thread. The voice lines' clips live as long as the runtime and survive a re-prepare (a
 * line loaded before the first prepare plays after it). The lines playing on the old
 * engine are cut: each reaches its NPC's script as a line_finished event with
 * how = "stolen" ("rejected" for a line not started yet), so no NPC is left speaking.
 * ---------------------------------------------------------------------------------- */

/* Builds a voice engine for `sample_rate` (8000..192000 Hz) and blocks of at most
   `max_block` (1..8192) frames, and makes it the one render uses. Game thread.
   AICORE_INVALID_ARGUMENT for an argument out of range; AICORE_NOT_FOUND if the voice
   presets under the content root could not load; AICORE_BUSY if a render in flight did
   not return within about 100 ms (its thread was descheduled mid-block): nothing was
   changed, the old engine renders on, call again. On AICORE_OK the new engine is live. */
AICORE_API aicore_result aicore_audio_prepare(aicore_runtime* rt, double sample_rate,
                                              uint32_t max_block);

/* Writes `frames` samples of the stereo mix to `left` and `right`, each `frames` floats;
   any number of frames (above max_block the engine renders them in max_block chunks; 0
   writes nothing). Audio thread; real-time safe.
     AICORE_OK                the mix was written;
     AICORE_BUSY              aicore_audio_prepare was swapping the engine at that moment:
                              silence was written and metrics.busy_renders counted it; the
                              next call renders the new engine;
     AICORE_INVALID_ARGUMENT  rt, left or right is NULL (nothing written), or no prepare
                              has succeeded yet (silence was written). */
AICORE_API aicore_result aicore_audio_render(aicore_runtime* rt, float* left, float* right,
                                             uint32_t frames);

/* ------------------------------------------------------------------------------------
 * Saves (docs/saves.md): NPC memory and story progress, kept per profile under the
 * config's save_dir. Every save call runs on the game thread between two aicore_tick
 * calls, takes the GIL and waits for the disk (a save is on disk when it returns); none is
 * for every frame. A slot is a name, not a path: letters, digits, '_' and '-' (at most 64);
 * "autosave" is the slot autosave_seconds writes.
 *
 * What each returns besides AICORE_OK, with the last error naming the file or slot and why:
 *   AICORE_INVALID_ARGUMENT  rt or slot is NULL, or the slot name is not allowed (empty,
 *                            "../x", an absolute path, a separator, a reserved name,
 *                            not UTF-8): nothing on disk was touched;
 *   AICORE_NOT_FOUND         no save in that slot (load, delete: delete returns it too);
 *   AICORE_CORRUPT           the save file is damaged or is not a save this library reads;
 *                            the sound saves are named in the last error and still listed;
 *   AICORE_IO_ERROR          the disk is full or read-only, or another input/output failure;
 *   AICORE_ERROR             the runtime has no store (no save_dir, or its store could not
 *                            open: see the content problem "store"), or the profile is in
 *                            use by another store.
 * A failed save leaves the slot's earlier save as it was; a failed load changes nothing.
 * ---------------------------------------------------------------------------------- */

/* Saves the play-through to `slot` (UTF-8, borrowed during the call) and waits until it
   is on disk. Atomic: the slot holds the old save or the new one, whole; the save it
   replaces is kept as the slot's previous generation (listed with previous = 1). */
AICORE_API aicore_result aicore_save(aicore_runtime* rt, const char* slot);

/* Puts back what NPCs remembered and the story's progress as `slot` holds them (NPC memory
   is by NPC slot: the engine spawns its NPCs as it does after any load). A save from an
   older schema is migrated on load; the slot's file itself is never written. */
AICORE_API aicore_result aicore_load(aicore_runtime* rt, const char* slot);

/* Deletes `slot` and its previous generation. AICORE_NOT_FOUND if there was none. */
AICORE_API aicore_result aicore_save_delete(aicore_runtime* rt, const char* slot);

/* One save file as aicore_saves_refresh found it. Set struct_size to sizeof(aicore_save_info)
   before aicore_save_info_get: the library writes only the fields that fit in it (at least
   `slot` must), so an engine built against an older header keeps working. Fields are only
   ever appended. Strings are owned by the runtime, valid until the next aicore_saves_refresh
   or aicore_runtime_destroy. */
typedef struct aicore_save_info {
    uint32_t struct_size;     /* set by the caller; the library sets the bytes it wrote */
    const char* slot;         /* the slot name */
    const char* label;        /* "" when none */
    const char* problem;      /* why the file cannot be loaded (naming it), NULL when sound */
    double saved_at_unix;     /* seconds since 1970 UTC; 0 when the file could not be read */
    uint32_t schema_version;  /* of the file; 0 when unknown */
    uint32_t previous;        /* 1: the generation a later save of `slot` replaced */
} aicore_save_info;

/* Pulls the newest cloud save of this game's sync key (docs/sync.md, "Cloud saves") into
   the profile's slots: of `slot` (UTF-8, borrowed during the call), or of any slot when
   `slot` is NULL. An explicit call like aicore_load, never per frame: it waits (up to the
   sync client's pull timeout, 60 s by default) for the gateway to be online and the save
   to come down, checks it as a load would (its SHA-256, then header, integrity, every
   value) and only then writes it as a slot. A local slot holding another save is never
   overwritten unless the cloud's save was made from it: the cloud's save is then written
   as "<slot>-cloud" and the local one kept. On AICORE_OK `out` describes the slot now
   holding the cloud's save (out->slot: `slot`, or "<slot>-cloud"...): call aicore_load
   with it. Set out->struct_size as for aicore_save_info_get; its strings are owned by the
   runtime, valid until the next aicore_saves_pull or aicore_runtime_destroy. Returns,
   besides the save calls' codes above:
     AICORE_UNAVAILABLE       no cloud sync (no sync_endpoint, or it could not start: see
                              the content problem "sync"), offline, or not in time;
     AICORE_NOT_FOUND         the cloud holds no save of this key (in that slot);
     AICORE_CORRUPT           what came down is not the save it names (its SHA-256) or not
                              a sound save: nothing was written;
     AICORE_INVALID_ARGUMENT  rt or out is NULL, out->struct_size does not reach `slot`,
                              or the slot name is not allowed;
     AICORE_ERROR             the gateway refused (it serves no saves...), or no store. */
AICORE_API aicore_result aicore_saves_pull(aicore_runtime* rt, const char* slot,
                                           aicore_save_info* out);

/* Reads the profile's saves, newest first, damaged ones included (with their problem), and
   writes how many to *out_count. AICORE_INVALID_ARGUMENT if rt or out_count is NULL;
   AICORE_ERROR (*out_count = 0) if the runtime has no store. */
AICORE_API aicore_result aicore_saves_refresh(aicore_runtime* rt, uint32_t* out_count);

/* The index-th save of the last aicore_saves_refresh, 0 <= index < its count.
   AICORE_INVALID_ARGUMENT for an index out of range, a NULL out, or an out->struct_size
   that does not reach `slot`. */
AICORE_API aicore_result aicore_save_info_get(const aicore_runtime* rt, uint32_t index,
                                              aicore_save_info* out);

/* ------------------------------------------------------------------------------------
 * Story flags and script reloading: calls of the game thread, between two aicore_tick
 * calls, like every call but aicore_audio_render (nothing checks the thread: calling from
 * another while the game thread ticks is a race the caller owns). Each takes the GIL: for
 * a quest screen, a Blueprint branch or a console command, not for every NPC every frame.
 * Added in API version 1 still: new functions break no engine built against an older
 * header, which simply does not call them (AICORE_API_VERSION counts incompatible changes
 * only).
 * ---------------------------------------------------------------------------------- */

/* The types a story flag holds (docs/designers.md, the story's [flags] table). */
enum { AICORE_STORY_FLAG_BOOL = 1, AICORE_STORY_FLAG_INT = 2, AICORE_STORY_FLAG_STRING = 3 };

/* One story flag's current value. Set struct_size to sizeof(aicore_story_flag) before
   aicore_story_flag_get: the library writes only the fields that fit (at least up to
   text_size), so an engine built against an older header keeps working; fields are only
   ever appended. */
typedef struct aicore_story_flag {
    uint32_t struct_size; /* set by the caller; the library sets the bytes it wrote */
    uint32_t type;        /* AICORE_STORY_FLAG_BOOL, _INT or _STRING */
    int64_t value;        /* bool: 0 or 1; int: the value; string: 0 */
    const char* text;     /* the value as UTF-8 text, NUL-terminated: "true" or "false", the
                             int in decimal, or the string itself; owned by the runtime,
                             valid until the next call on it */
    size_t text_size;     /* bytes in `text` before its terminating NUL (a string flag may
                             hold a NUL of its own: text_size says where it really ends) */
} aicore_story_flag;

/* Reads the story flag `name` (UTF-8, borrowed during the call) into *out. Flag names are
   unique across every story loaded (docs/designers.md). Returns:
     AICORE_OK                *out holds the flag's type and value;
     AICORE_NOT_FOUND         no loaded story declares `name`, or the story system is off
                              (the content problem "story" says why); the last error lists
                              the flags there are;
     AICORE_INVALID_ARGUMENT  rt, name or out is NULL, out->struct_size does not reach
                              text_size, or name is not UTF-8;
     AICORE_ERROR             an int flag a script set outside int64's range (named in the
                              last error).
   On anything but AICORE_OK *out is left as it was. */
AICORE_API aicore_result aicore_story_flag_get(aicore_runtime* rt, const char* name,
                                               aicore_story_flag* out);

/* Reloads every NPC script whose file changed since it was last loaded (and any new file in
   the script folders) now, without waiting for the script watcher to notice: what the watcher
   does between frames, at once (docs/designers.md, "Hot reload"). NPCs keep their state and
   their script's on_reload runs. *out_reloaded (if out_reloaded is not NULL) gets how many
   files now run their new version. Returns:
     AICORE_OK                every changed file reloaded (none changed: *out_reloaded = 0);
     AICORE_SCRIPT_ERROR      at least one changed file failed to load: the last error names
                              each, "file:line: kind: message"; its last good version keeps
                              running (a new file that never loaded declares no kind until
                              fixed); the other files did reload. A broken file that is not
                              changed again is not tried again;
     AICORE_INVALID_ARGUMENT  rt is NULL.
   A write the watcher notices after this call loaded it is not loaded a second time. The
   content problems (aicore_runtime_content_problem) stay the list made at create. */
AICORE_API aicore_result aicore_scripts_reload(aicore_runtime* rt, uint32_t* out_reloaded);

/* ------------------------------------------------------------------------------------
 * Metrics
 * ---------------------------------------------------------------------------------- */

/* Set struct_size to sizeof(aicore_metrics) before the call: the library writes only the
   fields that fit in it, so an engine built against an older header (a smaller struct)
   keeps working. Fields are only ever appended. */
typedef struct aicore_metrics {
    uint32_t struct_size;        /* set by the caller; the library sets the bytes it wrote */
    uint64_t frames;             /* ticks run */
    uint64_t script_errors;      /* handler exceptions, interrupted runaways, ... */
    uint64_t rejected_messages;  /* malformed events refused by push_events */
    uint64_t events_in;          /* events accepted */
    uint64_t commands_out;       /* commands produced */
    double last_tick_us;         /* wall time of the last tick */
    double last_bridge_us;       /* of which spent crossing the boundary (GIL, views, msgpack):
                                    neither in scripts nor in garbage collection */
    uint32_t npcs;               /* NPC slots in use */
    uint32_t active_voices;      /* voices the audio engine is playing */
    /* Appended after the first version (API version 1 still): */
    double last_gc_us;           /* of the last tick, spent collecting Python garbage after
                                    the scripts (usually ~0: young objects are collected only
                                    when enough have been allocated) */
    uint64_t incomplete_ticks;   /* ticks that returned AICORE_INCOMPLETE (work carried over) */
    uint32_t pending_events;     /* work waiting for the next tick: events pushed since the
                                    last tick, plus the events, due timers and scripts'
                                    messages a tick carried over */
    uint64_t dropped_events;     /* events push_events accepted that the runtime could not
                                    deliver after all; 0 unless there is a bug (each is logged) */
    uint64_t busy_renders;       /* aicore_audio_render calls that wrote silence and returned
                                    AICORE_BUSY because aicore_audio_prepare was swapping the
                                    voice engine (counted since create, across re-prepares) */
    uint64_t store_held_frames;  /* frames whose writes (NPC memory, story, the outbox) the
                                    store held for a later frame because its writer's queue
                                    stayed full past the hand-over budget: kept in order and
                                    written later, never dropped (docs/saves.md) */
    uint64_t store_faults;       /* store faults since create (disk full, read-only folder, a
                                    value that could not be kept...): each logged; the game
                                    goes on */
    uint64_t unjournalled_messages; /* durable events and commands (schema.toml) that could
                                    not go to the outbox because the runtime has no store:
                                    counted, never silently lost */
} aicore_metrics;

/* AICORE_INVALID_ARGUMENT if rt or out is NULL or out->struct_size is smaller than the
   first version of the struct (up to and including active_voices). */
AICORE_API aicore_result aicore_metrics_get(const aicore_runtime* rt, aicore_metrics* out);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* AICORE_AICORE_H */
