"""The wraith who wants her body back: follows the player at a distance, whispers, and
fades when struck. She remembers how often she was refused."""

from engine_bridge.api import Event, Npc


class Wraith(Npc):
    kind = "wraith"
    archetype = "wraith"
    decision_rate = 2.0

    def on_spawn(self) -> None:
        self.mood = "longing"
        self.remember("refusals", 0)

    def on_tick(self, dt: float) -> None:
        distance = self.player_distance
        if distance > 12.0:
            return
        if distance > 5.0:
            self.move_to(self.player_position, speed=1.2)  # drift closer, never too close
        elif self.sees_player and self.recall("refusals") < 3:
            self.remember("refusals", self.recall("refusals") + 1)
            self.say("wraith_follow" if self.recall("refusals") % 2 else "wraith_remember")

    def on_event(self, event: Event) -> None:
        if event.type == "damaged":
            self.emote("fade")
            self.flee_from(self.player_position, speed=8.0)
        elif event.type == "line_finished":
            self.after(1.5, self.emote, "point")
