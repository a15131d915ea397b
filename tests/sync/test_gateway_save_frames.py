"""The gateway's cloud save frames on their own (no sockets): ``save.put``, ``save.get``
and ``save.list`` through the message handler into a real store, SQLite and PostgreSQL
(``gateway/aicore_gateway/save_frames.py``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from aicore_gateway.admin import Admin
from aicore_gateway.connections import Connections
from aicore_gateway.handler import HandlerSettings, MessageHandler
from aicore_gateway.key_control import KeyControl
from aicore_gateway.metrics import GatewayMetrics
from aicore_gateway.rate_limit import RateLimiter
from aicore_gateway.save_frames import MAX_LISTED, listing_body
from aicore_gateway.stores import CloudSave, GatewayStore
from aicore_gateway.stores.base import StoreUnavailableError

from engine_bridge.sync.frames import Frame, Refusal, encode_message
from engine_bridge.sync.keys_folder import AllowList


class _Holder:
    def __init__(self) -> None:
        self.allow_list = AllowList({b"a" * 40: "alice", b"b" * 40: "bob"})


def _handler(store: GatewayStore, tmp_path: Path) -> tuple[MessageHandler, GatewayMetrics]:
    metrics = GatewayMetrics()
    connections = Connections()
    keys = KeyControl(tmp_path / "keys", _Holder(), connections, metrics)
    handler = MessageHandler(
        store,
        metrics,
        RateLimiter(None, burst=4),
        Admin(keys, connections, metrics),
        HandlerSettings(retry_after_ms=777),
    )
    return handler, metrics


def _put(slot: str, content: bytes, parent: str | None, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "slot": slot,
        "saved_at": 1_700_000_000.25,
        "sha256": hashlib.sha256(content).hexdigest(),
        "parent_sha256": parent,
        "data": content,
    }
    body.update(changes)
    return body


def _ask(handler: MessageHandler, key: str, stream: str, kind: str, body: object) -> Frame:
    [answer] = handler.handle(key, encode_message([Frame(f"{key}/{stream}", 0, kind, body)]))
    return answer


def test_a_save_is_stored_got_and_listed_for_its_key_only(
    gateway_store: GatewayStore, tmp_path: Path
) -> None:
    handler, metrics = _handler(gateway_store, tmp_path)
    data = b"SQLite format 3\x00" + bytes(range(256)) * 40
    sha = hashlib.sha256(data).hexdigest()
    stored = _ask(handler, "alice", "pc-1", "save.put", _put("hero", data, None))
    assert (stored.kind, stored.client) == ("save.stored", "alice/pc-1")
    assert stored.body == {"slot": "hero", "sha256": sha, "conflict_of": None}

    got = _ask(handler, "alice", "laptop", "save.get", {"slot": "hero"})
    assert got.kind == "save.data"
    assert got.body == {
        "slot": "hero",
        "saved_at": 1_700_000_000.25,
        "sha256": sha,
        "parent_sha256": None,
        "stream": "alice/pc-1",
        "conflict_of": None,
        "data": data,
    }
    assert _ask(handler, "alice", "laptop", "save.get", {"slot": None}).body["data"] == data
    listing = _ask(handler, "alice", "laptop", "save.list", {})
    assert listing.kind == "save.listing"
    assert listing.body == {
        "saves": [
            {
                "slot": "hero",
                "saved_at": 1_700_000_000.25,
                "sha256": sha,
                "stream": "alice/pc-1",
                "conflict_of": None,
                "size": len(data),
            }
        ]
    }
    # Another key sees none of it, whatever slot it names.
    refused = _ask(handler, "bob", "pc", "save.get", {"slot": "hero"})
    assert (refused.kind, refused.body["code"]) == ("sync.reject", Refusal.NO_SUCH_SAVE)
    assert _ask(handler, "bob", "pc", "save.list", None).body == {"saves": []}
    assert metrics.value("aicore_gateway_saves_stored_total") == 1


def test_a_save_from_an_old_parent_is_a_conflict_and_both_are_kept(
    gateway_store: GatewayStore, tmp_path: Path
) -> None:
    handler, metrics = _handler(gateway_store, tmp_path)
    first = _ask(handler, "alice", "pc-1", "save.put", _put("hero", b"first", None))
    parent = first.body["sha256"]
    laptop = _ask(handler, "alice", "laptop", "save.put", _put("hero", b"laptop", parent))
    assert laptop.body["conflict_of"] is None
    desktop = _ask(handler, "alice", "pc-1", "save.put", _put("hero", b"desktop", parent))
    assert desktop.body["conflict_of"] == laptop.body["sha256"]
    # The same upload again (its answer lost) is the save kept the first time.
    again = _ask(handler, "alice", "pc-1", "save.put", _put("hero", b"desktop", parent))
    assert again.body == desktop.body
    saves = _ask(handler, "alice", "pc-1", "save.list", {}).body["saves"]
    assert [s["size"] for s in saves] == [len(b"desktop"), len(b"laptop"), len(b"first")]
    # Answers are counted: the resend was answered with the conflict again.
    assert metrics.value("aicore_gateway_save_conflicts_total") == 2
    assert metrics.value("aicore_gateway_saves_stored_total") == 4
    newest = _ask(handler, "alice", "pc-1", "save.get", {"slot": "hero"}).body
    assert (newest["data"], newest["conflict_of"]) == (b"desktop", laptop.body["sha256"])


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (_put("hero", b"data", None, sha256="0" * 64), "SHA-256"),
        (_put("../hero", b"data", None), "slot"),
        (_put("hero", b"data", None, saved_at=float("nan")), "saved_at"),
        (_put("hero", b"data", "not hex"), "parent_sha256"),
        (_put("hero", b"data", None, data="text, not bin"), "data"),
        ({"slot": "hero"}, "map of"),
        (None, "map of"),
    ],
)
def test_a_malformed_put_is_refused_and_nothing_is_stored(
    gateway_store: GatewayStore, tmp_path: Path, body: object, why: str
) -> None:
    handler, _ = _handler(gateway_store, tmp_path)
    refused = _ask(handler, "alice", "pc-1", "save.put", body)
    assert (refused.kind, refused.body["code"]) == ("sync.reject", Refusal.MALFORMED)
    assert why in refused.body["reason"]
    assert gateway_store.list_saves("alice") == []


@pytest.mark.parametrize(
    ("kind", "body"), [("save.get", {}), ("save.get", {"slot": 7}), ("save.list", [1])]
)
def test_malformed_queries_are_refused(
    gateway_store: GatewayStore, tmp_path: Path, kind: str, body: object
) -> None:
    handler, _ = _handler(gateway_store, tmp_path)
    refused = _ask(handler, "alice", "pc-1", kind, body)
    assert (refused.kind, refused.body["code"]) == ("sync.reject", Refusal.MALFORMED)


def test_a_failing_store_is_answered_unavailable(
    gateway_store: GatewayStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*_: object) -> CloudSave:
        raise StoreUnavailableError("the disk is gone")

    monkeypatch.setattr(gateway_store, "put_save", down)
    handler, _ = _handler(gateway_store, tmp_path)
    refused = _ask(handler, "alice", "pc-1", "save.put", _put("hero", b"data", None))
    assert refused.body["code"] == Refusal.UNAVAILABLE
    assert refused.body["retry_after_ms"] == 777


def test_the_listing_holds_the_newest_saves_only() -> None:
    saves = [
        CloudSave("alice", f"s{n}", "alice/pc", 1.0, f"{n:064x}", None, b"", size=n)
        for n in range(MAX_LISTED + 5)
    ]
    listed = listing_body(saves)["saves"]
    assert isinstance(listed, list)
    assert len(listed) == MAX_LISTED
    assert listed[0]["slot"] == "s0"
