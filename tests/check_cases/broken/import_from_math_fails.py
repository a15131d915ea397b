from engine_bridge.api import Event, Npc


from math import tau, taux  # expect: import-failed


class Circle(Npc):
    kind = "import_from_math_fails"
