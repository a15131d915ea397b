from engine_bridge.api import Event, Npc


class Yielder(Npc):
    kind = "handler_generator"

    def on_tick(self, dt: float):  # expect: handler-generator
        yield dt
