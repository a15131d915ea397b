from engine_bridge.api import Event, Npc


class Ticker(Npc):
    kind = "handler_parameters"

    def on_tick(self) -> None:  # expect: handler-parameters
        pass
