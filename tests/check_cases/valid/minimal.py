from engine_bridge.api import Event, Npc


class Minimal(Npc):
    kind = "minimal"
