from engine_bridge.api import Event, Npc


class Bell(Npc):
    kind = "after_callback_needs_argument"

    def on_spawn(self) -> None:
        self.after(1.0, self.ring)  # expect: timer-callback-arguments

    def ring(self, times: int) -> None:
        self.emote(f"ring{times}")
