from engine_bridge.api import Event, Npc


class Nameless(Npc):  # expect: no-kind
    decision_rate = 1.0
