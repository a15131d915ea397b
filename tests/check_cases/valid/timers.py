from engine_bridge.api import Event, Npc


def chime(npc: Npc, times: int = 1) -> None:
    npc.emote(f"chime{times}")


class Clock(Npc):
    kind = "timers"

    def on_spawn(self) -> None:
        self.after(0, self.tick_tock)
        self.after(1.5, self.ring, 3)
        self.after(2.0, lambda: self.emote("yawn"))
        self.after(2.5, lambda *who: None, 1, 2)
        self.after(3.0, chime, self, 2)

    def tick_tock(self) -> None:
        self.emote("tock")

    def ring(self, times: int) -> None:
        self.emote(f"ring{times}")
