from engine_bridge.api import Event, Npc


class Count(Npc):
    kind = "vampire"
    archetype = "vampire"

    def on_spawn(self) -> None:
        self.say("Good evening.")
        self.say("vampire_invitation" if self.sees_player else "Welcome.", intensity=0.5)
        self.speak("greeting", player="stranger")
