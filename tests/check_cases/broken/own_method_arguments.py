from engine_bridge.api import Event, Npc


class Growler(Npc):
    kind = "own_method_arguments"

    def growl(self) -> None:
        self.emote("growl")

    def on_tick(self, dt: float) -> None:
        self.growl(dt)  # expect: api-arguments
