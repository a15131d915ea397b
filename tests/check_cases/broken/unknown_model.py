from engine_bridge.api import Event, Npc


class Crow(Npc):
    kind = "unknown_model"
    model = "npc_actoin"  # expect: unknown-model
