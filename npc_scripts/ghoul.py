"""Ghouls under St. Wulfric's: their hunger grows each second and resets when a body is
delivered; a hungry ghoul mutters what it knows of the crypt (from the lore)."""

from engine_bridge.api import Event, Npc


class Ghoul(Npc):
    kind = "ghoul"
    archetype = "ghoul"
    decision_rate = 2.0

    def on_spawn(self) -> None:
        if self.recall("hunger") is None:  # remembered across saves and restarts
            self.remember("hunger", 0.2)
        self.mood = "sated"

    def on_tick(self, dt: float) -> None:
        hunger = min(1.0, self.recall("hunger") + dt * 0.02)
        self.remember("hunger", hunger)
        self.mood = "starving" if hunger > 0.8 else "hungry" if hunger > 0.5 else "sated"
        if self.mood == "starving" and self.sees_player:
            self.attack("player")
        elif self.mood == "hungry" and self.sees_player and not self.recall("muttered"):
            self.remember("muttered", True)
            hits = self.kb.search("crypt bones", limit=1) if self.kb is not None else []
            if hits:
                self.say(hits[0].title)  # a new text: synthesised off the game thread
            else:
                self.say("ghoul_hunger")

    def on_event(self, event: Event) -> None:
        if event.type == "custom" and event.name == "body_delivered":
            self.remember("hunger", 0.0)
            self.remember("muttered", False)
            self.say("ghoul_bargain")
