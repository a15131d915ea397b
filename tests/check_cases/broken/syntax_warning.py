from engine_bridge.api import Event, Npc


class Comparer(Npc):
    kind = "syntax_warning"

    def on_tick(self, dt: float) -> None:
        if dt is 1:  # expect: warning
            self.emote("tick")
