"""One background thread that computes values by key, each once, and hands back futures.

Both voice workers are this: :class:`vocal.tts.TtsWorker` (speech by text and voice) and
the runtime's clip loader (``engine_bridge.content.clip_loader``: playable clips by line
and archetype). The game loop never waits on it: :meth:`BackgroundWorker.submit` returns
at once, and the loop polls ``future.done()``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor
from typing import Any, Generic, NamedTuple, TypeVar

__all__ = ["BackgroundWorker", "CacheInfo"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class CacheInfo(NamedTuple):
    """What :meth:`BackgroundWorker.cache_info` reports, like ``functools.lru_cache``'s."""

    hits: int
    misses: int
    maxsize: int | None
    """How many results are kept (``None``: all of them)."""
    currsize: int


class BackgroundWorker(Generic[K, V]):
    """Runs ``compute(key)`` on one background thread, once per key while it is cached.

    Results are cached by key, least recently used first out past ``cache_size``
    (``None`` keeps every one, 0 none). A key already being computed is not started
    again: the second :meth:`submit` waits on the same work. A failure is forgotten, so
    the next submit tries again, unless ``keep_failures`` (then it is the answer too).

    Each caller gets a future of its own: cancelling it leaves the shared work and the
    other callers alone. Its callbacks run on the worker thread (or at once, when the
    result was cached).

    ``on_thread_start`` runs first on the thread (a runtime routes the thread's log
    records to its own sink there: ``engine_bridge.core.log_routing``). Use the worker as
    a context manager, or call :meth:`close` when done.
    """

    def __init__(
        self,
        compute: Callable[[K], V],
        *,
        name: str,
        cache_size: int | None = None,
        keep_failures: bool = False,
        on_thread_start: Callable[[], None] | None = None,
    ) -> None:
        if cache_size is not None and cache_size < 0:
            raise ValueError(f"cache_size must be 0 or more, got {cache_size}")
        self._compute = compute
        self._name = name
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=name, initializer=on_thread_start
        )
        # The lock guards the cache, its counters and _closed: submit() runs on the
        # caller's thread, failures are evicted from the worker thread.
        self._lock = threading.Lock()
        self._cache: OrderedDict[K, Future[V]] = OrderedDict()
        self._cache_size = cache_size
        self._keep_failures = keep_failures
        self._hits = 0
        self._misses = 0
        self._closed = False

    def submit(self, key: K) -> Future[V]:
        """A future of ``compute(key)``: the cached one's result, or new work queued.

        Raises:
            RuntimeError: the worker is closed.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self._name} is closed")
            work = self._cache.get(key)
            if work is not None:
                self._hits += 1
                self._cache.move_to_end(key)
            else:
                self._misses += 1
                work = self._executor.submit(self._compute, key)
                if self._cache_size != 0:
                    self._cache[key] = work
                    while self._cache_size is not None and len(self._cache) > self._cache_size:
                        self._cache.popitem(last=False)
        if self._cache_size != 0 and not self._keep_failures:
            work.add_done_callback(lambda done: self._evict_failure(key, done))
        mine: Future[V] = Future()
        work.add_done_callback(lambda done: _forward(done, mine))
        return mine

    def call(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``fn(*args)`` on the worker's thread, uncached (work that is not a key's:
        importing what the worker needs before its first key, for one).

        Raises:
            RuntimeError: the worker is closed.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self._name} is closed")
            return self._executor.submit(fn, *args)

    def forget(self, key: K) -> bool:
        """Drop ``key``'s cached result, so the next :meth:`submit` computes it again (its
        owner freed what the result names). False when it was not cached."""
        with self._lock:
            return self._cache.pop(key, None) is not None

    def cache_info(self) -> CacheInfo:
        """The cache's hit and miss counts, capacity and current size."""
        with self._lock:
            return CacheInfo(self._hits, self._misses, self._cache_size, len(self._cache))

    def close(self) -> None:
        """Cancel queued work, wait for the running one, and stop the thread.

        Safe to call more than once. Futures of cancelled work end cancelled.
        """
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> BackgroundWorker[K, V]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _evict_failure(self, key: K, done: Future[V]) -> None:
        # A failure is not remembered: after installing espeak-ng the same line works.
        if done.cancelled() or done.exception() is not None:
            with self._lock:
                if self._cache.get(key) is done:
                    del self._cache[key]


def _forward(source: Future[V], target: Future[V]) -> None:
    if target.done():  # the caller cancelled theirs
        return
    try:
        if source.cancelled():
            target.cancel()
        elif (error := source.exception()) is not None:
            target.set_exception(error)
        else:
            target.set_result(source.result())
    except InvalidStateError:
        pass  # the caller cancelled theirs between the check and here
