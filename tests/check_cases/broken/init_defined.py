from engine_bridge.api import Event, Npc


class Builder(Npc):
    kind = "init_defined"

    def __init__(self) -> None:  # expect: init-never-called
        self.bricks = 0
