from __future__ import annotations

import math
import random
from collections import deque
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from engine_bridge.api import Npc
from engine_bridge.core.errors import ScriptLimitError

if TYPE_CHECKING:
    from engine_bridge.core.runtime import Runtime


class Wish(Enum):
    REST = 0.0
    HUNT = 1.0


class Planner(Npc):
    kind = "allowed_imports"
    runtime: Runtime | None = None

    def on_tick(self, dt: float) -> None:
        steps = deque([math.tau * random.random()], maxlen=4)
        try:
            self.remember("plan", float(np.mean(list(steps))) + Wish.HUNT.value * dt)
        except ScriptLimitError:
            pass
