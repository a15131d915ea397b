"""The sync client: sends a profile's outbox to the cloud gateway on a thread of its own
(``docs/sync.md``, "The sync client").

Two threads touch it. Its own (``worker.py``) owns the ZeroMQ socket, reads the outbox on
its own SQLite connection and does all the waiting. The game thread calls
:meth:`SyncClient.end_of_frame` once a frame, which takes what the gateway acknowledged
since the last frame and deletes those events from the outbox in the frame's write batch
(``Outbox.acknowledge`` belongs to the game thread); it never touches the network and
never waits for the client's thread beyond a lock held for an integer.

    client = SyncClient(SyncConfig("tcp://gw:7700", keys_dir=Path("keys")), store,
                        agent="aicore/0.1.0")
    client.start()
    ...                         # each frame, on the game thread:
    client.end_of_frame()
    store.flush()
    ...
    client.close()              # before store.close()

Beside it, a second thread of its own (``transfers.py``) moves whole files while the
stream is online: each completed save up (cloud saves), a save down when asked
(:meth:`SyncClient.pull`), and newer content bundles down, installed through ``content``.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence

from engine_bridge.store import Store
from engine_bridge.sync.acked_slot import AckedSlot
from engine_bridge.sync.cloud_pull import PullResult
from engine_bridge.sync.cloud_save_errors import CloudSaveError, CloudSaveRefusal
from engine_bridge.sync.config import SyncConfig
from engine_bridge.sync.content_fetch import ContentFetch, ContentInstaller
from engine_bridge.sync.frames import MAX_CLIENT_LEN
from engine_bridge.sync.keys import KeyFileError, load_key_pair, load_public_key
from engine_bridge.sync.metrics import FrameCost, SyncMetrics, SyncState
from engine_bridge.sync.transfers import TransferLane
from engine_bridge.sync.worker import SyncWorker

__all__ = ["SyncClient"]


class _StoreOutbox:
    """The worker's view of the store: the outbox in the stream's ``seq``."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._base = store.sync_stream.base

    def pending(self, after: int, limit: int) -> Sequence[tuple[int, str, bytes]]:
        base = self._base
        rows = self._store.outbox.pending_raw(after + base, limit)
        if base:
            return [(seq - base, kind, body) for seq, kind, body in rows]
        return rows

    def generation(self) -> int:
        # The writer's count of batches done: new events are readable only after it moves.
        return self._store.committed_through


