from engine_bridge.api import Event, Npc


class First(Npc):
    kind = "duplicate_kind"


class Second(Npc):
    kind = "duplicate_kind"  # expect: duplicate-kind
