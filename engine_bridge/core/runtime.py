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
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import msgpack

from engine_bridge.api import Event, Npc
from engine_bridge.content.clip_loader import ClipLoader
from engine_bridge.core.budget import Deadline, ThreadDeadline
from engine_bridge.core.errors import ScriptTimeoutError
from engine_bridge.core.log_routing import LogRoute, enter, leave
from engine_bridge.core.scheduler import Scheduler, classes_in
from engine_bridge.core.world import World
from engine_bridge.protocol.messages import MessageError, decode, decode_each
from engine_bridge.scripting.failure_report import describe_failure
from engine_bridge.scripting.hot_reload import ScriptWatcher
from engine_bridge.scripting.memory_watch import MemoryLimits, MemoryWatch
from engine_bridge.scripting.npc_memory import Memorable
from engine_bridge.scripting.script_host import ScriptHost

if TYPE_CHECKING:
    from engine_bridge.content.story import StoryBook

__all__ = ["AudioBridge", "Runtime", "SpawnRefusal", "SpawnRefusedError"]

log = logging.getLogger("aicore.runtime")

_NO_COMMANDS = b"\x90"  # an empty msgpack array: most frames' commands
# NPCs spawned since the last gc.freeze() that make a spawn wave worth freezing.
_FREEZE_AFTER_SPAWNS = 64
_ERRORS = attrgetter("errors")

Problem = tuple[str, str | None, int | None, str | None, str]


@dataclass(frozen=True)
class SpawnRefusal:
    """Why a kind cannot be spawned: ``code`` "not_found" (no loaded script defines it) or
    "script_error" (the script declaring it failed to load: ``file``, ``line``, ``reason``)."""

    code: str
    reason: str
    file: str | None = None
    line: int | None = None


