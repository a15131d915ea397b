"""The people of Harrowgate: they greet a stranger, and run when anything from the dark is
near them or the stranger."""

from engine_bridge.api import Event, Npc

MONSTERS = ("vampire", "zombie", "werewolf", "wraith", "ghoul")


class Townsfolk(Npc):
    kind = "townsfolk"
    archetype = None  # human: their lines are shown, not turned into a monster's voice
    decision_rate = 2.0

    def on_spawn(self) -> None:
        self.mood = "wary"

    def on_tick(self, dt: float) -> None:
        threats = self.nearby(10.0, kind=MONSTERS, limit=1)
        if threats:
            self.mood = "terrified"
            self.flee_from(threats[0].position, speed=4.5)
            if not self.recall("screamed"):
                self.remember("screamed", True)
                self.say("townsfolk_shutters")
            return
        self.mood = "wary"
        if self.sees_player and self.player_distance < 4.0 and not self.recall("greeted"):
            self.remember("greeted", True)
            if not self.speak("greeting", player="stranger"):
                self.say("townsfolk_broker_warning")

    def on_event(self, event: Event) -> None:
        if event.type == "heard_noise" and event.loudness > 0.5:
            self.flee_from(tuple(event.at), speed=4.0)
