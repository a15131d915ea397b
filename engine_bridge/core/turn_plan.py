"""Whose ``on_tick`` is due each frame.

An NPC with decision rate r ticks every ``FRAME_RATE / r`` frames, offset by its slot so
the work is spread evenly over frames. Turns are planned at spawn, so finding a frame's is
one lookup per decision rate, not a pass over every NPC. NPCs the last frame had no time
for (the backlog) go first in the next.
"""

from __future__ import annotations

from engine_bridge.api import Npc
from engine_bridge.core.frame import FRAME_RATE
from engine_bridge.core.script_profile import ScriptProfile

__all__ = ["Turn", "TurnPlan"]

Turn = tuple[Npc, ScriptProfile]  # an NPC and the profile of its script


class TurnPlan:
    """The planned turns of every live NPC, and the backlog of those that still wait."""

    def __init__(self) -> None:
        # period (frames) -> the frame residue an NPC ticks on -> its slots, in spawn order
        self._turns: dict[int, dict[int, list[Turn]]] = {}
        self._planned: dict[int, tuple[int, int]] = {}  # slot -> (period, turn)
        self._entries: dict[int, Turn] = {}  # slot -> what its on_tick needs
        self.backlog: list[Turn] = []  # on_ticks pushed to the next frame

    def plan(self, npc: Npc, profile: ScriptProfile) -> None:
        """Give ``npc`` (of the script ``profile`` counts) its turns."""
        entry = self._entries[npc.slot] = (npc, profile)
        period, turn = self._planned[npc.slot] = _turn(npc)
        self._turns.setdefault(period, {}).setdefault(turn, []).append(entry)

    def unplan(self, slot: int) -> None:
        """Take the NPC in ``slot`` out of every frame's turns (and so out of the backlog)."""
        entry = self._entries.pop(slot, None)
        planned = self._planned.pop(slot, None)
        if planned is not None and entry is not None:
            turn = self._turns[planned[0]][planned[1]]
            turn.pop(next(i for i, e in enumerate(turn) if e is entry))

    def turn_of(self, slot: int) -> tuple[int, int]:
        """The turn of the NPC in ``slot``: (period, residue), it ticks on every frame
        ``f`` with ``f % period == residue`` (``KeyError`` for a slot not planned)."""
        return self._planned[slot]

    def due(self, frame: int) -> list[Turn]:
        """The NPCs whose turn ``frame`` is, after the backlog (which this empties). Those
        that waited go first; an NPC is never queued twice (order-preserving dedupe)."""
        turns = [
            entry
            for period, by_turn in self._turns.items()
            for entry in by_turn.get(frame % period, ())
        ]
        if not self.backlog:
            return turns
        entries = self._entries
        waiting = [e for e in self.backlog if entries.get(e[0].slot) is e]
        queued = {e[0].slot for e in waiting}
        self.backlog = []
        return waiting + [e for e in turns if e[0].slot not in queued]


def _turn(npc: Npc) -> tuple[int, int]:
    period = max(1, round(FRAME_RATE / max(npc.decision_rate, 1e-3)))
    # (frame + phase) % period == 0  <=>  frame % period == -phase % period
    return period, -_phase(npc.slot) % period


def _phase(slot: int) -> int:
    # A multiplicative hash of the slot: NPCs spawned in a repeating pattern of kinds would
    # otherwise line their decision frames up and make some frames far heavier than others.
    return (slot * 2654435761) % 4294967291
