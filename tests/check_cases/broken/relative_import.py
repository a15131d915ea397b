from engine_bridge.api import Event, Npc


from . import zombie  # expect: forbidden-import


class Cousin(Npc):
    kind = "relative_import"
    other = zombie