class SyncClient:
    """Drains ``store``'s outbox to the gateway ``config`` names.

    Raises (from the constructor):
        KeyFileError: a key file is missing or not a CURVE key (named), or the key's
            name cannot name a stream.
        MissingExtraError: pyzmq is not installed (the ``sync`` extra).
    """

    def __init__(
        self,
        config: SyncConfig,
        store: Store,
        *,
        agent: str,
        on_thread_start: Callable[[], None] | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        content: ContentInstaller | None = None,
    ) -> None:
        """``agent`` goes in the hello (``"aicore/<version>"``); ``on_thread_start`` runs
        first on the client's threads (the runtime routes its log records there); ``rng``
        draws the backoff's jitter; ``content`` installs the content bundles the gateway
        has (None: no content is fetched)."""
        gateway_file, client_file = config.key_files()
        keys = load_key_pair(client_file)
        gateway_key = load_public_key(gateway_file)
        stream = store.sync_stream
        client = f"{keys.name}/{stream.id}"
        if not keys.name or "/" in keys.name or len(client) > MAX_CLIENT_LEN:
            raise KeyFileError(
                client_file,
                f"its name {keys.name!r} cannot name a stream (1 to "
                f"{MAX_CLIENT_LEN - len(stream.id) - 1} characters, no '/')",
            )
        self.client = client
        """This stream as the gateway knows it: ``"<key name>/<stream id>"``."""
        self.config = config
        self._store = store
        self._stream = stream
        self._slot = AckedSlot()
        self._cost = FrameCost()
        self._worker = SyncWorker(
            endpoints=config.endpoints,
            keys=keys,
            gateway_key=gateway_key,
            client=client,
            agent=agent,
            tuning=config.tuning,
            source=_StoreOutbox(store),
            slot=self._slot,
            rng=rng if rng is not None else random.Random(),
            clock=clock,
        )
        rng = rng if rng is not None else random.Random()
        fetch = None
        if content is not None:
            fetch = ContentFetch(content, config.tuning.content_fetch_every_s)
        self._lane = TransferLane(
            keys=keys,
            gateway_key=gateway_key,
            client=client,
            tuning=config.tuning,
            store=store,
            online=self._online,
            content=fetch,
            rng=random.Random(rng.random()),
            clock=clock,
        )
        self._on_thread_start = on_thread_start
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start the client's threads (once)."""
        if self._threads:
            return
        for name, run in (("aicore-sync", self._worker.run), ("aicore-sync-files", self._lane.run)):
            thread = threading.Thread(target=self._run, args=(run,), name=name, daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self, run: Callable[[threading.Event], None]) -> None:
        if self._on_thread_start is not None:
            self._on_thread_start()
        run(self._stop)

    def _online(self) -> tuple[int, str] | None:
        c = self._worker.counters
        with c.lock:
            return (c.connects, c.endpoint) if c.state is SyncState.ONLINE else None

    def pull(self, slot: str | None, timeout_s: float | None = None) -> PullResult:
        """Pull the newest cloud save of this key (of ``slot``, or of any slot) into the
        profile's slots, waiting at most ``timeout_s`` (default ``tuning.pull_timeout_s``)
        for the stream to be online and the save to come down (``cloud_pull.py`` says
        where it goes). Any thread but the client's.

        Raises:
            CloudSaveError: ``unavailable`` (offline, or not in time: nothing is written
                after that), ``no_such_save``, ``corrupt`` (nothing written), ``refused``.
            StoreError: the slot could not be written (a bad name, the disk).
        """
        timeout = self.config.tuning.pull_timeout_s if timeout_s is None else timeout_s
        if not self._threads or not self._threads[-1].is_alive():
            raise CloudSaveError(CloudSaveRefusal.UNAVAILABLE, "the sync client is stopped", slot)
        request = self._lane.submit_pull(slot)
        return request.wait(timeout, f"the client is {self.metrics.state}")

    def end_of_frame(self) -> None:
        """The game thread's part, once a frame before the store's flush: delete from the
        outbox (in the frame's batch) what the gateway acknowledged since the last frame.
        Timed into :attr:`metrics`."""
        began = time.perf_counter()
        through = self._slot.take()
        if through is not None:
            self._store.outbox.acknowledge(self._stream.outbox_seq(through))
        self._cost.add(time.perf_counter() - began)

    @property
    def metrics(self) -> SyncMetrics:
        """The client's counters now (any thread; the frame costs are the game thread's
        and may be a frame behind)."""
        c = self._worker.counters
        cost = self._cost
        f = self._lane.counters
        with f.lock:
            files = {
                "saves_uploaded": f.saves_uploaded,
                "save_conflicts": f.save_conflicts,
                "saves_pulled": f.saves_pulled,
                "save_failures": dict(f.save_failures),
                "content_checks": f.content_checks,
                "content_installed": f.content_installed,
                "content_refused": dict(f.content_refused),
                "last_transfer_fault": f.last_fault,
            }
            file_faults = Counter(f.faults)
        with c.lock:
            return SyncMetrics(
                state=c.state,
                frames_sent=c.frames_sent,
                frames_resent=c.frames_resent,
                messages_sent=c.messages_sent,
                acked_through=c.acked_through,
                acknowledged_through=self._slot.taken,
                in_flight=c.in_flight,
                connects=c.connects,
                reconnects=c.reconnects,
                pings_sent=c.pings_sent,
                rejects=dict(c.rejects),
                faults=dict(c.faults + file_faults),
                last_fault=c.last_fault,
                frames=cost.frames,
                frame_cost_last_s=cost.last_s,
                frame_cost_max_s=cost.max_s,
                frame_cost_total_s=cost.total_s,
                endpoint=c.endpoint,
                **files,  # type: ignore[arg-type]
            )

    def close(self, timeout: float = 10.0) -> None:
        """Stop the client's thread (it notices within ``tuning.poll_s``) and drop its
        connection; what is unacknowledged stays in the outbox for the next run. Call
        before the store closes (the thread reads the outbox). Idempotent.

        Raises:
            TimeoutError: the thread did not stop within ``timeout`` (a bug; logged).
        """
        self._stop.set()
        self._lane.wake()
        threads, self._threads = self._threads, []
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                raise TimeoutError(
                    f"the sync client's {thread.name} did not stop within {timeout} s"
                )
