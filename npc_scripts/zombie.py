"""Zombies: a shambling horde. Hundreds of them run at once, so each decision is cheap:
shamble at the player when they see them, otherwise drift around where they stand."""

from engine_bridge.api import Event, Npc


class Zombie(Npc):
    kind = "zombie"
    archetype = "zombie"
    decision_rate = 1.0  # a zombie thinks slowly; 600 of them cost 10 handlers a frame

    def on_spawn(self) -> None:
        self.remember("home", self.position)
        self.remember("moans", 0)

    def on_tick(self, dt: float) -> None:
        if self.sees_player:
            self.move_to(self.player_position, speed=0.9)
            if self.player_distance < 3.0 and self.recall("moans") < 3:
                self.remember("moans", self.recall("moans") + 1)
                self.say("zombie_hungry" if self.slot % 2 else "zombie_closer")
            return
        # Drift around home on a slot-seeded path, so the horde never moves in step.
        steps = self.recall("steps", 0) + 1
        self.remember("steps", steps)
        hx, hy, hz = self.recall("home")
        phase = (self.slot * 0.618 + steps * 0.13) % 1.0
        self.move_to((hx + 2.0 * phase - 1.0, hy + 1.0 - 2.0 * phase, hz), speed=0.4)

    def on_event(self, event: Event) -> None:
        if event.type == "damaged" and self.health < 0.3:
            self.emote("collapse")
