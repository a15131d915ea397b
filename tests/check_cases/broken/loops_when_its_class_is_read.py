from engine_bridge.api import Npc


class Shifting(type):
    """Reading the kind of its classes never ends: found while the class is checked."""

    @property
    def kind(cls) -> str:
        while True: cls.__name__  # expect: load-timeout


class Shapeshifter(Npc, metaclass=Shifting):
    pass
