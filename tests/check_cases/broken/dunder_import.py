from engine_bridge.api import Event, Npc


class Spawner(Npc):
    kind = "dunder_import"

    def on_spawn(self) -> None:
        self.remember("p", __import__("subprocess"))  # expect: forbidden-import
