"""The model sessions keep nothing per batch size (engine_bridge/models/session.py): the
decision step's batch is however many NPCs are due in a frame, so a long game meets new
sizes for as long as it runs, and memory kept per size is the QA soak's slow growth
(docs/qa.md, "Soak")."""

from __future__ import annotations

import ctypes
import ctypes.util
from pathlib import Path

import pytest

from engine_bridge.models.batch_inference import BatchInference
from engine_bridge.models.registry import ModelRegistry

REPO = Path(__file__).resolve().parents[2]
MODELS = ("npc_action", "npc_mood")
SIZES_SEEN_FIRST = range(1, 129)
NEW_SIZES = range(129, 513)
# With onnxruntime's memory patterns on, the 384 new sizes kept about 140 kB per model
# (0.37 kB a size); without them, the in-use heap moves by a few kB either way.
GROWTH_LIMIT_BYTES = 48 * 1024


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _libc_mallinfo2() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    fn = getattr(ctypes.CDLL(name), "mallinfo2", None)  # glibc 2.33 and later
    if fn is not None:
        fn.restype = _MallInfo2
    return fn


_MALLINFO2 = _libc_mallinfo2()


def _heap_in_use() -> int:
    """Bytes malloc has handed out and not had back (small chunks and mmapped ones)."""
    assert _MALLINFO2 is not None
    info = _MALLINFO2()
    return int(info.uordblks + info.hblkhd)


@pytest.fixture(scope="module")
def registry() -> ModelRegistry:
    registry = ModelRegistry([REPO / "content"])
    assert registry.errors == []
    return registry


@pytest.mark.parametrize("name", MODELS)
def test_sessions_keep_no_memory_pattern_per_shape(registry: ModelRegistry, name: str) -> None:
    model = registry.get(name)
    assert model is not None
    assert model.session.get_session_options().enable_mem_pattern is False


@pytest.mark.skipif(_MALLINFO2 is None, reason="needs glibc's mallinfo2")
@pytest.mark.parametrize("name", MODELS)
def test_new_batch_sizes_do_not_grow_the_heap(registry: ModelRegistry, name: str) -> None:
    model = registry.get(name)
    assert model is not None
    runner = BatchInference(model.session, name=name, classes=model.classes)
    runner.rows(NEW_SIZES[-1])  # the buffers at their largest before anything is measured
    # Every kept IO binding made and the session's arena grown to the largest batch: what
    # is left to grow is only what the session keeps per size.
    for n in SIZES_SEEN_FIRST:
        runner.run(n)
    runner.run(NEW_SIZES[-1])
    before = _heap_in_use()
    for n in NEW_SIZES:
        runner.run(n)
    grown = _heap_in_use() - before
    assert runner.runs == len(SIZES_SEEN_FIRST) + 1 + len(NEW_SIZES)
    assert grown < GROWTH_LIMIT_BYTES, (
        f"{len(NEW_SIZES)} new batch sizes of {name} kept {grown} bytes on the heap"
    )
