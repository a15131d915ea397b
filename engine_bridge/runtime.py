"""The runtime the C++ bridge drives: one ``tick`` per frame, events in, commands out.

The bridge (``cpp/bridge``) creates one :class:`Runtime` when the engine creates
``aicore_runtime``, hands it the world buffers as numpy views over the engine's memory,
and calls :meth:`Runtime.tick` once per frame with the frame's events as one msgpack
batch, taking the GIL exactly once. The same class runs without an engine (tests, tools,
``aicore check``) over a :meth:`World.allocate`'d world.
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Protocol

from engine_bridge.api import Event, Npc
from engine_bridge.budget import Deadline, ThreadDeadline
from engine_bridge.clip_loader import ClipLoader
from engine_bridge.hot_reload import ScriptWatcher
from engine_bridge.protocol import decode, encode
from engine_bridge.scheduler import Scheduler, classes_in
from engine_bridge.script_host import ScriptHost
from engine_bridge.world import World

__all__ = ["AudioBridge", "Runtime"]

log = logging.getLogger("aicore.runtime")


class AudioBridge(Protocol):
    """What the runtime needs from the native voice engine (the bridge's ``Bridge``)."""

    def add_clip(self, samples: Any, sample_rate: float) -> tuple[int, int] | None: ...

    def play_clip(
        self,
        clip: tuple[int, int],
        archetype: str,
        position: tuple[float, float, float],
        intensity: float,
        priority: int,
        seed: int,
    ) -> int: ...

    def line_events(self) -> list[tuple[str, int, int]]: ...


class Runtime:
    """Scripts, world views, the scheduler and the message batches of one game."""

    def __init__(
        self,
        world: World,
        *,
        script_dirs: Iterable[str | Path] = (),
        content_root: str | Path | None = None,
        save_dir: str | Path | None = None,
        audio: AudioBridge | None = None,
        log_sink: Callable[[int, str], None] | None = None,
        watch: bool = True,
        manage_gc: bool = True,
        deadline: Deadline | None = None,
        handler_budget_s: float = 0.005,
        frame_budget_s: float = 0.010,
    ) -> None:
        self._sink_handler = _route_logging(log_sink) if log_sink is not None else None
        self.world = world
        self.content_root = Path(content_root) if content_root else _default_content()
        self.save_dir = Path(save_dir) if save_dir else None
        self.audio = audio
        self._commands: list[dict[str, Any]] = []
        self.scheduler = Scheduler(
            world,
            handler_budget_s=handler_budget_s,
            frame_budget_s=frame_budget_s,
            emit_sink=self._commands.append,
            say_sink=self._say,
            speak_sink=self._speak,
            deadline=deadline if deadline is not None else ThreadDeadline(),
        )
        self._load_content()
        self.scripts = ScriptHost([Path(d) for d in script_dirs])
        self.scripts.load_all()
        for module in self.scripts.modules.values():
            for cls in classes_in(module):
                self.scheduler.register(cls)
        self.watcher = ScriptWatcher(self.scripts.directories)
        if watch:
            self.watcher.start()
        self.frame = 0
        self.time = 0.0
        self.reload_latencies: list[float] = []  # seconds from save noticed to new code live
        self._voices: dict[int, int] = {}  # voice id -> NPC slot
        self._speech: list[tuple[Npc, Future[Any], float | None]] = []
        self._clips: ClipLoader | None = None
        # The runtime schedules the garbage collector itself: a full collection over
        # thousands of NPCs can take longer than a handler's budget, so it must never start
        # inside one. Young objects are collected after every frame, older ones rarely.
        # Worker threads (clip loading, TTS, the watcher) hand the GIL back to the game thread
        # within half a millisecond instead of Python's default 5 ms: a handler's budget is
        # wall time, and waiting for the GIL must not eat it.
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.0005))
        self._manage_gc = manage_gc
        if manage_gc:
            gc.disable()
            gc.freeze()  # what is loaded now (modules, content) lives as long as the game

    # -- content ------------------------------------------------------------------------

    def _load_content(self) -> None:
        root = self.content_root
        self.lines: dict[str, Any] = {}
        if root is None:
            return
        try:
            from vocal.voice_lines import load_manifest

            self.lines = {line.id: line for line in load_manifest(root)}
        except (OSError, ValueError) as exc:
            log.warning("voice lines unavailable: %s", exc)
        self.dialogue = _optional("engine_bridge.dialogue", "DialogueTables", "load", root)
        story_file = root / "story" / "aethelred.toml"
        self.scheduler.story = _optional("engine_bridge.story", "Story", "load", story_file)
        if self.save_dir is not None:
            db = self.save_dir / "knowledge.sqlite"
            self.save_dir.mkdir(parents=True, exist_ok=True)
        else:
            db = Path(":memory:")
        self.scheduler.knowledge = _optional(
            "engine_bridge.knowledge", "KnowledgeBase", "open", db, root
        )

    # -- called by the bridge ---------------------------------------------------------

    def spawn(self, slot: int, kind: str) -> None:
        self.world.alive[slot] = 1
        self.world.health[slot] = 1.0
        self.scheduler.spawn(slot, kind)

    def despawn(self, slot: int) -> None:
        self.scheduler.despawn(slot)
        self.world.alive[slot] = 0

    @property
    def kinds(self) -> dict[int, str]:
        return {slot: npc.kind for slot, npc in self.scheduler.npcs.items()}

    def tick(self, dt: float, events: bytes) -> tuple[bytes, float]:
        """Run one frame. Returns the frame's commands (one msgpack array) and the seconds
        spent in scripts (the rest of the call is the bridge's overhead)."""
        batch = decode(events) if events else []
        began = time.perf_counter()
        self._apply_reloads()
        for name, module in list(self.scripts.modules.items()):
            on_frame = getattr(module, "on_frame", None)
            if on_frame is not None:
                self.scripts.call(name, f"{module.__file__}:1", on_frame, self, dt, batch)
        self._start_ready_lines()
        story = self.scheduler.story
        if story is not None:
            for event in batch:
                slot = event.get("npc")
                npc = self.scheduler.npcs.get(slot) if isinstance(slot, int) else None
                story.observe(event, kind=npc.kind if npc else None)
        self.scheduler.tick(dt, batch, self._voice_events())
        script_seconds = time.perf_counter() - began
        if self._manage_gc:
            gc.collect(0)
            if self.frame % 60 == 59:
                gc.collect(1)
            if self.frame % 3600 == 3599:
                gc.collect(2)
        self.frame += 1
        self.time += dt
        out = encode(self._commands)
        self._commands.clear()
        return out, script_seconds

    def close(self) -> None:
        """Stop the runtime's threads and detach it from logging. The bridge calls this when
        the engine destroys the runtime: the engine's log callback must not outlive it."""
        if self._sink_handler is not None:
            root = logging.getLogger("aicore")
            root.removeHandler(self._sink_handler)
            root.propagate = True
            self._sink_handler = None
        if self._manage_gc:
            gc.unfreeze()
            gc.enable()
        self.watcher.stop()
        if self._clips is not None:
            self._clips.close()

    # -- hot reload ---------------------------------------------------------------------

    def _apply_reloads(self) -> None:
        for path, seen in self.watcher.pending():
            self.reload(path, noticed_at=seen)

    def reload(self, path: Path, *, noticed_at: float | None = None) -> bool:
        """Load the new version of one script between frames. A syntax or import error
        keeps the last good version running (and is reported)."""
        before = self.scripts.errors
        module = self.scripts.load(path)
        if module is None or self.scripts.errors > before:
            log.error("%s: reload failed; the last good version keeps running", path)
            return False
        self.scheduler.unquarantine(path.stem)
        for cls in classes_in(module):
            self.scheduler.register(cls)
        if noticed_at is not None:
            self.reload_latencies.append(time.monotonic() - noticed_at)
        log.info("%s: reloaded", path)
        return True

    # -- voices -------------------------------------------------------------------------

    def _say(self, npc: Npc, line: str, intensity: float | None) -> None:
        known = self.lines.get(line)
        text = known.text if known is not None else line
        command: dict[str, Any] = {"type": "say", "npc": npc.slot, "text": text}
        if known is not None:
            command["line"] = line
        self.scheduler.emit(command)
        if self.audio is None or not type(npc).archetype or not hasattr(self.audio, "add_clip"):
            return
        if self._clips is None:
            self._clips = ClipLoader(self.audio, self.lines)
        # Loaded (and synthesised, for new text) on the clip worker; started when ready.
        self._speech.append((npc, self._clips.clip(line, str(type(npc).archetype)), intensity))

    def _start_ready_lines(self) -> None:
        pending, self._speech = self._speech, []
        for npc, future, intensity in pending:
            if not future.done():
                self._speech.append((npc, future, intensity))
                continue
            try:
                handle = future.result()
            except Exception as exc:  # espeak missing or a bad file: the subtitle still showed
                log.warning("a line could not be voiced: %s", exc)
                continue
            if handle is None or npc.slot not in self.scheduler.npcs:
                continue
            voice = self.audio.play_clip(  # type: ignore[union-attr]
                handle,
                str(type(npc).archetype),
                npc.position,
                -1.0 if intensity is None else float(intensity),
                0,
                self.frame * 1024 + npc.slot,
            )
            if voice > 0:
                self._voices[voice] = npc.slot

    def _voice_events(self) -> list[Event]:
        if self.audio is None:
            return []
        out = []
        for kind, voice, sample in self.audio.line_events():
            slot = self._voices.get(voice)
            if kind in ("finished", "stolen", "rejected"):
                self._voices.pop(voice, None)
                if slot is not None:
                    out.append(
                        Event(
                            "line_finished", slot, {"voice": voice, "how": kind, "sample": sample}
                        )
                    )
        return out

    def _speak(self, npc: Npc, topic: str, variables: dict[str, Any]) -> bool:
        tables = getattr(self, "dialogue", None)
        if tables is None or npc.kind not in tables.kinds():
            return False  # a kind without a dialogue table has nothing to say
        story = self.scheduler.story
        flags = frozenset(k for k, v in (story.flags.items() if story else ()) if v)
        line = tables.choose(
            npc.kind,
            topic,
            mood=npc.mood,
            flags=flags,
            memory=self.scheduler.memory.get(npc.slot, {}),
            variables=variables,
        )
        if line is None:
            return False
        self._say(npc, line.voice_line or line.text, None)
        return True

    def emit(self, command: dict[str, Any]) -> None:
        """Queue a command for the engine (validated against docs/protocol.md); for frame-level
        hooks (``on_frame(runtime, dt, events)`` in a script module)."""
        self.scheduler.emit(command)

    # -- profile ------------------------------------------------------------------------

    @property
    def script_errors(self) -> int:
        return self.scripts.errors + sum(p.errors for p in self.scheduler.profiles.values())

    def profile(self) -> dict[str, dict[str, float | int | bool | str]]:
        """Per-script calls, mean time, errors and quarantine: what designers look at."""
        return {
            name: {
                "calls": p.calls,
                "mean_us": round(p.mean_us, 2),
                "errors": p.errors,
                "quarantined": p.quarantined,
                "last_error": p.last_error,
            }
            for name, p in sorted(self.scheduler.profiles.items())
        }


def _default_content() -> Path | None:
    candidate = Path(__file__).resolve().parent.parent / "content"
    return candidate if candidate.is_dir() else None


def _optional(module: str, cls: str, factory: str, *args: Any) -> Any:
    """Load an optional content system; a missing module or file leaves it off (logged)."""
    try:
        import importlib

        target = getattr(importlib.import_module(module), cls)
        if not all(Path(a).exists() for a in args if isinstance(a, Path) and str(a) != ":memory:"):
            return None
        return getattr(target, factory)(*args)
    except (ImportError, AttributeError):
        return None
    except (OSError, ValueError) as exc:
        log.error("%s could not load: %s", cls, exc)
        return None


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


def _route_logging(sink: Callable[[int, str], None]) -> _SinkHandler:
    root = logging.getLogger("aicore")
    for handler in list(root.handlers):
        if isinstance(handler, _SinkHandler):
            root.removeHandler(handler)
    handler = _SinkHandler(sink)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    root.propagate = False
    return handler
