from engine_bridge.api import Event, Npc


class SyntaxError_(Npc):
    kind = "syntax_error"

    def on_tick(self, dt)  # expect: syntax
        pass
