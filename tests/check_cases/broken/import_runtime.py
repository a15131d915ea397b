from engine_bridge.api import Event, Npc


from engine_bridge.core.runtime import Runtime  # expect: forbidden-import


class Meddler(Npc):
    kind = "import_runtime"
    runtime: Runtime
