from engine_bridge.api import Npc


class Watcher(Npc):
    kind = "asks_two_models"
    model = ("npc_action", "npc_mood")

    def on_tick(self, dt: float) -> None:
        if self.decision is not None and self.decision.action == "flee":
            self.emote("cower")
