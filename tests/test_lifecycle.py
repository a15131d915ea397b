"""The runtime's lifecycle from Python: each runtime's log records reach its own sink (its
calls on the game thread and its worker threads), closing one leaves the others' routing,
the spawn contract (an unknown kind, a broken script's kind), scripts that fail to load as
problems, and a closed runtime's scripts leave ``sys.modules``."""

from __future__ import annotations

import logging
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine_bridge.content.clip_loader import ClipLoader
from engine_bridge.core.frame import FRAME_SECONDS
from engine_bridge.core.log_routing import LogRoute, enter, leave
from engine_bridge.core.runtime import Runtime
from engine_bridge.core.spawn_refusal import SpawnRefusedError
from engine_bridge.core.world import World

Records = list[tuple[int, str]]


def _runtime(scripts: Path, sink: Records) -> Runtime:
    return Runtime(
        World.allocate(8),
        script_dirs=[scripts],
        log_sink=lambda level, message: sink.append((level, message)),
        watch=False,
        manage_gc=False,
    )


def _said(records: Records, text: str) -> bool:
    return any(text in message for _, message in records)


def test_two_runtimes_log_to_their_own_sinks_and_closing_one_keeps_the_other(
    tmp_path: Path,
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "alpha.py").write_text(
        "def on_frame(runtime, dt, events):\n"
        "    if runtime.frame >= 1:\n"
        "        raise KeyError('alpha-late')\n"
        "    raise ValueError('alpha-fails')\n"
    )
    (tmp_path / "b" / "bravo.py").write_text(
        "def on_frame(runtime, dt, events):\n    raise ValueError('bravo-fails')\n"
    )
    (tmp_path / "b" / "broken.py").write_text("raise RuntimeError('bravo-load-fails')\n")
    log_a: Records = []
    log_b: Records = []
    a = _runtime(tmp_path / "a", log_a)
    b = _runtime(tmp_path / "b", log_b)
    try:
        assert _said(log_b, "bravo-load-fails")
        assert not _said(log_a, "bravo-load-fails")
        a.tick(FRAME_SECONDS, b"")
        b.tick(FRAME_SECONDS, b"")
        assert _said(log_a, "alpha-fails")
        assert not _said(log_b, "alpha-fails")
        assert _said(log_b, "bravo-fails")
        assert not _said(log_a, "bravo-fails")
        b.close()
        a.tick(FRAME_SECONDS, b"")
        assert _said(log_a, "alpha-late")
        assert not _said(log_b, "alpha-late")
    finally:
        a.close()
        b.close()


def test_worker_threads_log_to_the_runtime_that_started_them(tmp_path: Path) -> None:
    log_a: Records = []
    log_b: Records = []
    a = LogRoute(lambda level, message: log_a.append((level, message)))
    b = LogRoute(lambda level, message: log_b.append((level, message)))
    clips = ClipLoader(None, {}, on_thread_start=a.adopt)  # the runtime's clip worker
    voice = logging.getLogger("aicore.voice")
    try:
        # B's call is running on this thread meanwhile: the worker's record is still A's.
        previous = enter(b)
        try:
            clips.worker.call(voice.warning, "from the clip worker").result()
            voice.warning("from B's call")
        finally:
            leave(previous)
        assert _said(log_a, "from the clip worker")
        assert not _said(log_b, "from the clip worker")
        assert _said(log_b, "from B's call")
        assert not _said(log_a, "from B's call")
        b.close()
        clips.worker.call(voice.warning, "after B closed").result()
        assert _said(log_a, "after B closed")
    finally:
        clips.close()
        a.close()
        b.close()


def test_a_record_no_runtime_claims_is_handled_as_python_would(
    caplog: pytest.LogCaptureFixture,
) -> None:
    records: Records = []
    route = LogRoute(lambda level, message: records.append((level, message)))
    try:
        with ThreadPoolExecutor(1) as other:  # a thread no runtime started
            other.submit(logging.getLogger("aicore.x").error, "unclaimed").result()
        assert not _said(records, "unclaimed")
        assert "unclaimed" in caplog.text
    finally:
        route.close()
    assert logging.getLogger("aicore").propagate  # given back with the last route
    assert threading.active_count() >= 1


def test_an_unclaimed_record_reaches_a_handler_on_both_loggers_once() -> None:
    """pytest's capture (and a game's own logging set-up may do the same) attaches one
    handler to the root and to every logger that does not propagate; with a route live,
    ``aicore`` is one of those, and the record must not be seen twice."""

    class Collect(logging.Handler):
        def __init__(self) -> None:
            super().__init__()
            self.messages: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.messages.append(record.getMessage())

    route = LogRoute(lambda level, message: None)
    both = Collect()
    aicore = logging.getLogger("aicore")
    logging.getLogger().addHandler(both)
    aicore.addHandler(both)
    try:
        previous = enter(None)  # a call that belongs to no runtime
        logging.getLogger("aicore.x").error("once")
        leave(previous)
    finally:
        aicore.removeHandler(both)
        logging.getLogger().removeHandler(both)
        route.close()
    assert both.messages == ["once"]


def test_an_unknown_kind_and_a_broken_scripts_kind_are_refused_without_a_slot(
    tmp_path: Path,
) -> None:
    (tmp_path / "bell.py").write_text(
        "from engine_bridge.api import Npc\n\nclass Bell(Npc):\n    kind = 'bell'\n"
    )
    (tmp_path / "crow.py").write_text(
        "from engine_bridge.api import Npc\nclass Crow(Npc):\n    kind = 'crow'\n    x = (\n"
    )
    runtime = _runtime(tmp_path, [])
    try:
        with pytest.raises(SpawnRefusedError) as unknown:
            runtime.spawn(0, "bel")
        assert unknown.value.refusal.code == "not_found"
        with pytest.raises(SpawnRefusedError) as broken:
            runtime.spawn(0, "crow")
        assert broken.value.refusal.code == "script_error"
        assert broken.value.refusal.file == str(tmp_path / "crow.py")
        assert broken.value.refusal.line == 4
        assert not runtime.world.alive.any()
        runtime.spawn(0, "bell")
        assert runtime.kinds == {0: "bell"}
        scripts = [p for p in runtime.problems() if p[0] == "scripts"]
        assert [(p[1], p[2]) for p in scripts] == [(str(tmp_path / "crow.py"), 4)]
        assert scripts[0][4].startswith("SyntaxError")
    finally:
        runtime.close()


def test_a_closed_runtimes_scripts_leave_sys_modules(tmp_path: Path) -> None:
    (tmp_path / "lifecycle_probe.py").write_text("VALUE = 1\n")
    runtime = _runtime(tmp_path, [])
    assert "npc_scripts.lifecycle_probe" in sys.modules
    runtime.close()
    assert "npc_scripts.lifecycle_probe" not in sys.modules
