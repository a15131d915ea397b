from engine_bridge.api import Event, Npc


class Echo(Npc):
    kind = "unpacked_arguments"
    WHERE = (1.0, 2.0, 3.0)

    def on_tick(self, dt: float) -> None:
        options = {"speed": 1.0}
        self.move_to(self.WHERE, **options)
        args = ("hello",)
        self.say(*args)
        self.tell("zombie", "help", at=self.WHERE, urgent=True)
