from engine_bridge.api import Event, Npc


class Silent(Npc):
    kind = "say_nothing"

    def on_spawn(self) -> None:
        self.say()  # expect: api-arguments
