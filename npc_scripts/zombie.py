"""Zombies: a shambling horde. Hundreds of them run at once, so each decision is cheap:
shamble at the player when they see them, otherwise drift around where they stand.

The action model (``model``) decides for the whole horde in one call each frame; a zombie
takes its advice to bite (``attack``) and to shamble on to where it last saw the player
(``stalk``: zombies remember for a few seconds). Without the model (``self.decision`` is
None) it does what it always did: chase what it sees, drift otherwise."""

from engine_bridge.api import Event, Npc


class Zombie(Npc):
    kind = "zombie"
    archetype = "zombie"
    decision_rate = 1.0  # a zombie thinks slowly; 600 of them cost 10 handlers a frame
    model = "npc_action"

    def on_spawn(self) -> None:
        self.remember("home", self.position)
        self.remember("moans", 0)

    def on_tick(self, dt: float) -> None:
        decision = self.decision  # read once: each read looks the advice up
        advice = decision.action if decision is not None else None
        if self.sees_player:
            self.remember("last_seen", self.player_position)
            self.move_to(self.player_position, speed=0.9)
            if advice == "attack":
                self.attack("player")
            if self.player_distance < 3.0 and self.recall("moans") < 3:
                self.remember("moans", self.recall("moans") + 1)
                self.say("zombie_hungry" if self.slot % 2 else "zombie_closer")
            return
        last_seen = self.recall("last_seen")
        if advice == "stalk" and last_seen is not None:
            self.move_to(tuple(last_seen), speed=0.7)  # where the living thing was
            return
        # Drift around home on a slot-seeded path, so the horde never moves in step; a
        # zombie the model sends wandering strays twice as far.
        steps = self.recall("steps", 0) + 1
        self.remember("steps", steps)
        hx, hy, hz = self.recall("home")
        reach = 2.0 if advice == "wander" else 1.0
        phase = (self.slot * 0.618 + steps * 0.13) % 1.0
        self.move_to(
            (hx + reach * (2.0 * phase - 1.0), hy + reach * (1.0 - 2.0 * phase), hz), speed=0.4
        )

    def on_event(self, event: Event) -> None:
        if event.type == "damaged" and self.health < 0.3:
            self.emote("collapse")
