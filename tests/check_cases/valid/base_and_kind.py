from engine_bridge.api import Event, Npc


class Monster(Npc):
    def on_tick(self, dt: float) -> None:
        self.growl(loud=True)


class Ghast(Monster):
    kind = "base_and_kind"

    def growl(self, *, loud: bool = False) -> None:
        self.emote("roar" if loud else "growl")
