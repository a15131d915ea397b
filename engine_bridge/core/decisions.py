"""What a decision model advised each NPC: ``self.decision`` in a script.

A kind asks models by naming them (``model = "npc_action"``, or several:
``model = ("npc_action", "npc_mood")``; docs/designers.md, "Model decisions"). Once per
frame, before the ``on_tick``s, the decision step (``engine_bridge/models/decision_step.py``)
runs each model once for every due NPC of every kind that asks it and posts the answers
here, one vectorised write per model. A script reads its NPC's with ``self.decision`` (the
first model's) or ``self.decision_of(name)``; the :class:`Decision` object is made only
then, for the NPCs whose scripts read it, and kept until the next answer for that slot.

The board knows nothing of onnxruntime: a model that is off (missing, corrupt, the extra
not installed) simply never posts, and every read answers ``None``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Protocol

import numpy as np

if TYPE_CHECKING:
    from engine_bridge.api import Npc
    from engine_bridge.content.story import StoryBook

__all__ = ["Decision", "DecisionBoard", "DecisionMaker", "models_of"]


class Decision(NamedTuple):
    """A model's advice for one NPC's turn: ``action`` (one of ``classes``), the
    ``probabilities`` of every class (in ``classes``' order, summing to 1) and the
    ``model`` that gave it. Advice only: the handler decides what the NPC does.

    A named tuple: made by the hundred in a frame, it costs what a tuple costs."""

    model: str
    action: str
    probabilities: tuple[float, ...]
    classes: tuple[str, ...]

    def probability(self, action: str) -> float:
        """The probability the model gave ``action`` (0.0 for a class it does not have)."""
        try:
            return self.probabilities[self.classes.index(action)]
        except ValueError:
            return 0.0

    @property
    def confidence(self) -> float:
        """The probability of the advised ``action``: how sure the model is."""
        return max(self.probabilities)


def models_of(cls: type[Npc]) -> tuple[str, ...]:
    """The models a kind asks: its ``model`` class attribute (None, a name, or a tuple or
    list of names) as a tuple. Raises ``TypeError`` for anything else (the scheduler
    reports it and the kind asks none)."""
    model = getattr(cls, "model", None)
    if model is None or model == "":
        return ()
    if isinstance(model, str):
        return (model,)
    if isinstance(model, tuple | list) and all(isinstance(m, str) and m for m in model):
        return tuple(model)
    raise TypeError(
        f"{cls.__name__}.model must be a model's name or a tuple of names, not {model!r}"
    )


class _Answers:
    """One model's latest answer per slot: its label (-1: none yet), its probabilities,
    and the :class:`Decision` made of them once a script read it (None: not yet)."""

    __slots__ = ("classes", "labels", "made", "model", "probabilities")

    def __init__(self, model: str, classes: tuple[str, ...], capacity: int) -> None:
        self.model = model
        self.classes = classes
        self.labels = np.full(capacity, -1, np.int64)
        self.probabilities = np.zeros((capacity, len(classes)), np.float32)
        self.made = np.full(capacity, None, object)


class DecisionBoard:
    """Each slot's latest decision of each model that is on (a world of ``capacity``
    slots). Written by the decision step, read by scripts through ``NpcServices``."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._answers: dict[str, _Answers] = {}

    @property
    def models(self) -> tuple[str, ...]:
        """The models whose answers the board holds (those that are on)."""
        return tuple(self._answers)

    def open(self, model: str, classes: tuple[str, ...]) -> None:
        """Hold the answers of ``model``, whose outputs are ``classes``."""
        if model not in self._answers:
            self._answers[model] = _Answers(model, tuple(classes), self.capacity)

    def close(self, model: str) -> None:
        """Hold ``model``'s answers no more: every read of it answers None (a model that
        failed in a frame)."""
        self._answers.pop(model, None)

    def post(
        self, model: str, slots: np.ndarray, labels: np.ndarray, probabilities: np.ndarray
    ) -> None:
        """``model``'s answer for ``slots``: one label (an index into its classes) and one
        row of probabilities each, written in one go; earlier answers are replaced."""
        answers = self._answers[model]
        answers.labels[slots] = labels
        answers.probabilities[slots] = probabilities
        answers.made[slots] = None

    def clear(self, slot: int) -> None:
        """``slot`` has no decision (a new NPC until its first turn; a freed slot)."""
        for answers in self._answers.values():
            answers.labels[slot] = -1
            answers.made[slot] = None

    def of(self, slot: int, model: str) -> Decision | None:
        """``model``'s latest decision for the NPC in ``slot``; None when the model is off
        or has not decided for it yet."""
        answers = self._answers.get(model)
        if answers is None:
            return None
        made: Decision | None = answers.made[slot]
        if made is not None:
            return made
        label = int(answers.labels[slot])
        if label < 0:
            return None
        made = Decision(
            model,
            answers.classes[label],
            tuple(answers.probabilities[slot].tolist()),
            answers.classes,
        )
        answers.made[slot] = made
        return made

    def decision(self, model: str, label: int, probabilities: np.ndarray) -> Decision:
        """A :class:`Decision` of ``model`` from a label and a row of probabilities (for
        tools that keep answers of their own, such as the sandbox's log)."""
        classes = self._answers[model].classes
        return Decision(model, classes[label], tuple(probabilities.tolist()), classes)


class DecisionMaker(Protocol):
    """What the scheduler asks of the decision step: to know each kind's models and each
    NPC's turns, and to decide for the NPCs due, once a frame, before their ``on_tick``."""

    board: DecisionBoard

    def declare(self, kind: str, models: tuple[str, ...], archetype: str | None = None) -> None:
        """NPCs of ``kind`` (whose voice is ``archetype``) ask ``models`` (loaded now,
        between frames)."""

    def place(self, slot: int, kind: str, period: int, residue: int) -> None:
        """``slot`` holds an NPC of ``kind`` whose turn is every frame ``f`` with
        ``f % period == residue`` (turn_plan.py)."""

    def free(self, slot: int) -> None:
        """``slot`` holds no NPC any more."""

    def decide(self, frame: int, now: float, story: StoryBook | None) -> None:
        """Decide for every NPC whose turn ``frame`` is (game time ``now``)."""
