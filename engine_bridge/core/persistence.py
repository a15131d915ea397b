"""The runtime's persistent state: the profile's store (``engine_bridge/store``) as the
frame uses it.

With a save folder, a runtime keeps NPC memory and story progress in the profile's SQLite
store: memory is the scheduler's ``NpcMemory`` (written at the end of each frame), the
story's state is recorded after each frame (only what changed is written), and both are
put back when the runtime starts again. Explicit saves, loads, the autosave clock and the
store's faults go through here too.

A store that cannot open (a damaged live database, a read-only or full disk, the profile
open in another runtime) is a content problem of system ``"store"``, logged once: the
runtime runs on with memory kept in memory, and nothing on disk is touched.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine_bridge.core.sync_link import SyncLink
from engine_bridge.scripting.npc_memory import NpcMemory
from engine_bridge.store import (
    Autosave,
    FaultKind,
    NotPlainDataError,
    SaveInfo,
    Store,
    StoreConfig,
    StoreError,
    StoreFault,
    is_msgpack_array,
)
from engine_bridge.store.paths import DEFAULT_PROFILE
from engine_bridge.sync.config import SyncConfig

if TYPE_CHECKING:
    from engine_bridge.content.story import StoryBook

__all__ = ["DEFAULT_PROFILE", "Persistence"]

log = logging.getLogger("aicore.store")

# How long listing the saves waits for an autosave still being written (a menu's wait,
# not a frame's: saves take milliseconds unless the disk is failing).
_AUTOSAVE_LIST_WAIT_S = 30.0

# (system, file, line, field, reason): the shape of Runtime.problems()
Problem = tuple[str, str | None, int | None, str | None, str]


def _config_within(frame_budget_s: float | None) -> StoreConfig:
    # Back-pressure stays inside the frame: waiting for room in a full writer queue may
    # take at most a fifth of the frame's budget (and never more than the store's default).
    default = StoreConfig()
    if frame_budget_s is None or not frame_budget_s > 0:
        return default
    budget = min(default.handover_budget_s, frame_budget_s / 5)
    return dataclasses.replace(default, handover_budget_s=budget)


class Persistence:
    """One runtime's store, or the reason it has none (:attr:`problem`)."""

    def __init__(
        self,
        save_dir: Path | None,
        *,
        profile: str = DEFAULT_PROFILE,
        autosave_every_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        frame_budget_s: float | None = None,
        sync: SyncConfig | None = None,
        on_thread_start: Callable[[], None] | None = None,
        content_roots: Sequence[Path] = (),
    ) -> None:
        """``autosave_every_s`` of ``clock`` (the runtime passes its game time, so an
        autosave comes after that much play, however fast frames run). ``sync``: send the
        outbox to a cloud gateway (``sync_link.py``), on a thread that starts with
        ``on_thread_start``; fetched content is checked over ``content_roots``."""
        self.store: Store | None = None
        self.problem: Problem | None = None
        self._story: StoryBook | None = None
        self._autosave: Autosave | None = None
        self.last_autosave: Future[SaveInfo] | None = None
        """The autosave started last (its future says when it is on disk, or why not)."""
        self.faults_seen = 0
        """Store faults logged since start (disk full, read-only, a value not kept...)."""
        self.unjournalled = 0
        """Durable messages that could not go to the outbox (no store, or not plain data)."""
        self._kind_names: dict[tuple[str, frozenset[str]], dict[str, str]] = {}
        self.sync = SyncLink(None, None)
        """The cloud sync client, or why there is none (``sync.problem``)."""
        if save_dir is None:
            self.sync = SyncLink(sync, None)
            return
        try:
            self.store = Store.open(save_dir, profile, _config_within(frame_budget_s))
        except StoreError as error:
            fault = error.fault
            offered = ", ".join(getattr(info, "slot", str(info)) for info in error.offered)
            hint = f"; sound saves to start from: {offered}" if offered else ""
            reason = (
                f"{fault.kind}: {fault.reason}{hint}; NPC memory and story progress are not kept"
            )
            self.problem = ("store", fault.file, None, fault.field, reason)
            log.error("store is off: %s: %s", fault.file, reason)
            self.sync = SyncLink(sync, None)
            return
        if autosave_every_s is not None and autosave_every_s > 0:
            self._autosave = Autosave(self.store.saves, autosave_every_s, clock=clock)
        self.sync = SyncLink(
            sync,
            self.store,
            on_thread_start=on_thread_start,
            content_roots=content_roots,
            save_dir=save_dir,
        )

    def npc_memory(self) -> NpcMemory | None:
        """The memory to give the scheduler, or None (the scheduler's own, in memory)."""
        return self.store.npc_memory() if self.store is not None else None

    def attach_story(self, story: StoryBook | None) -> None:
        """Put back the story progress the store holds, then follow the story's changes."""
        self._story = story
        if self.store is not None and story is not None:
            self._restore_story()

    def end_of_frame(self) -> None:
        """Record the frame's story changes, hand the frame's writes to the writer thread
        (never waiting on disk), log the store's new faults and start an autosave if due."""
        if self.store is None:
            return
        self.sync.end_of_frame()  # the gateway's acknowledgements go in this frame's batch
        self._hand_over()
        for fault in self.store.take_faults():
            self.faults_seen += 1
            log.error("store: %s", fault)
        if self._autosave is not None:
            started = self._autosave.tick()
            if started is not None:
                self.last_autosave = started

    def journal(self, direction: str, message: dict[str, Any]) -> None:
        """Keep a durable message (schema.toml's ``durable = true``) in the outbox, bound for
        the cloud: ``direction`` is ``"event"`` or ``"command"``. Without a store, the
        message is counted in :attr:`unjournalled` (the game has no outbox to keep it)."""
        if self.store is None:
            self.unjournalled += 1
            return
        try:
            self.store.outbox.append(f"{direction}.{message.get('type')}", message)
        except NotPlainDataError as error:  # binary data inside "any" fields is plain
            self.unjournalled += 1
            log.error("store: a durable %s was not journalled: %s", direction, error)

    def journal_array(
        self,
        direction: str,
        data: bytes,
        messages: list[dict[str, Any]],
        durable: frozenset[str],
        whole: bool,
    ) -> None:
        """Keep the durable ones of ``messages`` in the outbox: ``data`` is the msgpack
        array they were decoded from (``whole``: every item of it, in order) or packed
        into. They are journalled from those bytes, not encoded again (the game thread
        hands the array over; the writer thread cuts them out)."""
        names = self._kind_names.get((direction, durable))
        if names is None:  # the outbox kinds, made once: a frame makes no strings
            names = {kind: f"{direction}.{kind}" for kind in durable}
            self._kind_names[(direction, durable)] = names
        picks = [
            (index, names[kind])
            for index, message in enumerate(messages)
            if (kind := message.get("type")) in names
        ]
        if not picks:
            return
        if self.store is None:
            self.unjournalled += len(picks)
            return
        if whole and is_msgpack_array(data):
            self.store.outbox.append_items(data, picks)
            return
        for index, _ in picks:  # some were dropped: the indices do not match the bytes
            self.journal(direction, messages[index])

    # -- saves --------------------------------------------------------------------------

    def save(self, slot: str, label: str = "") -> SaveInfo:
        """Save the play-through to ``slot`` and wait until it is on disk (atomic: the slot
        is the old save or the new one, never half of each).

        Raises:
            StoreError: no store (``closed``), a bad slot name, a full or read-only disk.
        """
        store = self._require("save")
        self._hand_over()
        return store.saves.save(slot, label=label).result(120)

    def load(self, slot: str) -> SaveInfo:
        """Replace what NPCs remember and the story's progress with ``slot``'s.

        Raises:
            StoreError: no such slot, a damaged save (named; the sound ones offered).
                Nothing changes then.
        """
        store = self._require("load")
        self._hand_over()
        info = store.saves.load(slot)
        if self._story is not None:
            self._restore_story()
        return info

    def pull(self, slot: str | None) -> SaveInfo:
        """Pull the newest cloud save (of ``slot``, or of any) into the profile's slots
        (``sync_link.py``); returns the slot that holds it, to load.

        Raises:
            CloudSaveError: sync is off, offline, no such save, a corrupt download.
            StoreError: no store; a slot name not allowed (``bad_path``); the slot could
                not be written.
        """
        store = self._require("pull")
        if slot is not None:
            store.paths.slot(slot)  # a name the store refuses is refused before the network
        result = self.sync.pull(slot)
        log.info(
            "cloud save %r %s pulled (%s) into slot %r, uploaded by %s%s",
            result.slot,
            result.sha256,
            result.outcome,
            result.info.slot,
            result.stream,
            f"; it conflicts with {result.conflict_of}" if result.conflict_of else "",
        )
        return result.info

    def saves(self) -> list[SaveInfo]:
        """Every save of the profile, newest first (damaged ones with their ``problem``),
        the autosave already started included: it is waited for (at most
        :data:`_AUTOSAVE_LIST_WAIT_S`), since a list read while it is still on the writer
        thread would leave it out however long ago it was due."""
        store = self._require("list")
        running = self.last_autosave
        if running is not None:
            try:
                running.result(_AUTOSAVE_LIST_WAIT_S)
            except (StoreError, TimeoutError) as error:
                # Listed as the disk has it; a failed autosave was the writer's to report.
                log.warning("listing the saves without the autosave in progress: %s", error)
        return store.saves.list()

    def delete(self, slot: str) -> bool:
        """Delete ``slot`` (and the save it replaced); False if there was none."""
        return self._require("delete").saves.delete(slot)

    @property
    def counters(self) -> tuple[int, int, int]:
        """(frames' writes held for a later frame, store faults, durable messages not
        journalled): what aicore_metrics reports of the store, read once a frame."""
        held = self.store.deferred_handovers if self.store is not None else 0
        return held, self.faults_seen, self.unjournalled

    def close(self) -> None:
        """Stop the sync client, write what is left and let go of the profile
        (idempotent)."""
        self.sync.close()  # its thread reads the outbox: before the store closes
        if self.store is not None:
            self._hand_over()
            self.store.close()
            self.store = None

    # -- inside -------------------------------------------------------------------------

    def _hand_over(self) -> None:
        # What the frame wrote so far, so that a save made between frames holds it.
        assert self.store is not None
        if self._story is not None:
            self.store.story_state.write(
                {name: s.snapshot() for name, s in self._story.stories.items()}
            )
        self.store.flush()

    def _restore_story(self) -> None:
        assert self.store is not None
        assert self._story is not None
        for name, snapshot in self.store.story_state.read().items():
            story = self._story.stories.get(name)
            if story is None:
                log.warning("store: progress of story %r kept, but no such story is loaded", name)
                continue
            try:
                story.restore(snapshot)
            except ValueError as error:  # the story's file changed since (a beat renamed...)
                log.error("store: the progress of story %r does not fit it: %s", name, error)

    def _require(self, operation: str) -> Store:
        if self.store is None:
            reason = self.problem[4] if self.problem else "the runtime has no save folder"
            raise StoreError(StoreFault(FaultKind.CLOSED, "", operation, reason))
        return self.store
