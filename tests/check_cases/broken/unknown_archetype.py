from engine_bridge.api import Event, Npc


class Banshee(Npc):
    kind = "unknown_archetype"
    archetype = "banshee"  # expect: unknown-archetype
