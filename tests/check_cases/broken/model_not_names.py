from engine_bridge.api import Event, Npc


class Bat(Npc):
    kind = "model_not_names"
    model = ("npc_action", 3)  # expect: bad-model
