"""The byte-by-byte ``save.get`` of ``docs/sync.md`` ("Cloud saves") is the codec's bytes:
it decodes, encodes again to the same bytes, its table annotates every byte after the
common head, and a gateway's handler holding a save of ``hero`` answers it with that save."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from aicore_gateway.admin import Admin
from aicore_gateway.connections import Connections
from aicore_gateway.handler import HandlerSettings, MessageHandler
from aicore_gateway.key_control import KeyControl
from aicore_gateway.metrics import GatewayMetrics
from aicore_gateway.rate_limit import RateLimiter
from aicore_gateway.stores import CloudSave, open_store

from engine_bridge.sync.frames import decode_message, encode_message
from engine_bridge.sync.keys_folder import AllowList

DOC = Path(__file__).resolve().parents[2] / "docs" / "sync.md"
COMMON_HEAD = 33  # v, client, seq 0 and the key "kind": every control frame's


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## Cloud saves")
    return text[start : text.index("\n## ", start)]


def _example() -> tuple[bytes, str]:
    [(block, table)] = re.findall(r"```hex\n([^`]*)```\n\n((?:\|[^\n]*\n)+)", _section())
    return bytes.fromhex(block), table


def test_the_save_get_example_round_trips_and_its_table_adds_up() -> None:
    data, table = _example()
    [frame] = decode_message(data)
    assert (frame.client, frame.seq, frame.kind, frame.body) == (
        "alice/pc-1",
        0,
        "save.get",
        {"slot": "hero"},
    )
    assert encode_message([frame]) == data
    annotated = b"".join(
        bytes.fromhex(group)
        for row in table.splitlines()[2:]
        for group in re.findall(r"`([0-9a-f ]+)`", row.split("|")[1])
    )
    assert data[COMMON_HEAD:] == annotated


class _Holder:
    def __init__(self) -> None:
        self.allow_list = AllowList({b"a" * 40: "alice"})


def test_a_gateway_answers_the_example_with_the_save(tmp_path: Path) -> None:
    store = open_store(f"sqlite:{tmp_path / 'gateway.db'}")
    try:
        data = b"the hero's save"
        sha = hashlib.sha256(data).hexdigest()
        store.put_save(CloudSave("alice", "hero", "alice/pc-2", 1.5, sha, None, data))
        metrics, connections = GatewayMetrics(), Connections()
        keys = KeyControl(tmp_path / "keys", _Holder(), connections, metrics)
        handler = MessageHandler(
            store,
            metrics,
            RateLimiter(None, burst=1),
            Admin(keys, connections, metrics),
            HandlerSettings(),
        )
        [answer] = handler.handle("alice", _example()[0])
    finally:
        store.close()
    assert (answer.kind, answer.client) == ("save.data", "alice/pc-1")
    assert answer.body["data"] == data
    assert answer.body["sha256"] == sha
    assert answer.body["stream"] == "alice/pc-2"
