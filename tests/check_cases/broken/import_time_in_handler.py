from engine_bridge.api import Event, Npc


class Sleeper(Npc):
    kind = "import_time_in_handler"

    def on_tick(self, dt: float) -> None:
        import time  # expect: forbidden-import

        time.sleep(dt)
