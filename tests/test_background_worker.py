"""The one background worker (vocal.background_worker) behind TtsWorker and the runtime's
clip loader: each key computed once on its own thread, failures forgotten or kept as
asked, and the thread's start hook run before any work."""

from __future__ import annotations

import threading

import pytest

from vocal.background_worker import BackgroundWorker, CacheInfo


class _Counting:
    """``compute`` that records which thread computed which key, failing on ``"bad"``."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str]] = []

    def __call__(self, key: str) -> str:
        self.calls.append((threading.get_ident(), key))
        if key == "bad":
            raise ValueError("bad key")
        return key.upper()


def test_each_key_is_computed_once_on_the_worker_thread() -> None:
    compute = _Counting()
    with BackgroundWorker(compute, name="test-worker") as worker:
        assert worker.submit("a").result(timeout=30) == "A"
        assert worker.submit("a").result(timeout=30) == "A"
        assert worker.submit("b").result(timeout=30) == "B"
        assert worker.cache_info() == CacheInfo(hits=1, misses=2, maxsize=None, currsize=2)
    assert [key for _, key in compute.calls] == ["a", "b"]
    assert {thread for thread, _ in compute.calls} != {threading.get_ident()}


def test_a_failure_is_forgotten_unless_it_is_to_be_kept() -> None:
    forgetting = _Counting()
    with BackgroundWorker(forgetting, name="forgets") as worker:
        for _ in range(2):
            with pytest.raises(ValueError, match="bad key"):
                worker.submit("bad").result(timeout=30)
    assert len(forgetting.calls) == 2

    keeping = _Counting()
    with BackgroundWorker(keeping, name="keeps", keep_failures=True) as worker:
        for _ in range(2):
            with pytest.raises(ValueError, match="bad key"):
                worker.submit("bad").result(timeout=30)
    assert len(keeping.calls) == 1


def test_the_start_hook_runs_first_on_the_thread_that_does_the_work() -> None:
    local = threading.local()
    seen: list[str | None] = []

    def compute(key: str) -> str:
        seen.append(getattr(local, "owner", None))
        return key

    def adopt() -> None:
        local.owner = "runtime A"

    with BackgroundWorker(compute, name="hooked", on_thread_start=adopt) as worker:
        assert worker.call(lambda: getattr(local, "owner", None)).result(timeout=30) == "runtime A"
        worker.submit("x").result(timeout=30)
    assert seen == ["runtime A"]


def test_a_closed_worker_refuses_work() -> None:
    worker = BackgroundWorker(_Counting(), name="closing")
    worker.close()
    worker.close()
    with pytest.raises(RuntimeError, match="closing is closed"):
        worker.submit("a")
    with pytest.raises(RuntimeError, match="closed"):
        worker.call(print)
