from engine_bridge.api import Event, Npc


class Frantic(Npc):
    kind = "bad_decision_rate"
    decision_rate = 120.0  # expect: bad-decision-rate
