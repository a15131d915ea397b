from engine_bridge.api import Event, Npc


class Sage(Npc):
    kind = "own_static_and_class_methods"

    @staticmethod
    def double(x: float) -> float:
        return 2 * x

    @classmethod
    def label(cls, n: int) -> str:
        return f"{cls.kind}{n}"

    def on_tick(self, dt: float) -> None:
        self.remember(self.label(1), self.double(dt))
