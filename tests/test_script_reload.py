"""Every changed script reloaded at once (``reload_changed_scripts``, behind
``aicore_scripts_reload``): edited and new files load, NPCs keep their state and get
``on_reload``, a broken edit is reported with its file and line while the last good version
runs on and is not tried again until it changes, and the watcher's late notice of a write
already loaded reloads nothing a second time (a touch still does)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from engine_bridge.core.script_reload import reload_changed_scripts
from engine_bridge.sandbox import Sandbox

VERSION = """
from engine_bridge.api import Npc

class Bell(Npc):
    kind = "bell"
    decision_rate = 60.0

    def on_spawn(self):
        self.rung = 0
        self.reloads = 0

    def on_tick(self, dt):
        self.rung += 1
        self.emote("{emote}")

    def on_reload(self):
        self.reloads += 1
"""


def _emotes(sandbox: Sandbox) -> list[str]:
    return [c["emote"] for c in sandbox.step(1) if c.get("type") == "emote"]


def test_changed_scripts_reload_at_once_and_a_broken_one_keeps_the_last_good(
    tmp_path: Path,
) -> None:
    script = tmp_path / "bell.py"
    script.write_text(VERSION.format(emote="ding"))
    sandbox = Sandbox(script_dirs=[tmp_path], watch=False)
    try:
        runtime = sandbox.runtime
        slot = sandbox.spawn("bell")
        assert _emotes(sandbox) == ["ding"]
        assert reload_changed_scripts(runtime).reloaded == 0  # nothing changed

        script.write_text(VERSION.format(emote="dong"))
        outcome = reload_changed_scripts(runtime)
        assert (outcome.reloaded, outcome.failures) == (1, ())
        assert _emotes(sandbox) == ["dong"]
        npc = sandbox.npc(slot)
        assert (npc.rung, npc.reloads) == (2, 1)  # state kept, on_reload once

        script.write_text("from engine_bridge.api import Npc\n\nclass Bell(Npc:\n")
        outcome = reload_changed_scripts(runtime)
        assert outcome.reloaded == 0
        assert len(outcome.failures) == 1
        assert outcome.failures[0].startswith(f"{script}:3: SyntaxError")
        assert _emotes(sandbox) == ["dong"]  # the last good version runs on
        assert reload_changed_scripts(runtime).failures == ()  # unchanged: not tried again

        script.write_text(VERSION.format(emote="dang"))
        (tmp_path / "gong.py").write_text(VERSION.format(emote="gong").replace("bell", "gong"))
        outcome = reload_changed_scripts(runtime)
        assert (outcome.reloaded, outcome.failures) == (2, ())
        assert "gong" in runtime.defined_kinds
        assert _emotes(sandbox) == ["dang"]
    finally:
        sandbox.close()


def test_the_watchers_late_notice_of_a_loaded_write_reloads_nothing_again(
    tmp_path: Path,
) -> None:
    script = tmp_path / "bell.py"
    script.write_text(VERSION.format(emote="ding"))
    sandbox = Sandbox(script_dirs=[tmp_path], watch=False)
    try:
        runtime = sandbox.runtime
        slot = sandbox.spawn("bell")
        sandbox.step(1)
        script.write_text(VERSION.format(emote="dong"))
        assert reload_changed_scripts(runtime).reloaded == 1
        # The watcher tells of that write only now: it was loaded already.
        runtime.watcher.changes.put((script, time.monotonic()))
        sandbox.step(1)
        assert sandbox.npc(slot).reloads == 1
        # A touch is a new save to the watcher, as before: reloaded.
        stat = script.stat()
        os.utime(script, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        runtime.watcher.changes.put((script, time.monotonic()))
        sandbox.step(1)
        assert sandbox.npc(slot).reloads == 2
    finally:
        sandbox.close()
