"""pytest-benchmark: the store (engine_bridge/store/), issue #14 item 7.

Targets (docs/saves.md, "Benchmarks"):

* events committed per second through the writer thread, appended to the outbox and
  handed over a frame at a time, timed until the last is committed: >= 200 000/s (beside
  it, a naive commit per event over plain sqlite3 with the same table, for a same-run
  ratio);
* the game thread's cost to hand over a frame of 100 outbox events (append them, flush):
  <= 20 us; the flush alone is measured too;
* save and load of a 10 000-NPC world (four memory keys each, and the shipped story):
  <= 50 ms each; beside it, the load followed by every NPC's first ``recall`` (a slot's
  memory is decoded on first use, so that is the load's whole cost);
* and, without a target, the game thread's cost of 1 000 NPCs each remembering a key in a
  frame, then the flush.

``make test`` runs each once, untimed (``--benchmark-disable``), with smaller sizes where
that keeps the run short: they are tests too (every event is committed, a load gives back
the world that was saved). ``make bench`` times them.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from engine_bridge.content.story import StoryBook
from engine_bridge.core.persistence import Persistence
from engine_bridge.protocol.messages import DURABLE_EVENTS
from engine_bridge.protocol.messages import decode as decode_messages
from engine_bridge.protocol.messages import encode as encode_messages
from engine_bridge.store import Store
from engine_bridge.store.encoding import encode
from engine_bridge.tooling.bench.declared_figures import declare_figure

CONTENT = Path(__file__).resolve().parents[2] / "content"
BODY = {"npc": 17, "what": "died", "at": (12.5, 0.0, -3.25)}
BODY_AS_SENT = {"npc": 17, "what": "died", "at": [12.5, 0.0, -3.25]}  # msgpack: no tuples
EVENTS_PER_FRAME = 1_000
WORLD_NPCS = 10_000

# Events per second of each way of committing, measured in this run (for the ratio).
RATES: dict[str, float] = {}


def _report(benchmark: BenchmarkFixture, label: str, unit: str = "us") -> float | None:
    """Print the median (None when benchmarks run untimed, as in ``make test``)."""
    if benchmark.stats is None:
        return None
    median: float = benchmark.stats.stats.median
    scale = {"us": 1e6, "ms": 1e3}[unit]
    print(f"\n{label}: median {median * scale:.2f} {unit}")
    return median


def _rate(benchmark: BenchmarkFixture, events_per_second: float) -> None:
    declare_figure(
        benchmark.extra_info,
        "events_per_second",
        events_per_second,
        unit="events/s",
        kind="throughput",
    )


def _rows(store: Store, table: str) -> int:
    conn = sqlite3.connect(store.paths.live)
    try:
        (count,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    finally:
        conn.close()
    return int(count)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "saves", "bench")
    yield opened
    opened.close()


@pytest.mark.benchmark(group="store-events-per-second")
def test_outbox_events_committed_per_second_through_the_writer(
    benchmark: BenchmarkFixture, store: Store
) -> None:
    """One round: 100 frames of 1 000 ``outbox.append`` each, a flush per frame, and the
    wait until the writer has committed the last (the game thread and the writer run at
    once, as in a game)."""
    frames = 10 if benchmark.disabled else 100
    events = frames * EVENTS_PER_FRAME
    outbox = store.outbox

    def frames_until_committed() -> None:
        for _ in range(frames):
            for _ in range(EVENTS_PER_FRAME):
                outbox.append("npc_event", BODY)
            store.flush()
        assert store.wait_committed(timeout=120)

    benchmark.pedantic(frames_until_committed, rounds=10, iterations=1, warmup_rounds=1)
    assert store.take_faults() == []
    assert _rows(store, "outbox") == outbox.last_seq  # every event committed, none lost
    median = _report(benchmark, f"{events} events through the writer", "ms")
    if median is not None:
        RATES["writer"] = events / median
        _rate(benchmark, events / median)
        print(f"events committed per second: {events / median:,.0f}")


@pytest.mark.benchmark(group="store-events-per-second")
def test_engine_events_committed_per_second_journalled_from_their_bytes(
    benchmark: BenchmarkFixture, store: Store
) -> None:
    """The same as above for the engine's events: 100 frames of 1 000 durable events
    journalled from the msgpack array they arrived in (the writer cuts them out)."""
    frames = 10 if benchmark.disabled else 100
    events = frames * EVENTS_PER_FRAME
    event = {"v": 1, "type": "custom", "name": "body_delivered", "data": BODY_AS_SENT}
    data = encode_messages([event] * EVENTS_PER_FRAME)
    picks = [(index, "event.custom") for index in range(EVENTS_PER_FRAME)]
    outbox = store.outbox

    def frames_until_committed() -> None:
        for _ in range(frames):
            outbox.append_items(data, picks)
            store.flush()
        assert store.wait_committed(timeout=120)

    benchmark.pedantic(frames_until_committed, rounds=10, iterations=1, warmup_rounds=1)
    assert store.take_faults() == []
    assert _rows(store, "outbox") == outbox.last_seq
    median = _report(benchmark, f"{events} engine events through the writer", "ms")
    if median is not None:
        _rate(benchmark, events / median)
        print(f"engine events committed per second: {events / median:,.0f}")


@pytest.mark.benchmark(group="store-events-per-second")
def test_naive_commit_per_event_over_plain_sqlite3(
    benchmark: BenchmarkFixture, tmp_path: Path
) -> None:
    """The same events (msgpack body, time stamp) into the same table shape, WAL and
    ``synchronous=NORMAL`` as the store's live database, but one commit per event."""
    events = 2_000 if benchmark.disabled else 20_000
    conn = sqlite3.connect(tmp_path / "naive.db", isolation_level=None)  # autocommit
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(
        "CREATE TABLE outbox (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, "
        "body BLOB NOT NULL, created REAL NOT NULL)"
    )
    seq = 0

    def commit_each() -> None:
        nonlocal seq
        for _ in range(events):
            seq += 1
            conn.execute(
                "INSERT INTO outbox(seq, kind, body, created) VALUES (?, ?, ?, ?)",
                (seq, "npc_event", encode(BODY), time.time()),
            )

    try:
        benchmark.pedantic(commit_each, rounds=5, iterations=1, warmup_rounds=1)
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (seq,)
    finally:
        conn.close()
    median = _report(benchmark, f"{events} naive commits", "ms")
    if median is not None:
        RATES["naive"] = events / median
        _rate(benchmark, events / median)
        print(f"naive events committed per second: {events / median:,.0f}")
        if "writer" in RATES:
            ratio = RATES["writer"] / RATES["naive"]
            declare_figure(benchmark.extra_info, "writer_over_naive", ratio, unit="x", kind="ratio")
            print(f"the writer commits {ratio:.1f}x as many events per second")


