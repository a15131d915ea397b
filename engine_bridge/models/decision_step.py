"""The frame's decision step: every model once, for every due NPC of the kinds that ask it.

The scheduler (``engine_bridge/core/scheduler.py``) calls :meth:`DecisionStep.decide` once
a frame, before the ``on_tick``s. For the NPCs whose turn the frame is, of every kind that
names a model (``model = "npc_action"`` on its class), it

1. updates what the features remember between frames (:meth:`FeatureContext.observe`:
   when each NPC last perceived the player, one vectorised step over the world) and the
   story's flags;
2. gathers their feature rows once, in one native pass (``row_gatherer.py``, the compiled
   twin of ``features.gather``; no Python loop over NPCs), into the buffer of the first
   model that runs; a model asked by only some of the due NPCs takes its rows from those
   with one ``np.take``;
3. runs each model once for its whole batch (``batch_inference.py``: buffers kept from frame
   to frame, IO binding) and posts the answers to the :class:`DecisionBoard` in one write,
   where ``self.decision`` reads them.

A model that is off (missing, corrupt, mismatched, onnxruntime not installed) never runs:
its NPCs' decisions stay ``None`` and their scripts do what they do without it. The
registry's error is logged once (``aicore.models``) and is a problem of system
``"models"`` (:meth:`DecisionStep.problems`, in ``Runtime.problems()``). The registry is
made when the first kind names a model, and loads a model when a kind first asks it: a
game whose scripts ask none never imports onnxruntime, and a model no script asks is
neither loaded nor checked (``aicore models verify`` checks them all). A model whose run
fails in a frame (an error from onnxruntime) is turned off the same way, from that frame
on, and the frame goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from engine_bridge.core.decisions import DecisionBoard
from engine_bridge.core.world import World
from engine_bridge.models.batch_inference import BatchInference
from engine_bridge.models.due_slots import DueSlots
from engine_bridge.models.features import ARCHETYPES, KIND_ARCHETYPES, FeatureContext
from engine_bridge.models.row_gatherer import RowGatherer

if TYPE_CHECKING:
    from engine_bridge.content.layers import ContentError
    from engine_bridge.content.story import StoryBook
    from engine_bridge.models.registry import LoadedModel

__all__ = ["DecisionListener", "DecisionStep", "ModelSource"]

log = logging.getLogger("aicore.models")

Problem = tuple[str, str | None, int | None, str | None, str]

# (frame, model, slots, labels or None when the model is off, probabilities or None)
DecisionListener = Callable[[int, str, np.ndarray, np.ndarray | None, np.ndarray | None], None]


class ModelSource(Protocol):
    """Where models come from: the registry (``registry.py``)."""

    errors: list[ContentError]

    def get(self, name: str) -> LoadedModel | None: ...


def _registry(roots: Sequence[Path]) -> ModelSource:
    from engine_bridge.models.registry import ModelRegistry

    # Nothing loaded up front: a model is loaded (and checked) when a kind first asks it.
    return ModelRegistry(roots, names=())


class DecisionStep:
    """The decision models of one world (a :class:`~engine_bridge.core.decisions.DecisionMaker`).

    ``models`` makes the model source when the first kind names a model (default: the
    registry over ``roots``, the game's content roots)."""

    def __init__(
        self,
        world: World,
        roots: Sequence[Path] = (),
        *,
        models: Callable[[], ModelSource] | None = None,
    ) -> None:
        self.world = world
        self.board = DecisionBoard(world.capacity)
        self.context = FeatureContext(world.capacity)
        self.rows = RowGatherer(world, self.context)
        """Gathers the feature rows (natively when the compiled kernel is installed)."""
        self._make_source = models if models is not None else lambda: _registry(tuple(roots))
        self._source: ModelSource | None = None
        self._kind_codes: dict[str, int] = {}
        self._kind_models: dict[str, tuple[str, ...]] = {}
        self._kind_archetype: dict[str, int] = {}  # index into ARCHETYPES, -1: none
        self._slot_kind: dict[int, str] = {}
        self._runs: dict[str, BatchInference | None] = {}  # None: the model is off
        self._due: dict[str, DueSlots] = {}  # each model's NPCs, by turn
        self._failures: list[Problem] = []  # models that failed in a frame
        self.listener: DecisionListener | None = None
        """Called with each model's answers as they are posted (the sandbox's log), and
        with ``None`` answers for the due NPCs of a model that is off."""
        self.last_seconds = 0.0
        """What the last frame's step cost (wall time, seconds)."""
        self.last_rows = 0
        """Rows decided in the last frame, over every model."""
        self.seconds = 0.0
        """What every frame's step cost, added up."""
        self.frames = 0
        """Frames in which a model ran."""

    # -- kinds and NPCs -------------------------------------------------------------------

    def declare(self, kind: str, models: tuple[str, ...], archetype: str | None = None) -> None:
        """NPCs of ``kind`` ask ``models``; each is loaded (the registry, the first time a
        kind names one) and kept. Live NPCs of the kind follow when they are placed again
        (the scheduler does so when a reloaded class changes).

        The models see a kind's behaviour archetype (``KIND_ARCHETYPES``); a kind that table
        does not name (a designer's new kind) is seen as its voice ``archetype`` when that
        is one of ``ARCHETYPES`` (``archetype = "ghoul"``), else as none."""
        self._kind_models[kind] = models
        known = KIND_ARCHETYPES.get(kind, archetype)
        self._kind_archetype[kind] = ARCHETYPES.index(known) if known in ARCHETYPES else -1
        for model in models:
            if model not in self._runs:
                self._runs[model] = self._open(model)
                self._due[model] = DueSlots()

    def _open(self, name: str) -> BatchInference | None:
        if self._source is None:
            self._source = self._make_source()
        loaded = self._source.get(name)  # the registry logs why a model is off, once
        if loaded is None:
            return None
        self.board.open(name, loaded.classes)
        outputs = loaded.entry.outputs
        return BatchInference(
            loaded.session,
            name=name,
            classes=loaded.classes,
            input_name=loaded.input_name,
            label_output=outputs[0].name,
            probabilities_output=outputs[1].name,
        )

    def place(self, slot: int, kind: str, period: int, residue: int) -> None:
        """``slot`` holds an NPC of ``kind``, due on frames ``f % period == residue``; it
        has no decision until its first turn."""
        self.free(slot)
        models = self._kind_models.get(kind, ())
        if not models:
            return
        code = self._kind_codes.setdefault(kind, len(self._kind_codes))
        self.context.place(slot, code, kind)
        self.context.archetype_ids[slot] = self._kind_archetype[kind]
        self._slot_kind[slot] = kind
        for model in models:
            self._due[model].add(slot, period, residue)

    def free(self, slot: int) -> None:
        """``slot`` holds no NPC any more (or is placed again)."""
        kind = self._slot_kind.pop(slot, None)
        if kind is None:
            return
        self.context.free(slot)
        for due in self._due.values():
            due.remove(slot)
        self.board.clear(slot)

    # -- the frame ------------------------------------------------------------------------

    def decide(self, frame: int, now: float, story: StoryBook | None) -> None:
        """Decide for every NPC whose turn ``frame`` is, of every kind that asks a model
        (see the module docstring)."""
        if not self._slot_kind or (self.listener is None and not self.board.models):
            return  # no NPC asks a model that is on: the step costs nothing
        began = time.perf_counter()
        context = self.context
        context.observe(self.world, now)
        if story is not None:
            context.set_flags(story.flags)
        gathered: np.ndarray | None = None  # the frame's rows, gathered once
        gathered_for: np.ndarray | None = None  # ... for these slots
        rows_decided = 0
        for model, run in self._runs.items():
            slots = self._due[model].due(frame)
            if slots.size == 0:
                continue
            if run is None:
                if self.listener is not None:
                    self.listener(frame, model, slots, None, None)
                continue
            n = slots.size
            try:
                rows = run.rows(n)
                if gathered is None or gathered_for is None:
                    gathered = self.rows.gather(slots, rows)
                    gathered_for = slots
                elif gathered_for is slots or np.array_equal(gathered_for, slots):
                    np.copyto(rows[:n], gathered)
                else:
                    self._rows_from(gathered, gathered_for, slots, rows)
                labels, probabilities = run.run(n)
            except Exception as exc:  # onnxruntime's own errors, memory: the frame goes on
                self._failed(model, exc)
                continue
            self.board.post(model, slots, labels, probabilities)
            if self.listener is not None:
                self.listener(frame, model, slots, labels, probabilities)
            rows_decided += n
        self.last_rows = rows_decided
        self.last_seconds = time.perf_counter() - began
        if rows_decided:
            self.seconds += self.last_seconds
            self.frames += 1

    def _rows_from(
        self, gathered: np.ndarray, gathered_for: np.ndarray, slots: np.ndarray, out: np.ndarray
    ) -> None:
        """The rows of ``slots`` into ``out``: taken from the frame's gathered rows where
        they are there, gathered for the rest."""
        order = np.argsort(gathered_for, kind="stable")
        at = np.searchsorted(gathered_for, slots, sorter=order)
        at = np.minimum(at, gathered_for.size - 1)
        found = gathered_for[order[at]] == slots
        n = slots.size
        if found.all():
            np.take(gathered, order[at], axis=0, out=out[:n])
            return
        self.rows.gather(slots, out)

    # -- what went wrong ------------------------------------------------------------------

    def _failed(self, model: str, exc: Exception) -> None:
        """A model that failed in a frame is off from then on: its NPCs' decisions are
        None, its failure is logged once and is a problem of system "models"."""
        self._runs[model] = None
        self.board.close(model)
        reason = f"model {model!r} failed in a frame and is off: {type(exc).__name__}: {exc}"
        self._failures.append(("models", None, None, None, reason))
        log.error("%s", reason)

    def runner(self, model: str) -> BatchInference | None:
        """The batched run of ``model`` (its session and buffers), or None when no kind
        asks it or it is off."""
        return self._runs.get(model)

    @property
    def off(self) -> tuple[str, ...]:
        """The models a kind asks that are off."""
        return tuple(name for name, run in self._runs.items() if run is None)

    def problems(self) -> list[Problem]:
        """The model source's errors, as problems of system ``"models"``: ``("models",
        file, line, field, reason)``; then each model that failed in a frame (no file)."""
        if self._source is None:
            return list(self._failures)
        errors = [("models", str(e.file), e.line, e.field, e.reason) for e in self._source.errors]
        return errors + self._failures
