from engine_bridge.api import Event, Npc


class Impatient(Npc):
    kind = "after_negative"

    def on_spawn(self) -> None:
        self.after(-1, self.ring)  # expect: timer-negative-delay

    def ring(self) -> None:
        self.emote("ring")
