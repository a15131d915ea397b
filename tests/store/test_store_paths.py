"""Profile and slot names cannot leave the save root: each way of trying is refused
with its own reason, before any file is touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine_bridge.store import FaultKind, Store, StoreError


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "is empty"),
        ("../escape", "refers to a parent folder"),
        ("..", "refers to a parent folder"),
        ("/etc/passwd", "is an absolute path"),
        ("C:evil", "is an absolute path"),
        ("\\\\server\\share", "is an absolute path"),
        ("a/b", "contains a path separator"),
        ("a\\b", "contains a path separator"),
        ("nul\0byte", "contains a NUL byte"),
        ("CON", "reserves for a device"),
        ("com1", "reserves for a device"),
        ("Lpt9", "reserves for a device"),
        ("aux", "reserves for a device"),
        ("x" * 65, "longer than 64"),
        ("dot.name", "only letters, digits"),
        ("space name", "only letters, digits"),
        ("ünï", "only letters, digits"),
    ],
)
def test_a_bad_slot_or_profile_name_is_refused_with_its_reason(
    store: Store, save_root: Path, name: str, reason: str
) -> None:
    with pytest.raises(StoreError) as slot:
        store.saves.save(name)
    assert slot.value.kind == FaultKind.BAD_PATH
    assert reason in slot.value.fault.reason
    for call in (lambda: store.saves.load(name), lambda: store.saves.delete(name)):
        with pytest.raises(StoreError) as again:
            call()
        assert again.value.kind == FaultKind.BAD_PATH
    with pytest.raises(StoreError) as profile:
        Store.open(save_root, name)
    assert profile.value.kind == FaultKind.BAD_PATH
    assert reason in profile.value.fault.reason
    assert sorted(p.name for p in save_root.iterdir()) == ["player"]  # nothing made


def test_a_name_that_is_not_a_str_is_refused(store: Store) -> None:
    with pytest.raises(StoreError) as failed:
        store.saves.save(7)  # type: ignore[arg-type]
    assert failed.value.kind == FaultKind.BAD_PATH


def test_a_profile_folder_that_is_a_symlink_out_of_the_root_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "saves"
    outside = tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (root / "p").symlink_to(outside)
    with pytest.raises(StoreError) as failed:
        Store.open(root, "p")
    assert failed.value.kind == FaultKind.BAD_PATH
    assert "leads out of the save root" in failed.value.fault.reason
    assert list(outside.iterdir()) == []


def test_a_slot_file_or_folder_that_is_a_symlink_out_of_the_root_is_refused(
    store: Store, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.db"
    victim.write_bytes(b"precious")
    store.paths.slot("s").symlink_to(victim)
    for call in (
        lambda: store.saves.save("s"),
        lambda: store.saves.load("s"),
        lambda: store.saves.delete("s"),
    ):
        with pytest.raises(StoreError) as failed:
            call()
        assert failed.value.kind == FaultKind.BAD_PATH
    assert victim.read_bytes() == b"precious"
    [listed] = store.saves.list()
    assert listed.problem is not None
    assert listed.problem.kind == FaultKind.BAD_PATH


def test_a_symlink_that_stays_inside_the_root_is_allowed(tmp_path: Path) -> None:
    root = tmp_path / "saves"
    (root / "real").mkdir(parents=True)
    (root / "alias").symlink_to(root / "real")
    with Store.open(root, "alias") as store:
        store.saves.save("s").result(30)
    assert (root / "real" / "slots" / "s.db").exists()
