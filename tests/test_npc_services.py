"""The services seam (engine_bridge/scripting/services.py): NPCs act through the one services object
the scheduler builds; memory goes through the NpcMemory store it was given; ``after``
returns a handle that calls the timer off."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from engine_bridge.api import Npc
from engine_bridge.core.frame import FRAME_SECONDS
from engine_bridge.core.scheduler import Scheduler
from engine_bridge.core.world import World
from engine_bridge.sandbox import Sandbox
from engine_bridge.scripting.npc_memory import InMemoryNpcMemory, Memorable


class Bells(Npc):
    kind = "bells"

    def on_spawn(self) -> None:
        self.kept = self.after(0.5, self.ring, "kept")
        self.called_off = self.after(0.5, self.ring, "called off")
        self.called_off.cancel()

    def ring(self, name: str) -> None:
        self.remember("rang", [*self.recall("rang", []), name])


def test_a_cancelled_timer_never_runs_and_the_others_do() -> None:
    sandbox = Sandbox(Bells)
    bells = sandbox.npc(sandbox.spawn("bells"))
    assert bells.kept.pending
    assert not bells.called_off.pending
    sandbox.step(60)  # a second: both were due half-way
    assert bells.recall("rang") == ["kept"]
    assert not bells.kept.pending  # it ran
    bells.kept.cancel()  # calling off one that ran does nothing
    bells.called_off.cancel()  # nor twice
    sandbox.step(60)
    assert bells.recall("rang") == ["kept"]
    sandbox.close()


def test_a_timer_cancelled_after_it_fell_due_does_not_run() -> None:
    class Race(Npc):
        kind = "race"

        def on_spawn(self) -> None:
            self.first = self.after(0.0, self.win)
            self.second = self.after(0.0, self.lose)

        def win(self) -> None:
            self.remember("won", True)
            self.second.cancel()  # due in the same frame, already taken off the timers

        def lose(self) -> None:
            self.remember("lost", True)

    sandbox = Sandbox(Race)
    race = sandbox.npc(sandbox.spawn("race"))
    # No time at all: each frame delivers one (the first always runs), so the second is
    # cancelled while it waits, due, in the queue. Deterministic on any machine.
    sandbox.runtime.scheduler.frame_budget_s = 0.0
    sandbox.step(3)
    assert race.recall("won") is True
    assert race.recall("lost") is None
    assert sandbox.runtime.carried == (0, 0)
    sandbox.close()


class Keeper(Npc):
    kind = "keeper"

    def on_spawn(self) -> None:
        self.remember("coins", 3)
        self.remember("last_seen", self.now)

    def on_tick(self, dt: float) -> None:
        self.remember("ticks", self.recall("ticks", 0) + 1)
        self.remember("seen_at", self.now)


def test_every_npc_acts_through_the_services_its_scheduler_built() -> None:
    sandbox = Sandbox(Keeper)
    scheduler = sandbox.runtime.scheduler
    first = sandbox.npc(sandbox.spawn("keeper"))
    assert first._services is scheduler.services
    assert scheduler.services.story is scheduler.story  # the runtime's content, typed
    assert scheduler.services.knowledge is scheduler.knowledge
    swapped = InMemoryNpcMemory()
    scheduler.replace_services(memory=swapped)  # live NPCs and later ones get the new one
    second = sandbox.npc(sandbox.spawn("keeper"))
    assert first._services is second._services is scheduler.services
    assert scheduler.memory is swapped
    # A swapped-in store has what it has (a persistent one loads its own), nothing carried.
    first.remember("coins", 5)
    assert dict(swapped.view(first.slot)) == {"coins": 5}
    assert dict(swapped.view(second.slot)) == {"coins": 3, "last_seen": 0.0}
    sandbox.close()


def test_forget_and_the_game_clock() -> None:
    sandbox = Sandbox(Keeper)
    keeper = sandbox.npc(sandbox.spawn("keeper"))
    sandbox.step(30, dt=0.02)
    assert keeper.now == pytest.approx(0.6)
    assert 0.0 < keeper.recall("seen_at") <= keeper.now  # what on_tick read as it ran
    keeper.forget("coins")
    keeper.forget("never_remembered")  # nothing happens
    assert keeper.recall("coins", "none") == "none"
    sandbox.close()


def test_the_world_an_npc_reads_follows_the_engine_and_cannot_be_written() -> None:
    sandbox = Sandbox(Keeper)
    keeper = sandbox.npc(sandbox.spawn("keeper", at=(1.0, 2.0, 0.0)))
    sandbox.world.position[keeper.slot] = (4.0, 5.0, 6.0)  # the engine moves it
    assert keeper.position == (4.0, 5.0, 6.0)
    with pytest.raises(ValueError, match="read-only"):
        keeper._services.world.position[keeper.slot] = (0.0, 0.0, 0.0)
    sandbox.close()


class NotedSlot(dict[str, Memorable]):
    """A slot's memory that notes each key written, as a persistent store's does."""

    def __init__(self, written: set[tuple[int, str]], slot: int) -> None:
        super().__init__()
        self.written, self.slot = written, slot

    def __setitem__(self, key: str, value: Memorable) -> None:
        super().__setitem__(key, value)
        self.written.add((self.slot, key))


class FrameBatchedMemory(dict[int, NotedSlot]):
    """A store that writes at the end of each frame, as a persistent one does: the keys a
    frame wrote are noted, and copied to ``committed`` (the database) at ``flush``."""

    def __init__(self) -> None:
        super().__init__()
        self.written: set[tuple[int, str]] = set()
        self.committed: dict[tuple[int, str], Memorable] = {}
        self.flushes = 0

    def __missing__(self, slot: int) -> NotedSlot:
        memory = self[slot] = NotedSlot(self.written, slot)
        return memory

    def view(self, slot: int) -> Mapping[str, Memorable]:
        return self.get(slot, {})

    def drop_slot(self, slot: int) -> None:
        self.pop(slot, None)
        self.written = {w for w in self.written if w[0] != slot}
        self.committed = {k: v for k, v in self.committed.items() if k[0] != slot}

    def flush(self) -> None:
        for slot, key in self.written:
            self.committed[slot, key] = self[slot][key]
        self.written.clear()
        self.flushes += 1


def test_memory_goes_through_the_store_the_scheduler_is_given_and_is_flushed_each_frame() -> None:
    store = FrameBatchedMemory()
    scheduler = Scheduler(World.allocate(4), memory=store)
    scheduler.register(Keeper)
    keeper = scheduler.spawn(0, "keeper")
    assert keeper.recall("coins") == 3  # read back before the frame ends
    assert store.written == {(0, "coins"), (0, "last_seen")}
    assert store.committed == {}
    for _ in range(30):  # half a second at 60 fps: one on_tick at 2 a second
        scheduler.tick(FRAME_SECONDS, [], [])
    assert store.flushes == 30
    assert not store.written  # every frame ended with its writes written
    assert store.committed == {
        (0, "coins"): 3,
        (0, "last_seen"): 0.0,
        (0, "ticks"): 1,
        (0, "seen_at"): keeper.recall("seen_at"),
    }
    scheduler.despawn(0)
    assert store.view(0) == {}
    assert store.committed == {}
