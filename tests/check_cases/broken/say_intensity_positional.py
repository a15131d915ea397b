from engine_bridge.api import Event, Npc


class Whisperer(Npc):
    kind = "say_intensity_positional"

    def on_spawn(self) -> None:
        self.say("psst", 0.1)  # expect: api-arguments
