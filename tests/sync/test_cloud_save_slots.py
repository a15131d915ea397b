"""The client's view of the profile's slots for cloud saves, on real store files: which
slot goes up next (``cloud_saves.Uploads``), what the cloud is known to hold
(``cloud-saves.json``, ``cloud_slot_state.py``), and a save.data answer checked
(``cloud_pull.parse_save_data``)."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest

from engine_bridge.store import Store
from engine_bridge.sync import cloud_saves
from engine_bridge.sync.cloud_pull import parse_save_data
from engine_bridge.sync.cloud_save_errors import CloudSaveError, CloudSaveRefusal
from engine_bridge.sync.cloud_saves import SlotFile, SlotProblem, Uploads
from engine_bridge.sync.cloud_slot_state import STATE_FILE, CloudSlotState


def _uploads(store: Store) -> tuple[Uploads, CloudSlotState]:
    state = CloudSlotState(store.paths.folder)
    return Uploads(store.paths, state, "alice/pc"), state


def test_each_changed_slot_goes_up_once_with_its_parent(tmp_path: Path) -> None:
    with Store.open(tmp_path / "saves", "default") as store:
        uploads, state = _uploads(store)
        assert uploads.next_upload() is None
        store.saves.save("b_slot").result(30)
        store.saves.save("a_slot").result(30)
        first = uploads.next_upload()
        assert isinstance(first, SlotFile)
        assert first.slot == "a_slot"  # by name
        assert first.sha256 == hashlib.sha256(first.data).hexdigest()
        frame = uploads.put_frame(first)
        assert (frame.kind, frame.body["parent_sha256"]) == ("save.put", None)
        body = {"slot": "a_slot", "sha256": first.sha256, "conflict_of": None}
        assert uploads.stored(first, body) is None
        second = uploads.next_upload()
        assert isinstance(second, SlotFile)
        assert second.slot == "b_slot"
        uploads.stored(second, {**body, "slot": "b_slot", "sha256": second.sha256})
        assert uploads.next_upload() is None
        # A new save of a_slot goes up named as made from the one uploaded before.
        store.saves.save("a_slot").result(30)
        third = uploads.next_upload()
        assert isinstance(third, SlotFile)
        assert uploads.put_frame(third).body["parent_sha256"] == first.sha256
        with pytest.raises(ValueError, match="another save"):
            uploads.stored(third, body)
    # The record is on disk: a restart does not upload b_slot again.
    again = CloudSlotState(store.paths.folder)
    assert again.parent("b_slot") == second.sha256
    assert state.path.name == STATE_FILE


def test_a_slot_too_large_is_a_problem_once_until_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cloud_saves, "MAX_SAVE_BYTES", 1000)
    with Store.open(tmp_path / "saves", "default") as store:
        uploads, _ = _uploads(store)
        store.saves.save("hero").result(30)
        problem = uploads.next_upload()
        assert isinstance(problem, SlotProblem)
        assert (problem.slot, problem.code) == ("hero", "too_large")
        assert uploads.next_upload() is None  # not offered again
        store.saves.save("hero").result(30)
        assert isinstance(uploads.next_upload(), SlotProblem)  # a new file: said again


def test_a_damaged_record_is_logged_and_every_slot_counts_as_new(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "profile"
    folder.mkdir()
    (folder / STATE_FILE).write_text('{"format": 1, "slots": {"hero": {"sha256": 5}}}')
    with caplog.at_level(logging.ERROR, logger="aicore.sync"):
        state = CloudSlotState(folder)
    assert state.get("hero") is None
    assert "is damaged" in caplog.text


def _data_body(content: bytes, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "slot": "hero",
        "saved_at": 2.5,
        "sha256": hashlib.sha256(content).hexdigest(),
        "parent_sha256": None,
        "stream": "alice/pc",
        "conflict_of": None,
        "data": content,
    }
    body.update(changes)
    return body


@pytest.mark.parametrize(
    "body",
    [
        _data_body(b"save", sha256="0" * 64),
        _data_body(b"save", slot="villain"),
        _data_body(b"save", data="not bin"),
        {"slot": "hero"},
    ],
)
def test_a_save_data_answer_that_is_not_what_it_claims_is_corrupt(body: object) -> None:
    with pytest.raises(CloudSaveError) as refused:
        parse_save_data(body, "hero")
    assert refused.value.code == CloudSaveRefusal.CORRUPT


def test_a_sound_save_data_answer_is_taken() -> None:
    pulled = parse_save_data(_data_body(b"save"), None)
    assert (pulled.slot, pulled.data, pulled.saved_at) == ("hero", b"save", 2.5)
