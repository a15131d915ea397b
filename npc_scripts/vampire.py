"""The vampire of the Covenant: courteous, patient, never in a hurry. Invites the player in,
keeps a polite distance until invited, and withdraws at dawn."""

from engine_bridge.api import Event, Npc


class Vampire(Npc):
    kind = "vampire"
    archetype = "vampire"
    decision_rate = 4.0

    def on_spawn(self) -> None:
        self.mood = "courteous"
        if self.recall("greeted") is None:  # remembered across saves and restarts
            self.remember("invited", False)
            self.remember("greeted", False)

    def on_tick(self, dt: float) -> None:
        if self.recall("dawn"):
            self.flee_from(self.player_position, speed=3.0)
            return
        if not self.sees_player:
            return
        if not self.recall("greeted"):
            self.remember("greeted", True)
            if not self.speak("greeting", player="stranger"):
                self.say("vampire_invitation")
            return
        if self.player_distance > 4.0:
            self.move_to(self.player_position, speed=1.0)  # approach, unhurried
        elif self.recall("invited"):
            self.mood = "hungry"
            self.attack("player")

    def on_event(self, event: Event) -> None:
        if event.type == "custom" and event.name == "invited_in":
            self.remember("invited", True)
            self.say("vampire_thirst")
        elif event.type == "custom" and event.name == "dawn":
            self.remember("dawn", True)
            self.emote("cloak")
        elif event.type == "damaged":
            self.mood = "insulted"
            self.speak("threat")
