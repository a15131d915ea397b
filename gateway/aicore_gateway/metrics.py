"""What the gateway counts, in Prometheus' terms (``/metrics``, ``admin.stats``).

Each gateway has its own registry (not prometheus_client's global one), so that several
can live in one process (the tests run some in-process). Every refusal is counted by its
code; every message dropped without an answer is counted by why.
"""

from __future__ import annotations

import enum

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from engine_bridge.sync.frames import Refusal

__all__ = ["Dropped", "GatewayMetrics", "StoreOp"]

_PREFIX = "aicore_gateway"
# Store calls take from tens of microseconds (SQLite, a small batch) to seconds (a
# PostgreSQL failover): buckets from 50 us to 10 s.
_LATENCY_BUCKETS = (
    0.00005,
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    10.0,
)


class Dropped(enum.StrEnum):
    """Why a message was dropped without an answer, or an answer was dropped."""

    NOT_ALLOWED = "not_allowed"
    """Its connection's key was kicked or revoked since it authenticated."""
    NO_IDENTITY = "no_identity"
    """It carried no ZAP User-Id (never happens while ZAP is enforced; counted if it does)."""
    BAD_ENVELOPE = "bad_envelope"
    """Not [routing id, one part]: a DEALER sends one part per message."""
    UNDELIVERED = "undelivered"
    """An answer (not a message): its peer was gone or not reading when it was sent."""


class StoreOp(enum.StrEnum):
    APPEND = "append"
    ACKED_THROUGH = "acked_through"
    PING = "ping"
    PUT_SAVE = "put_save"
    LATEST_SAVE = "latest_save"
    LIST_SAVES = "list_saves"


class GatewayMetrics:
    """The gateway's counters, gauges and the store latency histogram."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.messages = Counter(f"{_PREFIX}_messages", "Messages received", registry=r)
        self.events_stored = Counter(
            f"{_PREFIX}_events_stored", "Stream frames stored (effects applied)", registry=r
        )
        self.duplicates = Counter(
            f"{_PREFIX}_duplicates",
            "Stream frames already stored (not applied again)",
            registry=r,
        )
        self.acks_sent = Counter(f"{_PREFIX}_acks_sent", "sync.ack frames sent", registry=r)
        self.saves_stored = Counter(
            f"{_PREFIX}_saves_stored",
            "save.stored answers: cloud saves kept (a resend of one kept before included)",
            registry=r,
        )
        self.save_conflicts = Counter(
            f"{_PREFIX}_save_conflicts",
            "save.stored answers naming a conflict_of (both saves kept)",
            registry=r,
        )
        rejects = Counter(
            f"{_PREFIX}_rejects", "sync.reject frames sent, by code", ["code"], registry=r
        )
        # Children made once: the hot path does a dict lookup, not a label resolution.
        self.rejects = {code: rejects.labels(code=code.value) for code in Refusal}
        dropped = Counter(
            f"{_PREFIX}_dropped",
            "Messages dropped without an answer (and answers not delivered)",
            ["reason"],
            registry=r,
        )
        self.dropped = {reason: dropped.labels(reason=reason.value) for reason in Dropped}
        self.auth_denied = Counter(
            f"{_PREFIX}_auth_denied",
            "Connections refused by ZAP (unknown or revoked key, not CURVE)",
            registry=r,
        )
        self.kicked_connections = Counter(
            f"{_PREFIX}_kicked_connections",
            "Connections closed by admin.kick or admin.reload_keys",
            registry=r,
        )
        self.internal_errors = Counter(
            f"{_PREFIX}_internal_errors",
            "Unexpected errors while handling a message (logged; answered unavailable)",
            registry=r,
        )
        self.clients_connected = Gauge(
            f"{_PREFIX}_clients_connected",
            "Authenticated connections that have sent a message and not disconnected",
            registry=r,
        )
        self.allowed_keys = Gauge(
            f"{_PREFIX}_allowed_keys", "Keys on the allow-list in memory", registry=r
        )
        latency = Histogram(
            f"{_PREFIX}_store_latency_seconds",
            "Time of one store call",
            ["op"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.store_latency = {op: latency.labels(op=op.value) for op in StoreOp}

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)

    def value(self, name: str, **labels: str) -> float:
        """The current value of sample ``name`` (0 when it has none yet)."""
        found = self.registry.get_sample_value(name, labels or None)
        return 0.0 if found is None else found

    def snapshot(self) -> dict[str, float | dict[str, float]]:
        """The counters as plain data (``admin.stats``' body)."""
        p = _PREFIX
        return {
            "messages": self.value(f"{p}_messages_total"),
            "events_stored": self.value(f"{p}_events_stored_total"),
            "duplicates": self.value(f"{p}_duplicates_total"),
            "acks_sent": self.value(f"{p}_acks_sent_total"),
            "auth_denied": self.value(f"{p}_auth_denied_total"),
            "internal_errors": self.value(f"{p}_internal_errors_total"),
            "clients_connected": self.value(f"{p}_clients_connected"),
            "allowed_keys": self.value(f"{p}_allowed_keys"),
            "rejects": {
                code.value: self.value(f"{p}_rejects_total", code=code.value) for code in Refusal
            },
            "dropped": {
                reason.value: self.value(f"{p}_dropped_total", reason=reason.value)
                for reason in Dropped
            },
        }
