"""The gateway as it runs in production: ``aicore-gateway`` as a real process on
loopback, real CURVE keys, a real SQLite file, pyzmq DEALERs as clients. What each test
checks is what was stored (read from the database file) and what was answered."""

from __future__ import annotations

import random
import subprocess
from collections.abc import Iterator
from pathlib import Path

import msgpack
import pytest
from content_push_helpers import make_publisher, version_one, version_two
from gw_client import BODY, CurveClient, curve_client, events, only
from gw_process import (
    GATEWAY,
    TIMEOUT_S,
    Gateway,
    Keys,
    make_keys,
    running_gateway,
    wait_until,
)
from postgres_server import PostgresServer
from store_rows import stored_events

from engine_bridge.sync.frames import Frame, Refusal, encode_message, encode_stream_message
from engine_bridge.sync.keys_folder import allow_key, revoke_key

STREAM = "alice/m1"


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return make_keys(tmp_path)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:{tmp_path / 'db' / 'gateway.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new store of each backend (PostgreSQL: the tests' own server, see conftest.py)."""
    if request.param == "sqlite":
        return f"sqlite:{tmp_path / 'db' / 'gateway.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def gateway(keys: Keys, db_url: str, tmp_path: Path) -> Iterator[Gateway]:
    with running_gateway(keys, db_url, tmp_path / "gateway.log") as running:
        yield running


def client_of(gateway: Gateway, keys: Keys, name: str) -> curve_client:  # type: ignore[valid-type]
    return curve_client(gateway.endpoint, keys.server_public, keys.clients[name])


def seqs(db_url: str, client: str = STREAM) -> list[int]:
    return [seq for seq, _, _ in stored_events(db_url, client)]


def test_an_allowed_client_stores_events_and_gets_acks(
    keys: Keys, any_db_url: str, tmp_path: Path
) -> None:
    db_url = any_db_url
    with running_gateway(keys, db_url, tmp_path / "gateway.log") as gateway:
        with client_of(gateway, keys, "alice") as alice:
            welcome = only(alice.control("sync.hello", {"agent": "test"}), "sync.welcome")
            assert welcome.client == STREAM
            assert welcome.body == {"acked": 0, "heartbeat_ms": 5000}
            assert only(alice.stream(events(1, 100)), "sync.ack").body == {"through": 100}
            assert only(alice.control("sync.ping"), "sync.pong").client == STREAM
            assert only(alice.control("sync.hello", {}), "sync.welcome").body["acked"] == 100
            assert gateway.metric("aicore_gateway_clients_connected") == 1
        assert stored_events(db_url, STREAM) == events(1, 100)
        assert gateway.metric("aicore_gateway_events_stored_total") == 100
        assert gateway.metric("aicore_gateway_acks_sent_total") == 1
        wait_until(
            lambda: gateway.metric("aicore_gateway_clients_connected") == 0, "the client to go"
        )


def test_a_key_not_on_the_allow_list_gets_nothing_stored(
    gateway: Gateway, keys: Keys, db_url: str
) -> None:
    with client_of(gateway, keys, "mallory") as mallory:
        mallory.send(encode_stream_message("mallory/m1", events(1, 10)))
        wait_until(lambda: gateway.metric("aicore_gateway_auth_denied_total") >= 1, "ZAP to refuse")
        assert not mallory.socket.poll(0), "an unauthenticated client got an answer"
    assert seqs(db_url, "mallory/m1") == []
    assert gateway.metric("aicore_gateway_messages_total") == 0


def test_a_revoked_key_is_refused_once_the_keys_are_reloaded(
    gateway: Gateway, keys: Keys, db_url: str
) -> None:
    with client_of(gateway, keys, "alice") as alice, client_of(gateway, keys, "ops") as ops:
        assert only(alice.stream(events(1, 10)), "sync.ack").body == {"through": 10}
        revoke_key("alice", keys.folder)
        reply = only(ops.control("admin.reload_keys"), "admin.reply").body
        assert reply == {"allowed": ["ops"], "closed": {"alice": 1}, "problems": []}
        alice.send(encode_stream_message(STREAM, events(11, 20)))
        wait_until(
            lambda: gateway.metric("aicore_gateway_auth_denied_total") >= 1,
            "alice's reconnection to be refused",
        )
        assert not alice.socket.poll(0)
        assert gateway.metric("aicore_gateway_kicked_connections_total") == 1
        assert gateway.metric("aicore_gateway_allowed_keys") == 1
    assert seqs(db_url) == list(range(1, 11))


def test_admin_commands_come_from_the_admin_key_and_kick_closes_a_connection(
    gateway: Gateway, keys: Keys, db_url: str
) -> None:
    with client_of(gateway, keys, "alice") as alice, client_of(gateway, keys, "ops") as ops:
        assert only(alice.stream(events(1, 5)), "sync.ack").body == {"through": 5}
        refused = only(alice.control("admin.stats"), "sync.reject").body
        assert refused["code"] == Refusal.NOT_ADMIN
        refused = only(alice.control("admin.kick", {"key": "ops"}), "sync.reject").body
        assert refused["code"] == Refusal.NOT_ADMIN

        stats = only(ops.control("admin.stats"), "admin.reply").body
        assert stats["counters"]["events_stored"] == 5
        assert stats["counters"]["rejects"]["not_admin"] == 2
        assert stats["connections"] == {"alice": 1, "ops": 1}
        assert stats["allowed"] == ["alice", "ops"]
        malformed = only(ops.control("admin.kick", {"name": "alice"}), "sync.reject").body
        assert malformed["code"] == Refusal.MALFORMED

        kicked = only(ops.control("admin.kick", {"key": "alice"}), "admin.reply").body
        assert kicked == {"key": "alice", "was_allowed": True, "closed": 1}
        alice.send(encode_stream_message(STREAM, events(6, 10)))
        wait_until(
            lambda: gateway.metric("aicore_gateway_auth_denied_total") >= 1,
            "the kicked key's reconnection to be refused",
        )
        assert not alice.socket.poll(0)
        # The kick holds in memory until the keys folder is read again: alice is back.
        assert only(ops.control("admin.reload_keys"), "admin.reply").body["allowed"] == [
            "alice",
            "ops",
        ]
    assert seqs(db_url) == [1, 2, 3, 4, 5]


def test_bad_messages_are_refused_with_a_reason_and_counted(
    keys: Keys, db_url: str, tmp_path: Path
) -> None:
    extra = ["--max-message-bytes", "4096"]
    with running_gateway(keys, db_url, tmp_path / "gateway.log", extra) as gateway:
        with client_of(gateway, keys, "alice") as alice:
            cases: list[tuple[bytes, Refusal]] = [
                (b"\xc1 not msgpack", Refusal.MALFORMED),
                (msgpack.packb({"v": 1}), Refusal.MALFORMED),
                (
                    encode_stream_message(STREAM, [(1, "event.big", msgpack.packb(b"x" * 5000))]),
                    Refusal.OVERSIZED,
                ),
                (encode_message([Frame(STREAM, 1, "event.custom", None, v=2)]), Refusal.VERSION),
                (encode_message([Frame(STREAM, 0, "sync.bogus", None)]), Refusal.UNKNOWN_KIND),
                (
                    encode_message([Frame(STREAM, 0, "sync.ack", {"through": 1})]),
                    Refusal.UNKNOWN_KIND,
                ),
                (encode_stream_message("bob/m1", events(1, 3)), Refusal.NOT_YOUR_STREAM),
                (encode_stream_message("alice", events(1, 3)), Refusal.NOT_YOUR_STREAM),
                (encode_stream_message(STREAM, [*events(2, 3), *events(1, 1)]), Refusal.MALFORMED),
            ]
            for payload, code in cases:
                reject = only(alice.ask(payload), "sync.reject").body
                assert reject["code"] == code, (payload[:40], reject)
                assert reject["reason"]
            assert seqs(db_url) == []

            # A replay: stored once, acknowledged each time, counted as duplicates.
            for _ in range(2):
                assert only(alice.stream(events(1, 10)), "sync.ack").body == {"through": 10}
            # A gap: what can be stored is, the rest refused with the seq it stopped at.
            answer = alice.stream(events(12, 14))
            assert only(answer, "sync.ack").body == {"through": 10}
            gap = only(answer, "sync.reject").body
            assert (gap["code"], gap["seq"]) == (Refusal.GAP, 12)

            # Far over the limit: libzmq drops the connection; the gateway carries on.
            alice.send(b"\x00" * 300_000)
            wait_until(lambda: gateway.get("/healthz")[0] == 200, "the gateway to stay healthy")
        with client_of(gateway, keys, "alice") as again:
            assert only(again.control("sync.hello"), "sync.welcome").body["acked"] == 10
        counted = {
            code: gateway.metric("aicore_gateway_rejects_total", code=code.value)
            for code in Refusal
        }
        assert counted[Refusal.MALFORMED] == 3
        assert counted[Refusal.UNKNOWN_KIND] == 2
        assert counted[Refusal.NOT_YOUR_STREAM] == 2
        for code in (Refusal.OVERSIZED, Refusal.VERSION, Refusal.GAP):
            assert counted[code] == 1
        assert gateway.metric("aicore_gateway_duplicates_total") == 10
    assert seqs(db_url) == list(range(1, 11))


def test_over_its_rate_a_key_is_answered_rate_limited_and_nothing_is_stored(
    keys: Keys, db_url: str, tmp_path: Path
) -> None:
    # A refill of 5 frames takes 500 s: the second message cannot have earned them back.
    extra = ["--rate", "0.01", "--burst", "5"]
    with running_gateway(keys, db_url, tmp_path / "gateway.log", extra) as gateway:
        with client_of(gateway, keys, "alice") as alice, client_of(gateway, keys, "ops") as ops:
            assert only(alice.stream(events(1, 5)), "sync.ack").body == {"through": 5}
            limited = only(alice.stream(events(6, 8)), "sync.reject").body
            assert limited["code"] == Refusal.RATE_LIMITED
            assert limited["seq"] == 6
            assert limited["retry_after_ms"] > 0
            # Another key has a bucket of its own.
            assert only(ops.control("sync.ping"), "sync.pong")
        assert gateway.metric("aicore_gateway_rejects_total", code="rate_limited") == 1
    assert seqs(db_url) == [1, 2, 3, 4, 5]


def test_a_store_that_fails_answers_unavailable_never_an_ack(
    gateway: Gateway, keys: Keys, db_url: str, tmp_path: Path
) -> None:
    assert gateway.get("/readyz") == (200, "ok\n")
    with client_of(gateway, keys, "alice") as alice:
        assert only(alice.stream(events(1, 3)), "sync.ack").body == {"through": 3}
        # The database goes away under the gateway (a disk unmounted, a bad restore).
        (tmp_path / "db").rename(tmp_path / "elsewhere")
        answer = alice.stream(events(4, 6))
        assert [frame.kind for frame in answer] == ["sync.reject"]
        assert answer[0].body["code"] == Refusal.UNAVAILABLE
        assert answer[0].body["retry_after_ms"] == 1000
        hello = only(alice.control("sync.hello"), "sync.reject").body
        assert hello["code"] == Refusal.UNAVAILABLE
    status, reason = gateway.get("/readyz")
    assert status == 503
    assert "StoreUnavailableError" in reason
    assert gateway.get("/healthz") == (200, "ok\n")
    assert gateway.metric("aicore_gateway_rejects_total", code="unavailable") == 2
    assert seqs(f"sqlite:{tmp_path / 'elsewhere' / 'gateway.db'}") == [1, 2, 3]


def test_postgresql_stopped_under_the_gateway_is_unavailable_then_recovers(
    keys: Keys, postgres_server: PostgresServer, postgres_url: str, tmp_path: Path
) -> None:
    with (
        running_gateway(keys, postgres_url, tmp_path / "gateway.log") as gateway,
        client_of(gateway, keys, "alice") as alice,
    ):
        assert only(alice.stream(events(1, 3)), "sync.ack").body == {"through": 3}
        postgres_server.stop()
        try:
            answer = alice.stream(events(4, 6))
            assert [frame.kind for frame in answer] == ["sync.reject"]
            assert answer[0].body["code"] == Refusal.UNAVAILABLE
            assert gateway.get("/readyz")[0] == 503
            assert gateway.get("/healthz")[0] == 200
        finally:
            postgres_server.start()
        wait_until(lambda: gateway.get("/readyz")[0] == 200, "the store to be back")
        assert only(alice.stream(events(4, 6)), "sync.ack").body == {"through": 6}
    assert seqs(postgres_url) == [1, 2, 3, 4, 5, 6]


def test_the_http_endpoints_answer(gateway: Gateway) -> None:
    assert gateway.get("/healthz") == (200, "ok\n")
    assert gateway.get("/readyz") == (200, "ok\n")
    assert gateway.get("/nothing")[0] == 404
    names = {name for name, _ in gateway.metrics()}
    for name in (
        "aicore_gateway_events_stored_total",
        "aicore_gateway_duplicates_total",
        "aicore_gateway_acks_sent_total",
        "aicore_gateway_clients_connected",
        "aicore_gateway_store_latency_seconds_bucket",
    ):
        assert name in names
    assert gateway.metric("aicore_gateway_rejects_total", code="gap") == 0
    assert ("aicore_gateway_rejects_total", (("code", "gap"),)) in gateway.metrics()
    # /readyz pinged the store from the loop: its latency was observed.
    assert gateway.metric("aicore_gateway_store_latency_seconds_count", op="ping") >= 1


def test_garbage_never_takes_the_gateway_down(gateway: Gateway, keys: Keys, db_url: str) -> None:
    chance = random.Random(15)
    with client_of(gateway, keys, "alice") as alice:
        for round_ in range(200):
            if round_ % 2:
                payload = chance.randbytes(chance.randrange(1, 300))
            else:
                shape = [
                    {
                        "v": 1,
                        "client": STREAM,
                        "seq": chance.randrange(-2, 5),
                        "kind": chance.choice(["event.x", "sync.hello", "", 7]),
                        "body": chance.randbytes(3),
                    }
                ] * chance.randrange(0, 3)
                payload = msgpack.packb(shape if round_ % 4 else {"frames": shape})
            answer = alice.ask(payload)
            assert answer
            assert all(frame.client.startswith("alice") for frame in answer)
        assert only(alice.control("sync.ping"), "sync.pong")
    assert gateway.get("/healthz")[0] == 200
    assert gateway.metric("aicore_gateway_internal_errors_total") == 0


def _stream_until(
    client: CurveClient, last: int, batch: int, window: int, stop_after_acks: int
) -> int:
    """Send seq 1..``last`` in batches, ``window`` messages in flight; return the highest
    ack received once ``stop_after_acks`` acks came (or all of them did)."""
    sent, acked, acks = 0, 0, 0
    in_flight = 0
    while acked < last:
        while in_flight < window and sent < last:
            rows = [
                (seq, f"kind.{seq % 3}", BODY)
                for seq in range(sent + 1, min(sent + batch, last) + 1)
            ]
            client.send(encode_stream_message(STREAM, rows))
            sent, in_flight = rows[-1][0], in_flight + 1
        acked = max(acked, only(client.receive(), "sync.ack").body["through"])
        in_flight, acks = in_flight - 1, acks + 1
        if acks == stop_after_acks:
            break
    return acked


def test_sigkill_mid_stream_loses_nothing_acked_and_applies_nothing_twice(
    keys: Keys, any_db_url: str, tmp_path: Path
) -> None:
    import signal

    db_url = any_db_url
    last = 30_000
    with (
        running_gateway(keys, db_url, tmp_path / "first.log") as first,
        client_of(first, keys, "alice") as alice,
    ):
        acked = _stream_until(alice, last, batch=500, window=4, stop_after_acks=5)
        first.signal(signal.SIGKILL)
        assert first.wait() == -signal.SIGKILL
    assert acked >= 5 * 500
    stored = seqs(db_url)
    assert stored == list(range(1, len(stored) + 1))
    assert len(stored) >= acked

    with running_gateway(keys, db_url, tmp_path / "second.log") as second:
        with client_of(second, keys, "alice") as alice:
            welcome = only(alice.control("sync.hello"), "sync.welcome").body
            assert welcome["acked"] == len(stored)
            # The client resends everything it was not told was stored, and more.
            assert _stream_until(alice, last, batch=1000, window=4, stop_after_acks=-1) == last
        second.signal(signal.SIGTERM)
        assert second.wait() == 0

    from aicore_gateway.stores import open_store

    store = open_store(db_url)
    try:
        assert store.acked_through(STREAM) == last
        assert store.effects(STREAM) == {f"kind.{k}": last // 3 for k in range(3)}
    finally:
        store.close()
    assert seqs(db_url) == list(range(1, last + 1))


def test_sigterm_exits_0_and_loses_nothing_acked(
    keys: Keys, any_db_url: str, tmp_path: Path
) -> None:
    import signal

    db_url = any_db_url
    with running_gateway(keys, db_url, tmp_path / "gateway.log") as gateway:
        with client_of(gateway, keys, "alice") as alice:
            acked = _stream_until(alice, 50_000, batch=500, window=6, stop_after_acks=3)
            gateway.signal(signal.SIGTERM)
            assert gateway.wait() == 0
            # Acks the gateway sent before it closed its socket are still on their way.
            while alice.socket.poll(1000):
                for frame in alice.receive():
                    if frame.kind == "sync.ack":
                        acked = max(acked, frame.body["through"])
        assert "stopped" in gateway.log_text()
    stored = seqs(db_url)
    assert stored == list(range(1, len(stored) + 1))
    assert len(stored) >= acked >= 1500


def test_a_key_allowed_while_it_runs_gets_in_after_sighup(
    gateway: Gateway, keys: Keys, db_url: str
) -> None:
    import signal

    allow_key(keys.client_folder / "mallory.key", keys.folder)
    gateway.signal(signal.SIGHUP)
    wait_until(lambda: gateway.metric("aicore_gateway_allowed_keys") == 3, "the reload")
    with client_of(gateway, keys, "mallory") as mallory:
        assert only(mallory.stream(events(1, 2), stream="pc"), "sync.ack").body == {"through": 2}
    assert seqs(db_url, "mallory/pc") == [1, 2]
    assert gateway.metric("aicore_gateway_auth_denied_total") == 0


def test_it_will_not_start_without_its_key_pair_or_with_a_bad_command_line(
    keys: Keys, db_url: str, tmp_path: Path
) -> None:
    command = [str(GATEWAY), "--bind", "tcp://127.0.0.1:*", "--store", db_url, "--keys"]
    empty = tmp_path / "empty-keys"
    empty.mkdir()
    refused = subprocess.run(
        [*command, str(empty)], capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    assert refused.returncode == 1
    assert "gateway.key_secret" in refused.stderr
    assert refused.stdout == ""
    unknown_store = subprocess.run(
        [*command[:4], "mysql://nowhere", "--keys", str(keys.folder)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert unknown_store.returncode == 1
    assert "mysql://nowhere" in unknown_store.stderr
    bad_rate = subprocess.run(
        [*command, str(keys.folder), "--rate", "-3"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert bad_rate.returncode == 2
    assert "--rate" in bad_rate.stderr


def test_content_get_is_answered_with_the_newest_published_bundle(
    keys: Keys, db_url: str, tmp_path: Path
) -> None:
    publisher = make_publisher(tmp_path / "publisher")
    published = tmp_path / "published"
    published.mkdir()
    one = publisher.bundle(version_one(tmp_path / "v1"), 1)
    (published / "studio-1.bundle").write_bytes(one)
    extra = ["--content-bundles", str(published)]
    with (
        running_gateway(keys, db_url, tmp_path / "gateway.log", extra) as gateway,
        client_of(gateway, keys, "alice") as alice,
    ):
        served = only(alice.control("content.get", {"have": 0}), "content.bundle")
        assert served.body == {"version": 1, "bundle": one}
        # Published while it runs: served at once, no restart.
        two = publisher.bundle(version_two(tmp_path / "v2"), 2)
        (published / ".studio-2.partial").write_bytes(two)
        (published / ".studio-2.partial").rename(published / "studio-2.bundle")
        served = only(alice.control("content.get", {"have": 1}), "content.bundle")
        assert served.body == {"version": 2, "bundle": two}
        nothing = only(alice.control("content.get", {"have": 2}), "content.bundle")
        assert nothing.body == {"version": None, "bundle": None}
        refused = only(alice.control("content.get", {"have": "2"}), "sync.reject")
        assert refused.body["code"] == Refusal.MALFORMED