class SpawnRefusedError(LookupError):
    """Raised by :meth:`Runtime.spawn` for a kind that cannot be spawned; no slot was used."""

    def __init__(self, kind: str, refusal: SpawnRefusal) -> None:
        where = f" ({refusal.file}:{refusal.line or 1})" if refusal.file else ""
        super().__init__(f"kind {kind!r}: {refusal.reason}{where}")
        self.kind = kind
        self.refusal = refusal


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
        content_roots: Iterable[str | Path] = (),
        save_dir: str | Path | None = None,
        audio: AudioBridge | None = None,
        log_sink: Callable[[int, str], None] | None = None,
        watch: bool = True,
        manage_gc: bool = True,
        deadline: Deadline | None = None,
        handler_budget_s: float = 0.005,
        frame_budget_s: float = 0.010,
        memory_limits: MemoryLimits | None = None,
    ) -> None:
        # This runtime's records go to its sink, never another runtime's (log_routing).
        self._log_route = LogRoute(log_sink) if log_sink is not None else None
        self._manage_gc = False
        self._closed = False
        previous = enter(self._log_route)
        try:
            self._start(
                world,
                script_dirs=script_dirs,
                content_root=content_root,
                content_roots=content_roots,
                save_dir=save_dir,
                audio=audio,
                watch=watch,
                manage_gc=manage_gc,
                deadline=deadline,
                handler_budget_s=handler_budget_s,
                frame_budget_s=frame_budget_s,
                memory_limits=memory_limits,
            )
        except BaseException:
            self.close()  # what did start (threads, log routing) must not outlive the failure
            raise
        finally:
            leave(previous)

    def _start(
        self,
        world: World,
        *,
        script_dirs: Iterable[str | Path],
        content_root: str | Path | None,
        content_roots: Iterable[str | Path],
        save_dir: str | Path | None,
        audio: AudioBridge | None,
        watch: bool,
        manage_gc: bool,
        deadline: Deadline | None,
        handler_budget_s: float,
        frame_budget_s: float,
        memory_limits: MemoryLimits | None,
    ) -> None:
        self.world = world
        # Layered: later roots replace or extend earlier ones (engine_bridge.content.layers).
        # content_root alone is the one-root form; both given, it goes first.
        roots = [Path(r) for r in ([content_root] if content_root else []) + list(content_roots)]
        if not roots and (default := _default_content()) is not None:
            roots = [default]
        self.content_roots: tuple[Path, ...] = tuple(roots)
        self.content_root = roots[0] if roots else None
        self.save_dir = Path(save_dir) if save_dir else None
        self.audio = audio
        self._commands: list[dict[str, Any]] = []
        # Content first: the story and the lore are among the services the scheduler builds
        # for the NPCs, once.
        self._load_content()
        self.scheduler = Scheduler(
            world,
            handler_budget_s=handler_budget_s,
            frame_budget_s=frame_budget_s,
            emit_sink=self._commands.append,
            say_sink=self._say,
            speak_sink=self._speak,
            deadline=deadline if deadline is not None else ThreadDeadline(),
            story=self.content.story,
            knowledge=self.content.knowledge,
        )
        self.scripts = ScriptHost([Path(d) for d in script_dirs])
        # Every script call is budgeted, from loading (import, class bodies) on.
        self.scripts.budget = self.scheduler
        self.scripts.load_all()
        for module in self.scripts.modules.values():
            for cls in classes_in(module):
                self.scheduler.register(cls)
        # What each script keeps, measured a slice at a time between frames.
        self.memory = MemoryWatch(self.scheduler, self.scripts, memory_limits)
        # Scripts that failed to load now: create still succeeds (saving a fix reloads them),
        # and each is a problem of system "scripts" (aicore_runtime_content_problem).
        self._script_problems: list[Problem] = [
            ("scripts", str(f.path), f.failure.line, None, f"{f.failure.kind}: {f.failure.message}")
            for f in self.scripts.load_failures.values()
        ]
        route = self._log_route
        adopt = route.adopt if route is not None else None
        self.watcher = ScriptWatcher(self.scripts.directories, on_thread_start=adopt)
        if watch:
            self.watcher.start()
        self.frame = 0
        self.time = 0.0
        # Events of a batch that could not be decoded or had no type, each logged and left
        # out (the rest of their frame still runs); 0 unless the engine bypassed the bridge's
        # validation or the two disagree. The bridge copies it into aicore_metrics.
        self.dropped_events = 0
        self.reload_latencies: list[float] = []  # seconds from save noticed to new code live
        self._voices: dict[int, int] = {}  # voice id -> NPC slot
        self._speech: list[tuple[Npc, Future[Any], float | None]] = []
        self._clips: ClipLoader | None = None
        if audio is not None and hasattr(audio, "add_clip"):
            # Started here, not at the first say(): a thread started inside a handler could
            # be hit by that handler's budget interrupt before it runs (CPython raises it by
            # thread id, which a new thread shares with its creator until it starts), and
            # Thread.start() would then wait for it forever. Its imports happen now too, not
            # in the middle of a frame.
            self._clips = ClipLoader(audio, self.lines, on_thread_start=adopt)
        # The runtime schedules the garbage collector itself: a full collection over
        # thousands of NPCs can take longer than a handler's budget, so it must never start
        # inside one. Between frames it runs the collections CPython would have started on
        # its own (_collect_garbage).
        # Worker threads (clip loading, TTS, the watcher) hand the GIL back to the game thread
        # within half a millisecond instead of Python's default 5 ms: the frame's budget is
        # wall time, and waiting for the GIL must not eat it.
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.0005))
        self._population_frozen = 0  # NPCs alive at the last gc.freeze()
        # One packer for the game: msgpack.packb builds a Packer, and with it a 1 MiB
        # buffer, on every call, which cost more than the rest of the frame's crossing.
        self._packer = msgpack.Packer(use_bin_type=True)
        if manage_gc:
            self._manage_gc = True
            gc.disable()
            # Garbage first (an earlier runtime's, say): frozen, it would never be freed.
            gc.collect()
            gc.freeze()  # what is loaded now (modules, content) lives as long as the game

    # -- content ------------------------------------------------------------------------

    def _load_content(self) -> None:
        from engine_bridge.content.systems import ContentSystems

        # Each system that cannot start is logged once and recorded in content.status.
        self.content = ContentSystems(self.content_roots, self.save_dir)
        self.lines: dict[str, Any] = dict(self.content.lines)
        self.dialogue = self.content.dialogue

    # -- called by the bridge ---------------------------------------------------------

    def spawn_refusal(self, kind: str) -> SpawnRefusal | None:
        """Why ``kind`` cannot be spawned, or None if a loaded script defines it."""
        if kind in self.scheduler.classes:
            return None
        failed = self.scripts.failed_load_of(kind)
        if failed is not None:
            f = failed.failure
            return SpawnRefusal("script_error", f"{f.kind}: {f.message}", str(failed.path), f.line)
        return SpawnRefusal("not_found", "no loaded NPC script defines it")

    def spawn(self, slot: int, kind: str) -> None:
        """Give ``slot`` to a new NPC of ``kind``; :class:`SpawnRefusedError` (and the slot left
        free) for a kind no loaded script defines or whose script failed to load."""
        refusal = self.spawn_refusal(kind)
        if refusal is not None:
            raise SpawnRefusedError(kind, refusal)
        previous = enter(self._log_route)
        try:
            self.world.alive[slot] = 1
            self.world.health[slot] = 1.0
            self.scheduler.spawn(slot, kind)
        finally:
            leave(previous)

    def despawn(self, slot: int) -> None:
        previous = enter(self._log_route)
        try:
            self.scheduler.despawn(slot)
            self.world.alive[slot] = 0
        finally:
            leave(previous)

    def problems(self) -> list[Problem]:
        """The content problems (:meth:`ContentSystems.problems`), then each script that
        failed to load at creation, as ``("scripts", file, line, None, reason)``."""
        return self.content.problems() + self._script_problems

    @property
    def carried(self) -> tuple[int, int]:
        """What the last frame left for the next: (events, timers and messages still
        queued; NPCs whose on_tick waits). Both 0 when the frame did all its work."""
        return self.scheduler.carried_events, self.scheduler.carried_handlers

    @property
    def kinds(self) -> dict[int, str]:
        return {slot: npc.kind for slot, npc in self.scheduler.npcs.items()}

    @property
    def defined_kinds(self) -> list[str]:
        """The kinds the loaded scripts define, sorted."""
        return sorted(self.scheduler.classes)

    def kind_archetype(self, kind: str) -> str | None:
        """The archetype NPCs of ``kind`` speak in ("" for none), or None if no loaded
        script defines ``kind`` (spawning it is refused)."""
        cls = self.scheduler.classes.get(kind)
        return None if cls is None else str(cls.archetype or "")

    def tick(self, dt: float, events: bytes) -> tuple[bytes, float, float]:
        """Run one frame. ``events`` is one msgpack array, or empty for none. Returns the
        frame's commands (one msgpack array), the seconds spent in scripts and the runtime's
        own Python work (scheduler, memory census) and the seconds spent collecting garbage
        after them; the rest of the call is the bridge's overhead. What the frame had no
        time for is in :attr:`carried` afterwards."""
        previous = enter(self._log_route)
        try:
            return self._tick(dt, events)
        finally:
            leave(previous)

    def _tick(self, dt: float, events: bytes) -> tuple[bytes, float, float]:
        batch = self._decode_events(events) if events else []
        began = time.perf_counter()
        self._apply_reloads()
        for name, module in list(self.scripts.modules.items()):
            on_frame = getattr(module, "on_frame", None)
            if on_frame is not None:
                self.scripts.call(name, f"{module.__file__}:1", on_frame, self, dt, batch)
        self._start_ready_lines()
        # The story sees each engine event as the scheduler delivers it (event_observer),
        # under the same frame budget: a burst of events is spread over frames, not lost.
        self.scheduler.event_observer = self._observe_event if self.scheduler.story else None
        self.scheduler.tick(dt, batch, self._voice_events())
        # The memory census runs after the handlers, never inside one; its time is the
        # runtime's Python work of the frame, counted with the scripts', so that what the
        # bridge reports as its crossing is only the crossing.
        self.memory.step()
        script_seconds = time.perf_counter() - began
        gc_seconds = 0.0
        if self._manage_gc:
            gc.disable()  # again: closing another runtime of the process gave it back
            gc_seconds = self._collect_garbage()
        self.frame += 1
        self.time += dt
        if not self._commands:
            return _NO_COMMANDS, script_seconds, gc_seconds
        try:
            out = self._packer.pack(self._commands)
        finally:
            self._commands.clear()  # a command that cannot be packed must not fail every frame
        return out, script_seconds, gc_seconds

    def _decode_events(self, events: bytes) -> list[dict[str, Any]]:
        """The frame's events. One that does not decode, or is not a map with a string
        ``type``, is logged and counted in ``dropped_events``; the others are kept."""
        try:
            batch: list[Any] = decode(events)
        except Exception:  # one bad event must not cost the frame its good ones
            batch = decode_each(events)
        if all(isinstance(e, dict) and isinstance(e.get("type"), str) for e in batch):
            return batch
        kept = []
        for index, event in enumerate(batch):
            if isinstance(event, dict) and isinstance(event.get("type"), str):
                kept.append(event)
                continue
            self.dropped_events += 1
            why = event if isinstance(event, MessageError) else "not a map with a string 'type'"
            log.error("frame %d: event %d dropped: %s", self.frame, index, why)
        return kept

    def _collect_garbage(self) -> float:
        """Between two frames, the collection CPython would otherwise start by itself in
        the middle of a handler; the seconds it took."""
        began = time.perf_counter()
        # Most frames leave few new container objects behind (commands and events die with
        # the frame), so a young collection every frame would walk a near-empty generation
        # for nothing. Collect when CPython's own trigger would (gc.get_threshold(), which a
        # game may tune; 0 turns collection off): the young generation once its allocation
        # count passes the threshold, an older one once its count of younger collections
        # does.
        young, middle, old = gc.get_count()
        young_limit, middle_limit, old_limit = gc.get_threshold()
        if not young_limit or young <= young_limit:
            return time.perf_counter() - began
        population = len(self.scheduler.npcs)
        self._population_frozen = min(self._population_frozen, population)
        if population - self._population_frozen >= _FREEZE_AFTER_SPAWNS:
            # A spawn wave: its NPCs, their memories and timers live for minutes, and every
            # older-generation collection would walk them all again. Collect everything
            # once, so that no garbage is frozen with them, then move them out of the
            # collector's sight (reference counting still frees them when despawned).
            gc.collect()
            gc.freeze()
            self._population_frozen = population
        else:
            gc.collect(2 if old > old_limit else 1 if middle > middle_limit else 0)
        return time.perf_counter() - began

    def _observe_event(self, event: dict[str, Any], kind: str | None) -> None:
        story = self.scheduler.story
        if story is not None:
            self._observe(story, event, kind)

    def _observe(self, story: StoryBook, event: dict[str, Any], kind: str | None) -> None:
        """Feed one event to the story. The hooks it runs are script code: under the handler
        budget, and a hook that loops is stopped without losing the frame."""
        self.scheduler.arm()
        try:
            story.observe(event, kind=kind)
        except (Exception, SystemExit, KeyboardInterrupt, ScriptTimeoutError) as exc:
            self.scheduler.disarm()
            report = describe_failure(exc, None, "a story hook", self.scheduler)
            log.error("%s: %s in a story hook: %s", report.where, report.kind, report.message)
        self.scheduler.disarm()

    def close(self) -> None:
        """Stop the runtime's threads, let go of its scripts and content, and detach it from
        logging, last (what stopping logs still reaches its sink). The bridge calls this when
        the engine destroys the runtime: the engine's log callback must not outlive it.
        Safe to call twice, and on a runtime whose creation failed half-way."""
        if self._closed:
            return
        self._closed = True
        previous = enter(self._log_route)
        try:
            watcher = getattr(self, "watcher", None)
            if watcher is not None:
                watcher.stop()
            clips = getattr(self, "_clips", None)
            if clips is not None:
                clips.close()
            scheduler = getattr(self, "scheduler", None)
            if scheduler is not None:
                scheduler.memory.flush()  # a persistent store writes its last frame
            content = getattr(self, "content", None)
            if content is not None:
                content.close()
            scripts = getattr(self, "scripts", None)
            if scripts is not None:
                scripts.unload()
            if self._manage_gc:
                # The collector goes back as it was found; another runtime still running
                # turns it off again at its next tick.
                self._manage_gc = False
                gc.unfreeze()
                gc.enable()
        finally:
            leave(previous)
            if self._log_route is not None:
                self._log_route.close()

    # -- hot reload ---------------------------------------------------------------------

    def _apply_reloads(self) -> None:
        for path, seen in self.watcher.pending():
            self.reload(path, noticed_at=seen)

    def reload(self, path: Path, *, noticed_at: float | None = None) -> bool:
        """Load the new version of one script between frames. A syntax or import error
        keeps the last good version running (and is reported)."""
        previous = enter(self._log_route)
        try:
            return self._reload(path, noticed_at)
        finally:
            leave(previous)

    def _reload(self, path: Path, noticed_at: float | None) -> bool:
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
        if self._clips is None or not type(npc).archetype:  # no voice engine, or a human
            return
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

    def _speak(self, npc: Npc, topic: str, variables: dict[str, Memorable]) -> bool:
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
            memory=self.scheduler.memory.view(npc.slot),
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
        # Read by the bridge after every frame: map and attrgetter, not a generator, which
        # cost microseconds of the crossing.
        return self.scripts.errors + sum(map(_ERRORS, self.scheduler.profiles.values()))

    def profile(self) -> dict[str, dict[str, float | int | bool | str]]:
        """Per-script calls, mean time, errors, quarantine and memory (bytes it keeps, and
        their growth over its settled size): what designers look at."""
        return {
            name: {
                "calls": p.calls,
                "mean_us": round(p.mean_us, 2),
                "errors": p.errors,
                "quarantined": p.quarantined,
                "last_error": p.last_error,
                "memory_bytes": p.memory_bytes,
                "memory_growth_bytes": p.memory_growth_bytes,
            }
            for name, p in sorted(self.scheduler.profiles.items())
        }


def _default_content() -> Path | None:
    candidate = Path(__file__).resolve().parents[2] / "content"
    return candidate if candidate.is_dir() else None
