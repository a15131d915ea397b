"""The gateway's message handler on its own (no sockets): a real SQLite store in
``tmp_path``, messages in, answer frames out, and what the store then holds."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import msgpack
import pytest
from aicore_gateway.admin import Admin
from aicore_gateway.connections import Connections
from aicore_gateway.handler import HandlerSettings, MessageHandler
from aicore_gateway.key_control import KeyControl
from aicore_gateway.metrics import GatewayMetrics
from aicore_gateway.rate_limit import RateLimiter
from aicore_gateway.replies import MAX_REASON_CHARS
from aicore_gateway.stores import GatewayStore, open_store
from aicore_gateway.stores.base import AppendResult
from gw_client import events
from store_rows import stored_events

from engine_bridge.sync.frames import Frame, Refusal, encode_message, encode_stream_message
from engine_bridge.sync.keys_folder import AllowList


class _Holder:
    def __init__(self) -> None:
        self.allow_list = AllowList({b"k" * 40: "alice", b"o" * 40: "ops"})


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:{tmp_path / 'db' / 'gateway.db'}"


@pytest.fixture
def store(url: str) -> Iterator[GatewayStore]:
    opened = open_store(url)
    yield opened
    opened.close()


def make_handler(
    store: GatewayStore, tmp_path: Path, *, rate: float | None = None, admin_key: str = "ops"
) -> tuple[MessageHandler, GatewayMetrics]:
    metrics = GatewayMetrics()
    connections = Connections()
    keys = KeyControl(tmp_path / "keys", _Holder(), connections, metrics)
    handler = MessageHandler(
        store,
        metrics,
        RateLimiter(rate, burst=4),
        Admin(keys, connections, metrics),
        HandlerSettings(admin_key=admin_key, heartbeat_ms=250, retry_after_ms=777),
    )
    return handler, metrics


def kinds(frames: Sequence[Frame]) -> list[str]:
    return [frame.kind for frame in frames]


def test_frames_are_answered_in_order_one_append_per_stream_run(
    store: GatewayStore, url: str, tmp_path: Path
) -> None:
    handler, metrics = make_handler(store, tmp_path)
    message = encode_message(
        [
            Frame("alice/a", 0, "sync.hello", {"agent": "t"}),
            *[Frame("alice/a", seq, "e.x", {"n": seq}) for seq in (1, 2, 3)],
            *[Frame("alice/b", seq, "e.y", None) for seq in (1, 2)],
            Frame("alice", 0, "sync.ping", None),
        ]
    )
    answers = handler.handle("alice", message)
    assert [(frame.kind, frame.client, frame.body) for frame in answers] == [
        ("sync.welcome", "alice/a", {"acked": 0, "heartbeat_ms": 250}),
        ("sync.ack", "alice/a", {"through": 3}),
        ("sync.ack", "alice/b", {"through": 2}),
        ("sync.pong", "alice", None),
    ]
    assert stored_events(url, "alice/a") == [
        (seq, "e.x", msgpack.packb({"n": seq})) for seq in (1, 2, 3)
    ]
    assert store.effects("alice/b") == {"e.y": 2}
    assert metrics.value("aicore_gateway_acks_sent_total") == 2
    assert metrics.value("aicore_gateway_store_latency_seconds_count", op="append") == 2


def test_one_frame_of_another_key_refuses_the_whole_message(
    store: GatewayStore, url: str, tmp_path: Path
) -> None:
    handler, metrics = make_handler(store, tmp_path)
    message = encode_message([Frame("alice/a", 1, "e", None), Frame("alicex/a", 2, "e", None)])
    [reject] = handler.handle("alice", message)
    assert reject.body["code"] == Refusal.NOT_YOUR_STREAM
    assert reject.body["seq"] == 2
    assert stored_events(url, "alice/a") == []
    assert metrics.value("aicore_gateway_rejects_total", code="not_your_stream") == 1


def test_a_failing_store_answers_unavailable_and_is_not_asked_again_in_the_batch(
    store: GatewayStore, tmp_path: Path
) -> None:
    calls: list[str] = []

    class Broken:
        """The real store, whose append raises what a bug would."""

        def __getattr__(self, name: str) -> object:
            calls.append(name)
            return getattr(store, name)

        def append(self, client: str, frames: object) -> AppendResult:
            calls.append("append")
            raise KeyError("a bug")

    handler, metrics = make_handler(Broken(), tmp_path)  # type: ignore[arg-type]
    answers = handler.handle_many(
        [
            (
                "alice",
                encode_message(
                    [Frame("alice/a", 1, "e", None), Frame("alice/a", 0, "sync.ping", None)]
                ),
            ),
            ("alice", encode_stream_message("alice/b", events(1, 2))),
            ("alice", encode_message([Frame("alice/c", 0, "sync.hello", None)])),
        ]
    )
    assert calls == ["append"]
    for [reject] in answers:
        assert (reject.body["code"], reject.body["retry_after_ms"]) == (Refusal.UNAVAILABLE, 777)
        assert "KeyError" in reject.body["reason"]
    assert metrics.value("aicore_gateway_internal_errors_total") == 1
    assert store.acked_through("alice/a") == 0
    # The next batch asks the store again.
    [reject] = handler.handle("alice", encode_stream_message("alice/a", events(1, 1)))
    assert calls == ["append", "append"]


def test_kinds_the_gateway_does_not_take(store: GatewayStore, tmp_path: Path) -> None:
    handler, _ = make_handler(store, tmp_path)
    for kind, code in [
        ("save.stored", Refusal.UNKNOWN_KIND),  # the gateway's answer, never a question
        ("content.get", Refusal.UNKNOWN_KIND),  # no --content-bundles
        ("sync.welcome", Refusal.UNKNOWN_KIND),
        ("admin.stats", Refusal.NOT_ADMIN),
    ]:
        [reject] = handler.handle("alice", encode_message([Frame("alice/a", 0, kind, None)]))
        assert reject.body["code"] == code, kind
    [reject] = handler.handle("alice", encode_message([Frame("alice/a", 0, "sync.hello", 5)]))
    assert reject.body["code"] == Refusal.MALFORMED


def test_admin_commands_without_an_admin_key_are_refused(
    store: GatewayStore, tmp_path: Path
) -> None:
    handler, _ = make_handler(store, tmp_path, admin_key="nobody")
    [reject] = handler.handle("ops", encode_message([Frame("ops", 0, "admin.stats", None)]))
    assert reject.body["code"] == Refusal.NOT_ADMIN
    handler, _ = make_handler(store, tmp_path)
    [reply] = handler.handle("ops", encode_message([Frame("ops", 0, "admin.stats", None)]))
    assert reply.kind == "admin.reply"
    assert reply.body["allowed"] == ["alice", "ops"]


def test_a_reason_quoting_the_peer_is_cut(store: GatewayStore, tmp_path: Path) -> None:
    handler, _ = make_handler(store, tmp_path)
    frame = {"v": 1, "client": "alice/a", "seq": 1, "kind": "e", "body": None, "x" * 5000: 1}
    [reject] = handler.handle("alice", msgpack.packb([frame]))
    assert reject.body["code"] == Refusal.MALFORMED
    assert len(reject.body["reason"]) <= MAX_REASON_CHARS
    assert reject.client == "alice"


def test_the_rate_counts_every_frame_and_refuses_before_storing(
    store: GatewayStore, url: str, tmp_path: Path
) -> None:
    handler, _ = make_handler(store, tmp_path, rate=0.001)
    [ack] = handler.handle("alice", encode_stream_message("alice/a", events(1, 4)))
    assert ack.body == {"through": 4}
    [limited] = handler.handle("alice", encode_stream_message("alice/a", events(5, 5)))
    assert limited.body["code"] == Refusal.RATE_LIMITED
    assert limited.body["retry_after_ms"] > 0
    [limited] = handler.handle("alice", encode_message([Frame("alice/a", 0, "sync.ping", None)]))
    assert limited.body["code"] == Refusal.RATE_LIMITED
    assert [seq for seq, _, _ in stored_events(url, "alice/a")] == [1, 2, 3, 4]


def test_messages_handled_together_share_one_commit_per_stream(
    store: GatewayStore, url: str, tmp_path: Path
) -> None:
    handler, metrics = make_handler(store, tmp_path)
    messages = [
        ("alice", encode_stream_message("alice/a", events(1, 3))),
        ("alice", encode_stream_message("alice/b", events(1, 2))),
        ("alice", encode_stream_message("alice/a", events(4, 6))),
        ("alice", encode_stream_message("alice/a", events(5, 7))),  # a resend, overlapping
        ("alice", encode_stream_message("alice/a", events(9, 9))),  # after a gap
    ]
    answers = handler.handle_many(messages)
    assert [
        [(f.kind, f.client, f.body.get("through", f.body.get("code"))) for f in a] for a in answers
    ] == [
        [("sync.ack", "alice/a", 6)],
        [("sync.ack", "alice/b", 2)],
        [("sync.ack", "alice/a", 6)],
        [("sync.ack", "alice/a", 7)],
        [("sync.ack", "alice/a", 7), ("sync.reject", "alice/a", "gap")],
    ]
    assert answers[4][1].body["seq"] == 9
    # Stream a: 1..6 in one append, the resend (and the gap) in another; stream b: one.
    assert metrics.value("aicore_gateway_store_latency_seconds_count", op="append") == 3
    assert metrics.value("aicore_gateway_duplicates_total") == 2
    assert [seq for seq, _, _ in stored_events(url, "alice/a")] == list(range(1, 8))
    assert store.effects("alice/a") == {"event.custom": 7}


def test_a_message_with_control_frames_waits_for_the_stores_before_it(
    store: GatewayStore, tmp_path: Path
) -> None:
    handler, metrics = make_handler(store, tmp_path)
    answers = handler.handle_many(
        [
            ("alice", encode_stream_message("alice/a", events(1, 3))),
            ("alice", encode_message([Frame("alice/a", 0, "sync.hello", None)])),
            ("alice", encode_stream_message("alice/a", events(4, 4))),
            ("ops", encode_stream_message("alice/a", events(5, 5))),
        ]
    )
    assert answers[0][0].body == {"through": 3}
    assert answers[1][0].body == {"acked": 3, "heartbeat_ms": 250}
    assert answers[2][0].body == {"through": 4}
    assert answers[3][0].body["code"] == Refusal.NOT_YOUR_STREAM
    assert metrics.value("aicore_gateway_messages_total") == 4


def test_a_keys_folder_that_cannot_be_read_keeps_the_list_in_memory(
    store: GatewayStore, tmp_path: Path
) -> None:
    handler, metrics = make_handler(store, tmp_path)
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "allowed").write_text("a file where the folder belongs")
    reload = encode_message([Frame("ops", 0, "admin.reload_keys", None)])
    [reject] = handler.handle("ops", reload)
    assert reject.body["code"] == Refusal.UNAVAILABLE
    assert "keys folder cannot be read" in reject.body["reason"]
    assert metrics.value("aicore_gateway_allowed_keys") == 2
    [reply] = handler.handle("ops", encode_message([Frame("ops", 0, "admin.stats", None)]))
    assert reply.body["allowed"] == ["alice", "ops"]
