from engine_bridge.api import Event, Npc


class Mute(Npc):
    kind = "speak_without_table"

    def on_spawn(self) -> None:
        self.speak("greeting")  # expect: no-dialogue-table
