from engine_bridge.api import Event, Npc


DOZEN = 12 // 0  # expect: import-failed


class Baker(Npc):
    kind = "raises_at_top"
