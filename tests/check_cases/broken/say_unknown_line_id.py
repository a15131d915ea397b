from engine_bridge.api import Event, Npc


class Moaner(Npc):
    kind = "say_unknown_line_id"

    def on_tick(self, dt: float) -> None:
        self.say("zombie_hungy")  # expect: unknown-line-id
