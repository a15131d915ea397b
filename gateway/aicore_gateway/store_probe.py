"""``/readyz``'s question, "does the store answer now?", asked from the HTTP thread and
answered on the gateway's loop: the store is only ever used from the loop's thread (a
SQLite connection belongs to one thread), and a loop stuck in a store call is not ready.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["StoreProbe"]


@dataclass(slots=True)
class _Question:
    answered: threading.Event = field(default_factory=threading.Event)
    problem: str | None = None


class StoreProbe:
    """Questions from any thread, answered by :meth:`answer` on the loop."""

    def __init__(self) -> None:
        self._questions: queue.SimpleQueue[_Question] = queue.SimpleQueue()

    def ask(self, timeout_s: float) -> str | None:
        """None if the store answered a ping, else why not (also when the loop did not
        take the question within ``timeout_s``)."""
        question = _Question()
        self._questions.put(question)
        if not question.answered.wait(timeout_s):
            return f"the gateway's loop did not answer within {timeout_s:g} s (busy or stuck)"
        return question.problem

    def answer(self, ping: Callable[[], None], observe: Callable[[float], None]) -> None:
        """Answer every waiting question with one call of ``ping`` (it raises when the
        store cannot be reached); ``observe`` gets its duration."""
        if self._questions.empty():
            return
        started = time.perf_counter()
        try:
            ping()
            problem = None
        except Exception as error:  # any failure means "not ready"
            problem = f"store: {type(error).__name__}: {error}"
        observe(time.perf_counter() - started)
        self._reply(problem)

    def refuse(self, problem: str) -> None:
        """Answer every waiting question with ``problem`` (the gateway is stopping)."""
        self._reply(problem)

    def _reply(self, problem: str | None) -> None:
        while True:
            try:
                question = self._questions.get_nowait()
            except queue.Empty:
                return
            question.problem = problem
            question.answered.set()
