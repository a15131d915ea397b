from engine_bridge.api import Event, Npc


class Walker(Npc):
    kind = "attribute_typo"

    def on_tick(self, dt: float) -> None:
        self.mvoe_to(self.player_position)  # expect: unknown-attribute
