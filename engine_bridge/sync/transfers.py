"""The sync client's transfer thread: cloud saves up and down, content bundles down, each
a request and its answer on a connection of its own (``requester.py``), one at a time.

It works while the stream is online (the stream's thread, ``worker.py``, says so: a
welcome means the gateway answers), in this order: pulls asked for (``aicore_saves_pull``),
then ``content.get`` when due (at each new connection of the stream and every
``content_fetch_every_s``), then uploads of slots the cloud does not hold (looked for after
every save the store completes, and at each connection: a save made offline goes up when
the gateway answers again). A request unanswered in time drops its connection and waits
a backoff; ``unavailable`` and ``rate_limited`` wait what the gateway asks. Nothing here is
waited on by the game thread, except a pull by the caller who asked for it.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping

import zmq

from engine_bridge.store import Store, StoreError
from engine_bridge.sync.backoff import backoff_delay, retry_after_delay
from engine_bridge.sync.cloud_pull import get_frame, install_pulled, pulled_from
from engine_bridge.sync.cloud_save_errors import CloudSaveError, CloudSaveRefusal
from engine_bridge.sync.cloud_saves import MAX_SAVE_BYTES, SlotFile, SlotProblem, Uploads
from engine_bridge.sync.cloud_slot_state import CloudSlotState
from engine_bridge.sync.config import SyncTuning
from engine_bridge.sync.content_errors import ContentPushError
from engine_bridge.sync.content_fetch import ContentFetch
from engine_bridge.sync.frames import Frame
from engine_bridge.sync.keys import KeyPair
from engine_bridge.sync.metrics import SyncFault, SyncFaultKind
from engine_bridge.sync.pull_request import PullRequest
from engine_bridge.sync.requester import GatewayRequester, NoAnswerError
from vocal.extras import MissingExtraError

__all__ = ["TransferCounters", "TransferLane"]

log = logging.getLogger("aicore.sync")

_TRY_LATER = frozenset({"unavailable", "rate_limited"})


class TransferCounters:
    """The transfer thread's counters: written on its thread, read under ``lock``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.saves_uploaded = 0
        self.save_conflicts = 0
        self.saves_pulled = 0
        self.save_failures: Counter[str] = Counter()
        self.content_checks = 0
        self.content_installed = 0
        self.content_refused: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.last_fault: SyncFault | None = None

    def fault(self, fault: SyncFault) -> None:
        """Count ``fault`` and keep it as the last (takes :attr:`lock`)."""
        with self.lock:
            self.faults[fault.kind] += 1
            self.last_fault = fault


