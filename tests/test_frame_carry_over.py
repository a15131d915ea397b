"""A frame that cannot do all its work keeps the rest for the next one: a burst of engine
events is spread over frames, in order, each seen once by the story and delivered once to
its NPC; a frame interrupted between deliveries loses nothing (aicore_tick's
AICORE_INCOMPLETE, docs/protocol.md "Frames under load")."""

from __future__ import annotations

from typing import Any

import pytest

from engine_bridge.api import Event, Npc
from engine_bridge.core.frame import FRAME_SECONDS
from engine_bridge.core.scheduler import Scheduler
from engine_bridge.core.world import World
from engine_bridge.sandbox import Sandbox


class Listener(Npc):
    kind = "listener"

    def on_event(self, event: Event) -> None:
        if event.type == "damaged":
            self.remember("seen", [*self.recall("seen", []), event.amount])


class StoryRecorder:
    """Stands in for the story book: records what it is shown, in order."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, str | None]] = []

    def observe(self, event: dict[str, Any], *, kind: str | None = None) -> list[str]:
        self.seen.append((event["amount"], kind))
        return []


def test_a_burst_is_spread_over_frames_in_order_and_nothing_is_lost() -> None:
    sandbox = Sandbox(Listener)
    slot = sandbox.spawn("listener")
    recorder = StoryRecorder()
    sandbox.runtime.scheduler.replace_services(story=recorder)
    # No time at all: each frame delivers only its first event (the first always runs, so
    # events move on however busy frames are). Deterministic on any machine.
    sandbox.runtime.scheduler.frame_budget_s = 0.0
    amounts = [i / 100 for i in range(20)]
    for amount in amounts:
        sandbox.send("damaged", npc=slot, amount=amount)
    carried = []
    for _ in range(len(amounts)):
        sandbox.step()
        carried.append(sandbox.runtime.carried[0])
    assert carried == list(range(len(amounts) - 1, -1, -1))
    assert sandbox.npc(slot).recall("seen") == amounts
    assert recorder.seen == [(a, "listener") for a in amounts]  # once each, in order
    sandbox.close()


def test_a_frame_with_time_for_everything_carries_nothing() -> None:
    sandbox = Sandbox(Listener)
    slot = sandbox.spawn("listener")
    sandbox.send("damaged", npc=slot, amount=0.5)
    sandbox.step()
    assert sandbox.runtime.carried == (0, 0)
    assert sandbox.npc(slot).recall("seen") == [0.5]
    sandbox.close()


def test_a_frame_interrupted_between_deliveries_loses_no_event() -> None:
    scheduler = Scheduler(World.allocate(4))
    scheduler.register(Listener)
    scheduler.spawn(0, "listener")
    calls = 0

    def interrupted_on_the_third(event: dict[str, Any], kind: str | None) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            # What the tick's backstop does: an exception raised in the runtime's own code
            # between two handlers, which no script guard catches.
            raise KeyboardInterrupt

    scheduler.event_observer = interrupted_on_the_third
    events = [{"v": 1, "type": "damaged", "npc": 0, "amount": i / 10} for i in range(6)]
    with pytest.raises(KeyboardInterrupt):
        scheduler.tick(FRAME_SECONDS, events, [])
    # The event whose delivery was cut short counts as done; the others wait.
    assert scheduler.npcs[0].recall("seen") == [0.0, 0.1]
    assert len(scheduler.bus) == 3
    scheduler.event_observer = None
    scheduler.tick(FRAME_SECONDS, [], [])
    assert scheduler.npcs[0].recall("seen") == [0.0, 0.1, 0.3, 0.4, 0.5]
