from engine_bridge.api import Event, Npc


class Complete(Npc):
    kind = "every_handler"
    archetype = "ghoul"
    decision_rate = 60

    def on_spawn(self) -> None:
        self.remember("seen", 0)

    def on_tick(self, dt: float) -> None:
        if self.sees_player:
            self.move_to(self.player_position, speed=2.0)

    def on_event(self, event: Event) -> None:
        if event.type == "damaged":
            self.flee_from(self.player_position, 4.0)

    def on_reload(self) -> None:
        self.emote("shrug")

    def fallback(self, dt: float) -> None:
        self.attack()
