"""The runtime the C++ bridge drives: one ``tick`` per frame, events in, commands out.

The bridge (``cpp/bridge``) creates one :class:`Runtime` when the engine creates
``aicore_runtime``, hands it the world buffers as numpy views over the engine's memory,
and calls :meth:`Runtime.tick` once per frame with the frame's events as one msgpack
batch, taking the GIL exactly once. The same class runs without an engine (tests, tools,
``aicore check``) over a :meth:`World.allocate`'d world.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterable
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgpack

from engine_bridge.core.budget import Deadline, ThreadDeadline
from engine_bridge.core.content_overlay import with_overlay
from engine_bridge.core.errors import ScriptTimeoutError
from engine_bridge.core.event_decoding import decode_events
from engine_bridge.core.garbage_collection import GarbageCollection
from engine_bridge.core.log_routing import LogRoute, enter, leave
from engine_bridge.core.npc_voices import AudioBridge, NpcVoices
from engine_bridge.core.persistence import DEFAULT_PROFILE, Persistence
from engine_bridge.core.scheduler import Scheduler, classes_in
from engine_bridge.core.spawn_refusal import SpawnRefusal, SpawnRefusedError, spawn_refusal
from engine_bridge.core.world import World
from engine_bridge.models.decision_step import DecisionStep
from engine_bridge.protocol.messages import DURABLE_COMMANDS, DURABLE_EVENTS
from engine_bridge.scripting.failure_report import describe_failure
from engine_bridge.scripting.hot_reload import ScriptWatcher
from engine_bridge.scripting.memory_watch import MemoryLimits, MemoryWatch
from engine_bridge.scripting.script_host import ScriptHost
from engine_bridge.store import SaveInfo
from engine_bridge.sync.config import SyncConfig
from engine_bridge.sync.metrics import SyncMetrics
from vocal.content import content_root as shipped_content_root

if TYPE_CHECKING:
    from engine_bridge.content.story import StoryBook

__all__ = ["Runtime"]

log = logging.getLogger("aicore.runtime")

_NO_COMMANDS = b"\x90"  # an empty msgpack array: most frames' commands
_ERRORS = attrgetter("errors")

Problem = tuple[str, str | None, int | None, str | None, str]


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
        profile: str = DEFAULT_PROFILE,
        autosave_every_s: float | None = None,
        sync: SyncConfig | None = None,
    ) -> None:
        """``sync``: send the profile's outbox to a cloud gateway (``docs/sync.md``); needs
        ``save_dir``. Sync that cannot start is a problem of system ``"sync"``."""
        # This runtime's records go to its sink, never another runtime's (log_routing).
        self._log_route = LogRoute(log_sink) if log_sink is not None else None
        self._gc = GarbageCollection()
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
                profile=profile,
                autosave_every_s=autosave_every_s,
                sync=sync,
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
        profile: str,
        autosave_every_s: float | None,
        sync: SyncConfig | None,
    ) -> None:
        self.world = world
        # Layered: later roots replace or extend earlier ones (engine_bridge.content.layers).
        # content_root alone is the one-root form; both given, it goes first.
        roots = [Path(r) for r in ([content_root] if content_root else []) + list(content_roots)]
        if not roots and (default := shipped_content_root()).is_dir():
            roots = [default]  # the shipped content (or $AICORE_CONTENT): vocal.content finds it
        self.save_dir = Path(save_dir) if save_dir else None
        # The roots the game was given; over them, last, the content overlay a pushed bundle
        # installed in the save folder (content_overlay.py), read at start.
        self.base_content_roots: tuple[Path, ...] = tuple(roots)
        self.content_roots: tuple[Path, ...] = with_overlay(roots, self.save_dir)
        self.content_root = roots[0] if roots else None
        self.audio = audio
        self._commands: list[dict[str, Any]] = []
        # With a save folder, NPC memory, story progress and the lore index live in the
        # profile's store, and memory and progress come back when the game starts again
        # (persistence.py).
        self.time = 0.0  # game time: the autosave's clock
        route = self._log_route
        adopt = route.adopt if route is not None else None
        self.persistence = Persistence(
            self.save_dir,
            profile=profile,
            autosave_every_s=autosave_every_s,
            clock=lambda: self.time,
            frame_budget_s=frame_budget_s,
            sync=sync,
            on_thread_start=adopt,
            content_roots=self.base_content_roots,
        )
        # Content next: the story and the lore are among the services the scheduler builds
        # for the NPCs, once.
        self._load_content()
        self.persistence.attach_story(self.content.story)
        # The decision models (docs/models.md): loaded when a script's kind first names one.
        self.decisions = DecisionStep(world, self.content_roots)
        self.scheduler = Scheduler(
            world,
            handler_budget_s=handler_budget_s,
            frame_budget_s=frame_budget_s,
            emit_sink=self._commands.append,
            deadline=deadline if deadline is not None else ThreadDeadline(),
            story=self.content.story,
            knowledge=self.content.knowledge,
            memory=self.persistence.npc_memory(),
            decisions=self.decisions,
        )
        self.scripts = ScriptHost([Path(d) for d in script_dirs])
        # Every script call is budgeted, from loading (import, class bodies) on.
        self.scripts.budget = self.scheduler.guard
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
        # Subtitles, clips (its loader's thread starts now) and dialogue for what NPCs say.
        # The clips are measured through the presets the voice engine plays them with: the
        # first content root's (aicore_audio_prepare reads the same), not the source tree's.
        self.voices = NpcVoices(
            self.scheduler,
            audio,
            self.lines,
            self.dialogue,
            content_root=self.content_root,
            on_thread_start=adopt,
        )
        self.scheduler.replace_services(voice=self.voices.service)
        # Worker threads (clip loading, TTS, the watcher) hand the GIL back to the game thread
        # within half a millisecond instead of Python's default 5 ms: the frame's budget is
        # wall time, and waiting for the GIL must not eat it.
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.0005))
        # One packer for the game: msgpack.packb builds a Packer, and with it a 1 MiB
        # buffer, on every call, which cost more than the rest of the frame's crossing.
        self._packer = msgpack.Packer(use_bin_type=True)
        if manage_gc:
            # Collections run between frames, never inside a handler (garbage_collection.py).
            self._gc.take_over()

    # -- content ------------------------------------------------------------------------

    def _load_content(self) -> None:
        from engine_bridge.content.systems import ContentSystems

        # Each system that cannot start is logged once and recorded in content.status.
        self.content = ContentSystems(self.content_roots, self.persistence.store)
        self.lines: dict[str, Any] = dict(self.content.lines)
        self.dialogue = self.content.dialogue

    # -- called by the bridge ---------------------------------------------------------

    def spawn_refusal(self, kind: str) -> SpawnRefusal | None:
        """Why ``kind`` cannot be spawned, or None if a loaded script defines it."""
        return spawn_refusal(kind, self.scheduler.classes, self.scripts)

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
        """The content problems (:meth:`ContentSystems.problems`), the store's and the
        cloud sync's (systems ``"store"`` and ``"sync"``), the decision models' (system
        ``"models"``: each model that is off), then each script that failed to load at
        creation, as ``("scripts", file, line, None, reason)``."""
        store = [self.persistence.problem] if self.persistence.problem else []
        if self.persistence.sync.problem:
            store.append(self.persistence.sync.problem)
        models = self.decisions.problems()
        return self.content.problems() + store + models + self._script_problems

    # -- saves (engine_bridge/core/persistence.py) ----------------------------------------

    def save(self, slot: str, label: str = "") -> SaveInfo:
        """Save the play-through (NPC memory, story progress) to ``slot``, between frames,
        and wait until it is on disk. :class:`StoreError` with a structured fault if it
        cannot be (no save folder, a bad slot name, a full or read-only disk)."""
        previous = enter(self._log_route)
        try:
            return self.persistence.save(slot, label)
        finally:
            leave(previous)

    def load(self, slot: str) -> SaveInfo:
        """Put back what NPCs remembered and the story's progress as ``slot`` holds them.
        :class:`StoreError` (nothing changed) for a missing or damaged save."""
        previous = enter(self._log_route)
        try:
            return self.persistence.load(slot)
        finally:
            leave(previous)

    def pull_save(self, slot: str | None = None) -> SaveInfo:
        """Pull the newest cloud save (of ``slot``, or of any slot) into the profile's
        slots through the sync client, waiting up to ``SyncTuning.pull_timeout_s``; then
        :meth:`load` the slot returned (``docs/sync.md``, "Cloud saves").
        :class:`CloudSaveError` (``unavailable``: no sync, offline) or :class:`StoreError`."""
        previous = enter(self._log_route)
        try:
            return self.persistence.pull(slot)
        finally:
            leave(previous)

    def saves(self) -> list[SaveInfo]:
        """The profile's saves, newest first, damaged ones with their problem."""
        return self.persistence.saves()

    def delete_save(self, slot: str) -> bool:
        """Delete ``slot``; False if there was none."""
        return self.persistence.delete(slot)

    @property
    def carried(self) -> tuple[int, int]:
        """What the last frame left for the next: (events, timers and messages still
        queued; NPCs whose on_tick waits). Both 0 when the frame did all its work."""
        return self.scheduler.carried_events, self.scheduler.carried_handlers

    @property
    def store_counters(self) -> tuple[int, int, int]:
        """(frames' writes the store held for a later frame, store faults, durable messages
        not journalled): read by the bridge after every frame for aicore_metrics."""
        return self.persistence.counters

    @property
    def sync_metrics(self) -> SyncMetrics | None:
        """The cloud sync client's counters and its cost to the game thread (None: sync is
        off; ``problems()`` says why if it was asked for)."""
        return self.persistence.sync.metrics

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
        batch: list[dict[str, Any]] = []
        if events:
            batch, dropped = decode_events(events, self.frame)
            self.dropped_events += dropped
            if DURABLE_EVENTS:  # journalled from the bytes they came in (none dropped)
                self.persistence.journal_array("event", events, batch, DURABLE_EVENTS, dropped == 0)
        began = time.perf_counter()
        self._apply_reloads()
        for name, module in list(self.scripts.modules.items()):
            on_frame = getattr(module, "on_frame", None)
            if on_frame is not None:
                self.scripts.call(name, f"{module.__file__}:1", on_frame, self, dt, batch)
        self.voices.start_ready_lines(self.frame)
        # The story sees each engine event as the scheduler delivers it (event_observer),
        # under the same frame budget: a burst of events is spread over frames, not lost.
        self.scheduler.event_observer = self._observe_event if self.scheduler.story else None
        self.scheduler.tick(dt, batch, self.voices.line_events())
        # The memory census runs after the handlers, never inside one; its time is the
        # runtime's Python work of the frame, counted with the scripts', so that what the
        # bridge reports as its crossing is only the crossing.
        self.memory.step()
        out = self._pack_commands()
        self.persistence.end_of_frame()  # hands the frame's writes over; never waits on disk
        script_seconds = time.perf_counter() - began
        gc_seconds = self._gc.between_frames(len(self.scheduler.npcs))
        self.frame += 1
        self.time += dt
        if isinstance(out, Exception):
            raise out
        return out, script_seconds, gc_seconds

    def _pack_commands(self) -> bytes | Exception:
        # The frame's commands as one msgpack array, the durable ones journalled from it;
        # or the error that stopped packing them (raised once the frame is counted).
        commands = self._commands
        if not commands:
            return _NO_COMMANDS
        try:
            out: bytes = self._packer.pack(commands)
        except Exception as error:
            return error
        else:
            if DURABLE_COMMANDS:
                self.persistence.journal_array("command", out, commands, DURABLE_COMMANDS, True)
            return out
        finally:
            commands.clear()  # a command that cannot be packed must not fail every frame

    def _observe_event(self, event: dict[str, Any], kind: str | None) -> None:
        story = self.scheduler.story
        if story is not None:
            self._observe(story, event, kind)

    def _observe(self, story: StoryBook, event: dict[str, Any], kind: str | None) -> None:
        """Feed one event to the story. The hooks it runs are script code: under the handler
        budget, and a hook that loops is stopped without losing the frame."""
        guard = self.scheduler.guard
        guard.arm()
        try:
            story.observe(event, kind=kind)
        except (Exception, SystemExit, KeyboardInterrupt, ScriptTimeoutError) as exc:
            guard.disarm()
            report = describe_failure(exc, None, "a story hook", guard)
            log.error("%s: %s in a story hook: %s", report.where, report.kind, report.message)
        guard.disarm()

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
            voices = getattr(self, "voices", None)
            if voices is not None:
                voices.close()
            scheduler = getattr(self, "scheduler", None)
            if scheduler is not None:
                scheduler.memory.flush()  # a persistent store writes its last frame
            # Content first: the lore index reads the store's database, and SQLite folds
            # the write-ahead log back into it only when the last connection closes.
            content = getattr(self, "content", None)
            if content is not None:
                content.close()
            persistence = getattr(self, "persistence", None)
            if persistence is not None:
                persistence.close()
            scripts = getattr(self, "scripts", None)
            if scripts is not None:
                scripts.unload()
            self._gc.give_back()
        finally:
            leave(previous)
            if self._log_route is not None:
                self._log_route.close()

    # -- hot reload ---------------------------------------------------------------------

    def _apply_reloads(self) -> None:
        for path, seen in self.watcher.pending():
            if not self.scripts.is_loaded_version(path):  # aicore_scripts_reload loaded it?
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
        self.scheduler.guard.unquarantine(path.stem)
        for cls in classes_in(module):
            self.scheduler.register(cls)
        if noticed_at is not None:
            self.reload_latencies.append(time.monotonic() - noticed_at)
        log.info("%s: reloaded", path)
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
        return {name: p.summary() for name, p in sorted(self.scheduler.profiles.items())}