class TransferLane:
    """The loop of the transfer thread (``run``); :meth:`submit_pull` from any thread."""

    def __init__(
        self,
        *,
        keys: KeyPair,
        gateway_key: bytes,
        client: str,
        tuning: SyncTuning,
        store: Store,
        online: Callable[[], tuple[int, str] | None],
        content: ContentFetch | None,
        rng: random.Random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``online()``: while the stream is online, its count of welcomes and the gateway
        it is connected to (requests go to the same one); None while it is not
        (``SyncClient`` reads its worker's counters)."""
        self.counters = TransferCounters()
        self._endpoint, self._keys, self._gateway_key = "", keys, gateway_key
        self._client = client
        self._tuning = tuning
        self._store = store
        self._state = CloudSlotState(store.paths.folder)
        self._uploads = Uploads(store.paths, self._state, client)
        self._online = online
        self._content = content
        self._rng = rng
        self._clock = clock
        self._requester: GatewayRequester | None = None
        self._stop = threading.Event()  # run()'s, once it runs
        self._pulls: deque[PullRequest] = deque()
        self._pulls_lock = threading.Lock()
        self._wake = threading.Event()
        self._connects = -1
        self._saves_seen = -1  # store.saves.saves when the slots were last looked at
        self._look_for_uploads = True
        self._attempt = 0
        self._next_try = 0.0

    # -- other threads -----------------------------------------------------------------

    def submit_pull(self, slot: str | None) -> PullRequest:
        """Queue a pull of the newest cloud save (of ``slot``, or of any slot)."""
        request = PullRequest(slot)
        with self._pulls_lock:
            self._pulls.append(request)
        self._wake.set()
        return request

    def wake(self) -> None:
        """Look at the stop flag (and the work) now."""
        self._wake.set()

    # -- the loop ----------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Transfer until ``stop`` is set (checked at least every ``tuning.poll_s``)."""
        context: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
        self._requester = GatewayRequester(context, self._endpoint, self._keys, self._gateway_key)
        self._stop = stop
        try:
            while not stop.is_set():
                if not self._step():
                    self._wake.wait(self._tuning.poll_s)
                    self._wake.clear()
        except Exception as error:  # a bug: said loudly, and the game goes on without it
            log.exception("sync: the transfer thread stopped")
            self.counters.fault(
                SyncFault(SyncFaultKind.CRASHED, f"{type(error).__name__}: {error}")
            )
            raise
        finally:
            self._requester.close()
            context.destroy(linger=0)
            self._fail_pulls("cloud sync stopped")

    def _step(self) -> bool:
        """Do one thing if there is one to do now; False to wait."""
        online = self._online()
        if online is None:
            return False
        connects, self._endpoint = online
        assert self._requester is not None
        self._requester.use(self._endpoint)
        now = self._clock()
        if connects != self._connects:  # a new connection: the gateway is back
            self._connects = connects
            self._attempt, self._next_try = 0, 0.0
            self._look_for_uploads = True
        if now < self._next_try:
            return False
        pull = self._next_pull()
        if pull is not None:
            self._pull(pull)
            return True
        if self._content is not None and self._content.due(connects, now):
            self._fetch_content(self._content, connects)
            return True
        saves = self._store.saves.saves
        if saves != self._saves_seen:
            self._saves_seen = saves
            self._look_for_uploads = True
        if self._look_for_uploads:
            self._upload()
            return True
        return False

    def _ask(self, frame: Frame, size: int) -> Frame | None:
        """The gateway's answer to ``frame`` (a file of ``size`` bytes given time to
        travel), or None: unanswered or to be tried later (the wait is set)."""
        assert self._requester is not None
        t = self._tuning
        timeout = t.request_timeout_s + size / t.transfer_bytes_per_s
        try:
            answer = self._requester.request(frame, timeout, self._stop)
        except NoAnswerError as error:
            self._later(SyncFault(SyncFaultKind.NO_ANSWER, f"{frame.kind}: {error.reason}"))
            return None
        except zmq.ZMQError as error:
            self._later(SyncFault(SyncFaultKind.SOCKET, f"{self._endpoint}: {error}"))
            return None
        self._attempt = 0
        body = answer.body if isinstance(answer.body, Mapping) else {}
        if answer.kind == "sync.reject" and body.get("code") in _TRY_LATER:
            retry_ms = body.get("retry_after_ms")
            delay = None
            if type(retry_ms) is int:
                delay = retry_after_delay(retry_ms, self._rng, max_s=t.retry_after_max_s)
            code = str(body.get("code"))
            reason = f"{frame.kind}: {body.get('reason')}"
            self._later(SyncFault(SyncFaultKind.REJECTED, reason, code), delay)
            return None
        return answer

    def _later(self, fault: SyncFault, delay: float | None = None) -> None:
        self._attempt += 1
        if delay is None:
            t = self._tuning
            delay = backoff_delay(
                self._attempt, self._rng, initial_s=t.backoff_initial_s, cap_s=t.backoff_cap_s
            )
        self._next_try = self._clock() + delay
        log.warning("sync: %s: %s; transfers wait %.2f s", fault.kind, fault.reason, delay)
        self.counters.fault(fault)

    # -- pulls -------------------------------------------------------------------------

    def _next_pull(self) -> PullRequest | None:
        with self._pulls_lock:
            while self._pulls and self._pulls[0].abandoned:
                self._pulls.popleft()
            return self._pulls[0] if self._pulls else None

    def _done_pull(self, request: PullRequest) -> None:
        with self._pulls_lock:
            if self._pulls and self._pulls[0] is request:
                self._pulls.popleft()

    def _pull(self, request: PullRequest) -> None:
        # The answer carries a whole save: it is given the time the largest one takes.
        answer = self._ask(get_frame(self._client, request.slot), MAX_SAVE_BYTES)
        if answer is None:
            return  # still queued: the caller's timeout bounds the wait
        self._done_pull(request)
        try:
            pulled = pulled_from(answer, request.slot)
            if not request.begin_install():
                return  # the caller gave up: nothing is written
            result = install_pulled(self._store, self._state, pulled)
        except (CloudSaveError, StoreError) as error:
            code = str(error.code) if isinstance(error, CloudSaveError) else str(error.kind)
            self.counters.fault(SyncFault(SyncFaultKind.SAVE_PULL, str(error), code))
            log.warning("sync: pull of %s refused: %s", request.slot or "the newest save", error)
            request.fail(error)
            return
        with self.counters.lock:
            self.counters.saves_pulled += 1
        request.succeed(result)

    def _fail_pulls(self, reason: str) -> None:
        with self._pulls_lock:
            pending, self._pulls = list(self._pulls), deque()
        for request in pending:
            request.fail(CloudSaveError(CloudSaveRefusal.UNAVAILABLE, reason, request.slot))

    # -- content -----------------------------------------------------------------------

    def _fetch_content(self, content: ContentFetch, connects: int) -> None:
        answer = self._ask(content.frame(self._client), MAX_SAVE_BYTES)  # a bundle: as large
        if answer is None:
            return
        content.asked(connects, self._clock())
        if answer.kind == "sync.reject":  # a gateway without --content-bundles, say
            code = str(answer.body.get("code")) if isinstance(answer.body, Mapping) else "?"
            log.info("sync: content.get refused (%s); asking again later", code)
            return
        try:
            result = content.take(answer.body if answer.kind == "content.bundle" else None)
        except ContentPushError as refused:
            self._content_refused(str(refused.code), refused.as_dict())
            return
        except MissingExtraError as missing:
            self._content_refused(
                "missing_extra", {"code": "missing_extra", "reason": str(missing)}
            )
            return
        with self.counters.lock:
            self.counters.content_checks += 1
            if result is not None:
                self.counters.content_installed += 1
        if result is not None:
            log.info(
                "sync: content bundle %d installed (from %d, %d files); read at the next start",
                result.version,
                result.previous_version,
                result.files,
            )

    def _content_refused(self, code: str, details: Mapping[str, object]) -> None:
        with self.counters.lock:
            self.counters.content_checks += 1
            self.counters.content_refused[code] += 1
        self.counters.fault(SyncFault(SyncFaultKind.CONTENT, str(details.get("reason")), code))
        log.error("sync: content bundle refused: %s", json.dumps(dict(details), default=str))

    # -- uploads -----------------------------------------------------------------------

    def _upload(self) -> None:
        found = self._uploads.next_upload()
        if found is None:
            self._look_for_uploads = False
            return
        if isinstance(found, SlotProblem):
            self._upload_failed(found.slot, found.code, found.reason)
            return
        answer = self._ask(self._uploads.put_frame(found), len(found.data))
        if answer is None:
            return
        if answer.kind != "save.stored":
            self._uploads.give_up(found)
            body = answer.body if isinstance(answer.body, Mapping) else {}
            code = str(body.get("code", answer.kind))
            self._upload_failed(found.slot, code, f"the gateway answered: {body.get('reason')}")
            return
        try:
            conflict_of = self._uploads.stored(found, answer.body)
        except ValueError as error:
            self._upload_failed(found.slot, "bad_reply", str(error))
            return
        self._uploaded(found, conflict_of)

    def _uploaded(self, upload: SlotFile, conflict_of: str | None) -> None:
        with self.counters.lock:
            self.counters.saves_uploaded += 1
            if conflict_of is not None:
                self.counters.save_conflicts += 1
        if conflict_of is None:
            log.info("sync: save %r uploaded (%s)", upload.slot, upload.sha256)
        else:
            log.warning(
                "sync: save %r (%s) uploaded beside %s, the cloud's save it was not made from:"
                " both are kept",
                upload.slot,
                upload.sha256,
                conflict_of,
            )

    def _upload_failed(self, slot: str, code: str, reason: str) -> None:
        with self.counters.lock:
            self.counters.save_failures[code] += 1
        self.counters.fault(SyncFault(SyncFaultKind.SAVE_UPLOAD, f"{slot}: {reason}", code))
        log.error("sync: save %r not uploaded (%s): %s", slot, code, reason)
