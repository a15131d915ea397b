from engine_bridge.api import Event, Npc


class Lost(Npc):
    kind = "move_to_five_numbers"

    def on_tick(self, dt: float) -> None:
        self.move_to(1, 2, 3, 4, 5)  # expect: api-arguments
