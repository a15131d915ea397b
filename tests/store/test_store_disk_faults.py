"""A full disk and a read-only folder: a clear structured error, nothing lost that was
committed, nothing overwritten, and the game goes on. Real file systems: a small tmpfs
and a read-only bind mount (root is needed to mount; without it these tests skip and
say why)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from mounts import mount, small_tmpfs, unmount

from engine_bridge.store import FaultKind, Store, StoreConfig, StoreError

# Generous: only a hung writer would reach it; the verdicts never depend on it.
PATIENCE_S = 120.0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs: small enough to fill in a test."""
    with small_tmpfs(tmp_path / "small", "2m") as point:
        yield point


def _fill(disk: Path) -> Path:
    """Take every free byte of ``disk``; returns the file to delete to free them."""
    filler = disk / "filler"
    with filler.open("wb") as file:
        try:
            while True:
                file.write(b"\0" * 65536)
                file.flush()
        except OSError:
            pass
    return filler


def _wait_for_fault(store: Store, kind: FaultKind) -> list[object]:
    seen: list[object] = []
    deadline = threading.Event()
    for _ in range(int(PATIENCE_S / 0.01)):
        faults = store.take_faults()
        seen.extend(faults)
        if any(f.kind == kind for f in faults):
            return seen
        deadline.wait(0.01)
    pytest.fail(f"no {kind} fault; saw {seen}")


def test_a_full_disk_is_a_fault_the_game_goes_on_and_nothing_is_lost_once_space_is_back(
    small_disk: Path,
) -> None:
    store = Store.open(small_disk, "p", StoreConfig(handover_budget_s=0.0, retry_interval_s=0.01))
    try:
        store.npc_memory()[1]["hp"] = 10
        good = store.saves.save("s").result(PATIENCE_S)
        before = hashlib.sha256(good.path.read_bytes()).hexdigest()
        filler = _fill(small_disk)

        with pytest.raises(StoreError) as failed:
            store.saves.save("s").result(PATIENCE_S)
        assert failed.value.kind == FaultKind.DISK_FULL
        assert failed.value.fault.file == str(good.path)
        assert hashlib.sha256(good.path.read_bytes()).hexdigest() == before  # kept whole
        assert not list(good.path.parent.glob(".*.tmp"))  # no half-made save left

        memory = store.npc_memory()
        for frame in range(40):  # the frames go on; each hands over without waiting
            for slot in range(50):
                memory[slot]["note"] = f"frame {frame} " + "x" * 400
            store.outbox.append("frame", frame)
            store.flush()
        _wait_for_fault(store, FaultKind.DISK_FULL)
        assert store.metrics.failed_commits >= 1
        assert memory.view(3)["note"].startswith("frame 39")  # type: ignore[union-attr]

        filler.unlink()
        assert store.wait_committed(timeout=PATIENCE_S)
        assert [e.body for e in store.outbox.pending(limit=100)] == list(range(40))
    finally:
        store.close()
    with Store.open(small_disk, "p") as again:
        assert again.npc_memory().view(49)["note"].startswith("frame 39")  # type: ignore[union-attr]


def test_a_read_only_folder_is_a_clear_error_at_open(tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / "p").mkdir(parents=True)
    frozen = tmp_path / "frozen"
    frozen.mkdir()
    mount("--bind", "-o", "ro", str(source), str(frozen))
    try:
        with pytest.raises(StoreError) as failed:
            Store.open(frozen, "p")
        assert failed.value.kind == FaultKind.READ_ONLY
        assert failed.value.fault.code == "EROFS"
        assert failed.value.fault.file.startswith(str(frozen))
    finally:
        unmount(frozen)


def test_a_read_only_slots_folder_fails_the_save_clearly_and_the_game_goes_on(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "saves", "p")
    try:
        store.npc_memory()[1]["hp"] = 10
        good = store.saves.save("s").result(PATIENCE_S)
        mount("--bind", "-o", "ro", str(store.paths.slots), str(store.paths.slots))
        try:
            with pytest.raises(StoreError) as failed:
                store.saves.save("s").result(PATIENCE_S)
            assert failed.value.kind == FaultKind.READ_ONLY
            assert failed.value.fault.file == str(good.path)
            store.npc_memory()[1]["hp"] = 11  # the game goes on, and so does the journal
            store.flush()
            assert store.wait_committed(timeout=PATIENCE_S)
            assert store.saves.load("s").slot == "s"  # reading a save still works
        finally:
            unmount(store.paths.slots)
    finally:
        store.close()
