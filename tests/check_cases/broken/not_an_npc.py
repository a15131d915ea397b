from engine_bridge.api import Event, Npc


class Forgetful:  # expect: not-an-npc
    kind = "not_an_npc"

    def on_tick(self, dt: float) -> None:
        pass
