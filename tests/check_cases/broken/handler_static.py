from engine_bridge.api import Event, Npc


class Static(Npc):
    kind = "handler_static"

    @staticmethod
    def on_spawn() -> None:  # expect: handler-not-a-method
        pass
