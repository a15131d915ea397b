"""The people of Harrowgate: they greet a stranger, and run when anything from the dark is
near them or the stranger.

Two models advise them each turn (``model``). The mood model sets their mood, and so which
of their dialogue lines fit: a hurt townsman who sees you close is ``angry`` and threatens
to call the watch, an ``afraid`` one begs you to get inside as it runs. The action model
says when to greet (``speak``), to stroll about by day (``wander``) and to run from the
player (``flee``, when badly hurt).
Monsters they see themselves: no model is needed to run from a zombie. Without the models
they greet a stranger who comes close and stand wary."""

from engine_bridge.api import Event, Npc

MONSTERS = ("vampire", "zombie", "werewolf", "wraith", "ghoul")


class Townsfolk(Npc):
    kind = "townsfolk"
    archetype = None  # human: their lines are shown, not turned into a monster's voice
    decision_rate = 2.0
    model = ("npc_action", "npc_mood")

    def on_spawn(self) -> None:
        self.mood = "wary"
        self.remember("home", self.position)

    def on_tick(self, dt: float) -> None:
        threats = self.nearby(10.0, kind=MONSTERS, limit=1)
        if threats:
            self.mood = "terrified"
            self.flee_from(threats[0].position, speed=4.5)
            if not self.recall("screamed"):
                self.remember("screamed", True)
                self.say("townsfolk_shutters")
            return
        feeling = self.decision_of("npc_mood")
        self.mood = feeling.action if feeling is not None else "wary"
        decision = self.decision  # read once: each read looks the advice up
        advice = decision.action if decision is not None else None
        if advice == "flee":
            self.flee_from(self.player_position, speed=4.0)
            if not self.recall("begged"):
                self.remember("begged", True)
                self.speak("flee")  # a line for the afraid
        elif self.mood == "angry" and self.sees_player and self.player_distance < 4.0:
            if not self.recall("threatened"):
                self.remember("threatened", True)
                self.speak("threat", player="stranger")  # a line for the angry
        elif advice == "speak" or (
            advice is None and self.sees_player and self.player_distance < 4.0
        ):
            self.greet()
        elif advice == "wander":
            hx, hy, hz = self.recall("home")
            turn = (self.slot * 0.37 + self.now * 0.05) % 1.0
            self.move_to((hx + 3.0 * (2.0 * turn - 1.0), hy, hz), speed=1.1)

    def greet(self) -> None:
        if self.recall("greeted"):
            return
        self.remember("greeted", True)
        if not self.speak("greeting", player="stranger"):
            self.say("townsfolk_broker_warning")

    def on_event(self, event: Event) -> None:
        if event.type == "heard_noise" and event.loudness > 0.5:
            self.flee_from(tuple(event.at), speed=4.0)
