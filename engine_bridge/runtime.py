"""The runtime the C++ bridge drives: one ``tick`` per frame, events in, commands out.

The bridge (``cpp/bridge``) creates one :class:`Runtime` when the engine creates
``aicore_runtime``, hands it the world buffers as numpy views over the engine's memory,
and calls :meth:`Runtime.tick` once per frame with the frame's events as one msgpack
batch, taking the GIL exactly once. Scripts run under :class:`ScriptHost`'s guard, so no
script failure escapes a tick.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from engine_bridge.protocol import COMMAND_FIELDS, decode, encode, validate
from engine_bridge.script_host import ScriptHost
from engine_bridge.world import World

__all__ = ["AudioBridge", "Runtime"]

log = logging.getLogger("aicore.runtime")


class AudioBridge(Protocol):
    """What the runtime needs from the native voice engine (the bridge's ``Bridge``)."""

    def start_line(
        self,
        samples: Any,
        sample_rate: float,
        archetype: str,
        position: tuple[float, float, float],
        intensity: float,
        priority: int,
        seed: int,
    ) -> int: ...

    def line_events(self) -> list[tuple[str, int, int]]: ...


class Runtime:
    """Scripts, world views and the message batches of one game."""

    def __init__(
        self,
        world: World,
        *,
        script_dirs: Iterable[str | Path] = (),
        content_root: str | Path | None = None,
        save_dir: str | Path | None = None,
        audio: AudioBridge | None = None,
        log_sink: Callable[[int, str], None] | None = None,
    ) -> None:
        if log_sink is not None:
            _route_logging(log_sink)
        self.world = world
        self.content_root = Path(content_root) if content_root else None
        self.save_dir = Path(save_dir) if save_dir else None
        self.audio = audio
        self.scripts = ScriptHost([Path(d) for d in script_dirs])
        self.scripts.load_all()
        self.kinds: dict[int, str] = {}
        self.frame = 0
        self.time = 0.0
        self._commands: list[dict[str, Any]] = []

    # -- called by the bridge ---------------------------------------------------------

    def spawn(self, slot: int, kind: str) -> None:
        self.kinds[slot] = kind
        self.world.alive[slot] = 1
        self.world.health[slot] = 1.0

    def despawn(self, slot: int) -> None:
        self.kinds.pop(slot, None)
        self.world.alive[slot] = 0

    def tick(self, dt: float, events: bytes) -> tuple[bytes, float]:
        """Run one frame. Returns the frame's commands (one msgpack array) and the seconds
        spent in scripts (the rest of the call is the bridge's overhead)."""
        batch = decode(events) if events else []
        began = time.perf_counter()
        for name, module in list(self.scripts.modules.items()):
            on_frame = getattr(module, "on_frame", None)
            if on_frame is not None:
                self.scripts.call(name, f"{module.__file__}:1", on_frame, self, dt, batch)
        script_seconds = time.perf_counter() - began
        self.frame += 1
        self.time += dt
        out = encode(self._commands)
        self._commands.clear()
        return out, script_seconds

    # -- called by scripts ------------------------------------------------------------

    def emit(self, command: dict[str, Any]) -> None:
        """Queue a command for the engine (validated against docs/protocol.md)."""
        self._commands.append(validate({"v": 1, **command}, COMMAND_FIELDS))

    @property
    def script_errors(self) -> int:
        return self.scripts.errors


class _SinkHandler(logging.Handler):
    """Sends the runtime's log records to the engine's log callback."""

    def __init__(self, sink: Callable[[int, str], None]) -> None:
        super().__init__(logging.INFO)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.sink(record.levelno, self.format(record))
        except Exception:  # a broken sink must not break a frame
            self.handleError(record)


def _route_logging(sink: Callable[[int, str], None]) -> None:
    root = logging.getLogger("aicore")
    for handler in list(root.handlers):
        if isinstance(handler, _SinkHandler):
            root.removeHandler(handler)
    root.addHandler(_SinkHandler(sink))
    root.setLevel(logging.INFO)
    root.propagate = False
