from engine_bridge.api import Event, Npc


class Shouter(Npc):
    kind = "say_unknown_keyword"

    def on_spawn(self) -> None:
        self.say("Hey!", loudness=2.0)  # expect: api-arguments
