from engine_bridge.api import Event, Npc


class Typist(Npc):
    kind = "handler_typo"

    def on_spwan(self) -> None:  # expect: handler-typo
        pass
