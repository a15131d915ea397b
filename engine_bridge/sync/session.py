"""One connection's worth of the sync protocol, as state and decisions: no socket, no
clock of its own (every call is given ``now``), so the client thread's loop stays a loop.

A session starts :attr:`~SyncState.CONNECTING` (the hello sent); the gateway's welcome
says how far it holds the stream (``acked``) and its heartbeat, and the session goes
:attr:`~SyncState.ONLINE`, sending from ``acked + 1``. Messages in flight form a window;
each ``sync.ack`` is cumulative and frees the messages it covers. The session decides
when the gateway is dead (:meth:`Session.expired`): a welcome, or an acknowledgement of
the oldest message in flight, later than ``missed_heartbeats`` heartbeats, or that long
without a word from it at all (a ping goes out after one heartbeat of silence).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from engine_bridge.sync.config import SyncTuning
from engine_bridge.sync.metrics import SyncFault, SyncFaultKind, SyncState

__all__ = ["Session"]


@dataclass(frozen=True, slots=True)
class _Sent:
    last_seq: int
    sent_at: float


class Session:
    """The state of one connection to the gateway."""

    def __init__(self, tuning: SyncTuning, now: float) -> None:
        self._tuning = tuning
        self.state = SyncState.CONNECTING
        self.heartbeat_s = tuning.heartbeat_s
        self.acked = 0
        """The highest frame the gateway holds, as it last said."""
        self.sent_through = 0
        """The highest frame sent on this connection since the last rewind."""
        self._in_flight: deque[_Sent] = deque()
        self._started = now
        self.last_heard = now
        self.last_ping = now
        self.paused_until = 0.0
        """No stream frame goes out before this (a refusal asked us to wait)."""

    @property
    def in_flight(self) -> int:
        """Messages sent and not acknowledged."""
        return len(self._in_flight)

    @property
    def _dead_after(self) -> float:
        return self.heartbeat_s * self._tuning.missed_heartbeats

    def welcome(self, acked: int, heartbeat_ms: int, now: float) -> None:
        """The gateway holds the stream through ``acked``: send from the next one."""
        low, high = self._tuning.heartbeat_range_s
        self.heartbeat_s = min(high, max(low, heartbeat_ms / 1000.0))
        self.state = SyncState.ONLINE
        self.acked = max(0, acked)
        self.rewind()
        self.last_heard = now

    def heard(self, now: float) -> None:
        """Any word from the gateway: it is alive."""
        self.last_heard = now

    def ack(self, through: int) -> bool:
        """A ``sync.ack``: returns whether it moved ``acked`` on. One beyond what this
        connection sent is believed (the gateway may hold frames an earlier connection
        sent): nothing up to it is sent again."""
        if through <= self.acked:
            return False
        self.acked = through
        self.sent_through = max(self.sent_through, through)
        while self._in_flight and self._in_flight[0].last_seq <= through:
            self._in_flight.popleft()
        return True

    def rewind(self) -> None:
        """Forget what is in flight: send again from ``acked + 1`` (after a refusal, what
        followed the refused message is refused too, or would leave a gap)."""
        self._in_flight.clear()
        self.sent_through = self.acked

    def pause(self, until: float) -> None:
        """Send no stream frame before ``until`` (heartbeats go on)."""
        self.paused_until = max(self.paused_until, until)

    def may_send(self, now: float) -> bool:
        """Whether a message of stream frames may go out now (online, not paused, room
        in the window)."""
        return (
            self.state is SyncState.ONLINE
            and now >= self.paused_until
            and len(self._in_flight) < self._tuning.window
        )

    def sent(self, last_seq: int, now: float) -> None:
        """A message of frames up to ``last_seq`` went out."""
        self._in_flight.append(_Sent(last_seq, now))
        self.sent_through = last_seq

    def ping_due(self, now: float) -> bool:
        """Whether to ping: online, and a heartbeat passed without a word or a ping."""
        return (
            self.state is SyncState.ONLINE
            and now - self.last_heard >= self.heartbeat_s
            and now - self.last_ping >= self.heartbeat_s
        )

    def pinged(self, now: float) -> None:
        self.last_ping = now

    def expired(self, now: float) -> SyncFault | None:
        """Why the gateway is to be taken for dead now, or None."""
        limit = self._dead_after
        if self.state is SyncState.CONNECTING:
            if now - self._started > limit:
                return SyncFault(SyncFaultKind.NO_WELCOME, f"no welcome within {limit:g} s")
            return None
        if now - self.last_heard > limit:
            return SyncFault(SyncFaultKind.SILENT, f"no word from the gateway for {limit:g} s")
        if self._in_flight and now - self._in_flight[0].sent_at > limit:
            oldest = self._in_flight[0].last_seq
            return SyncFault(
                SyncFaultKind.NO_ACK, f"frames through {oldest} unacknowledged for {limit:g} s"
            )
        return None

    def next_deadline(self, now: float) -> float:
        """The soonest time something may be due (a ping, an expiry, the pause's end)."""
        limit = self._dead_after
        if self.state is SyncState.CONNECTING:
            return self._started + limit
        due = [
            max(self.last_heard, self.last_ping) + self.heartbeat_s,
            self.last_heard + limit,
        ]
        if self._in_flight:
            due.append(self._in_flight[0].sent_at + limit)
        if self.paused_until > now:
            due.append(self.paused_until)
        return min(due)
