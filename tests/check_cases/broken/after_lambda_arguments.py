from engine_bridge.api import Event, Npc


class Clock(Npc):
    kind = "after_lambda_arguments"

    def on_spawn(self) -> None:
        self.after(1.0, lambda hour: self.emote(hour), 1, 2)  # expect: timer-callback-arguments
