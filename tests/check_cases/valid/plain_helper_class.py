from engine_bridge.api import Event, Npc


class Memory:
    """Not an NPC: no kind, nothing the engine calls."""

    def on_tick(self, dt: float) -> float:
        return dt


class Rememberer(Npc):
    kind = "plain_helper_class"
    notes = Memory()