@pytest.mark.benchmark(group="store-game-thread")
@pytest.mark.parametrize("events", [10, 100, 1_000], ids=lambda n: f"{n}_events")
def test_game_thread_hands_over_a_frame_of_events(
    benchmark: BenchmarkFixture, store: Store, events: int
) -> None:
    """Values a script made (no bytes to journal from): ``events`` ``outbox.append``,
    each encoded on the game thread, and the flush that hands the batch to the writer's
    queue (the writer commits meanwhile, on its own thread), at three sizes so that
    aicore bench fits its growth. No target: the figure says what a journalled value
    costs."""
    outbox = store.outbox

    def frame() -> None:
        for _ in range(events):
            outbox.append("npc_event", BODY)
        store.flush()

    benchmark.pedantic(frame, rounds=max(200, 200_000 // events), iterations=1, warmup_rounds=20)
    assert store.wait_committed(timeout=60)
    assert _rows(store, "outbox") == outbox.last_seq
    _report(benchmark, f"{events} appends + flush")


@pytest.mark.benchmark(group="store-game-thread")
def test_game_thread_journals_a_frame_of_100_durable_engine_events(
    benchmark: BenchmarkFixture, tmp_path: Path
) -> None:
    """The runtime's path for the engine's events (issue #14's target, <= 20 us): a frame
    of 100 durable events, decoded already for the scripts, picked out by type and
    journalled from the msgpack bytes they arrived in, then the flush. The writer thread
    cuts the rows out and commits them meanwhile."""
    persistence = Persistence(tmp_path / "saves", profile="bench")
    store = persistence.store
    assert store is not None
    event = {"v": 1, "type": "custom", "name": "body_delivered", "data": BODY_AS_SENT}
    data = encode_messages([event] * 100)
    events = decode_messages(data)

    def frame() -> None:
        persistence.journal_array("event", data, events, DURABLE_EVENTS, True)
        store.flush()

    try:
        benchmark.pedantic(frame, rounds=2_000, iterations=1, warmup_rounds=50)
        assert store.wait_committed(timeout=60)
        assert store.take_faults() == []
        assert _rows(store, "outbox") == store.outbox.last_seq
        (last,) = store.outbox.pending(after_seq=store.outbox.last_seq - 1)
        assert last.body == event
    finally:
        persistence.close()
    _report(benchmark, "100 durable engine events journalled + flush")


@pytest.mark.benchmark(group="store-game-thread")
def test_game_thread_flush_of_a_frame_of_100_events(
    benchmark: BenchmarkFixture, store: Store
) -> None:
    """The hand-over alone: the flush of a frame whose 100 events are already appended."""
    outbox = store.outbox

    def append_100() -> None:
        for _ in range(100):
            outbox.append("npc_event", BODY)

    benchmark.pedantic(store.flush, setup=append_100, rounds=2_000, iterations=1, warmup_rounds=50)
    assert store.wait_committed(timeout=60)
    assert _rows(store, "outbox") == outbox.last_seq
    _report(benchmark, "flush of 100 appended events")


@pytest.mark.benchmark(group="store-game-thread")
def test_game_thread_npc_memory_of_1000_npcs_in_a_frame(
    benchmark: BenchmarkFixture, store: Store
) -> None:
    """1 000 NPCs each ``remember`` where they saw the player, then the end-of-frame
    ``memory.flush()`` (encode the map of each NPC written to, hand the batch over)."""
    memory = store.npc_memory()
    frame_number = 0

    def frame() -> None:
        nonlocal frame_number
        frame_number += 1
        seen_at = (float(frame_number), 0.0, 2.5)
        for slot in range(1_000):
            memory[slot]["last_seen_at"] = seen_at
        memory.flush()

    benchmark.pedantic(frame, rounds=300, iterations=1, warmup_rounds=10)
    assert store.wait_committed(timeout=60)
    assert store.take_faults() == []
    conn = sqlite3.connect(store.paths.live)
    try:
        rows = conn.execute("SELECT DISTINCT keys, memory FROM npc_memory").fetchall()
    finally:
        conn.close()
    assert rows == [(1, encode({"last_seen_at": (float(frame_number), 0.0, 2.5)}))]
    _report(benchmark, "1000 NPCs remember + flush")


def _npc(slot: int) -> dict[str, Any]:
    return {
        "greeted": slot % 3 == 0,
        "hp": 50 + slot % 50,
        "last_seen_at": (float(slot % 100), 0.0, float(slot // 100)),
        "met": ["player", f"npc_{(slot + 1) % WORLD_NPCS}"],
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, dict[str, Any]]]:
    """A store holding 10 000 NPCs' memory (four keys each) and the shipped story with
    flags set and beats done; saved once as ``world``."""
    store = Store.open(tmp_path_factory.mktemp("world") / "saves", "bench")
    memory = store.npc_memory()
    for slot in range(WORLD_NPCS):
        memory[slot].update(_npc(slot))
    book = StoryBook.load(CONTENT)
    book.set_flag("knows_of_ledger", True)
    book.set_flag("wraith_name", "Eadric")
    story = book.snapshot()
    store.story_state.write(story)
    store.flush()
    assert store.wait_committed(timeout=120)
    store.saves.save("world").result(120)
    yield store, story
    store.close()


@pytest.mark.benchmark(group="store-save-load")
def test_save_a_world_of_10000_npcs(
    benchmark: BenchmarkFixture, world: tuple[Store, dict[str, Any]]
) -> None:
    """An explicit save, until its future says it is on disk (fsynced and renamed in)."""
    store, _ = world
    info = benchmark.pedantic(
        lambda: store.saves.save("bench").result(120), rounds=30, iterations=1, warmup_rounds=2
    )
    assert info.sound
    conn = sqlite3.connect(info.path)
    try:
        assert conn.execute("SELECT count(*), sum(keys) FROM npc_memory").fetchone() == (
            WORLD_NPCS,
            4 * WORLD_NPCS,
        )
    finally:
        conn.close()
    _report(benchmark, "save of 10 000 NPCs", "ms")


@pytest.mark.benchmark(group="store-save-load")
def test_load_a_world_of_10000_npcs(
    benchmark: BenchmarkFixture, world: tuple[Store, dict[str, Any]]
) -> None:
    """A load of that save, from the call until memory and story are back in Python
    (every NPC's map checked; each is decoded again on its first use, which the next
    benchmark counts). Before each one every NPC is used (so the load frees a world
    whose memory is all decoded, as a game's is), one changed and one added."""
    store, story = world
    memory = store.npc_memory()

    def play_on() -> None:
        for slot in range(WORLD_NPCS):
            memory[slot].get("hp")
        memory[0]["hp"] = -1
        memory[WORLD_NPCS]["new"] = True
        store.flush()

    benchmark.pedantic(
        lambda: store.saves.load("world"), setup=play_on, rounds=30, iterations=1, warmup_rounds=2
    )
    assert len(memory) == WORLD_NPCS
    assert WORLD_NPCS not in memory
    for slot in (0, 1, WORLD_NPCS // 2, WORLD_NPCS - 1):
        assert dict(memory.view(slot)) == _npc(slot)
    assert store.story_state.read() == story
    _report(benchmark, "load of 10 000 NPCs", "ms")


@pytest.mark.benchmark(group="store-save-load")
def test_load_a_world_of_10000_npcs_then_use_every_npc(
    benchmark: BenchmarkFixture, world: tuple[Store, dict[str, Any]]
) -> None:
    """The load, then what the first frame after it pays when every NPC recalls a key:
    a slot's memory is decoded on first use, so this is the load's whole cost."""
    store, _ = world
    memory = store.npc_memory()

    def load_and_use() -> int:
        store.saves.load("world")
        return sum(memory[slot].get("hp", 0) for slot in range(WORLD_NPCS))  # type: ignore[misc]

    total = benchmark.pedantic(load_and_use, rounds=30, iterations=1, warmup_rounds=2)
    assert total == sum(_npc(slot)["hp"] for slot in range(WORLD_NPCS))
    assert store.take_faults() == []
    _report(benchmark, "load of 10 000 NPCs, then every NPC recalls", "ms")
