from engine_bridge.api import Event, Npc


import os  # expect: forbidden-import


class ImportOs(Npc):
    kind = "import_os"
