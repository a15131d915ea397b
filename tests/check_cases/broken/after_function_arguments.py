from engine_bridge.api import Npc


def chime(npc: Npc, times: int) -> None:
    npc.emote(f"chime{times}")


class Clock(Npc):
    kind = "after_function_arguments"

    def on_spawn(self) -> None:
        self.after(1.0, chime, self)  # expect: timer-callback-arguments
