from engine_bridge.api import Event, Npc


class Numbered(Npc):
    kind = 3  # expect: bad-kind
