"""What ``aicore doctor`` checks: each part of the machine the runtime needs.

Every check returns a :class:`Check` — it never raises — so one broken part cannot hide
the report on the others.
"""

from __future__ import annotations

import importlib
import logging
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engine_bridge.native import library as native
from vocal.extras import install_hint

if TYPE_CHECKING:
    from engine_bridge.content.systems import ContentSystems

__all__ = ["Check", "content_systems", "run_checks"]


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    ok: bool
    detail: str
    required: bool = True
    system: bool = False
    """A runtime system (dialogue, story...) rather than a part of the machine: one that
    cannot start is reported ``OFF``."""

    @property
    def status(self) -> str:
        if self.ok:
            return "ok"
        if self.system:
            return "OFF"
        return "MISSING" if self.required else "none"


def _python() -> Check:
    v = sys.version_info
    ok = v >= (3, 11)
    detail = f"{v.major}.{v.minor}.{v.micro} at {sys.executable}"
    return Check("python", ok, detail if ok else f"{detail} (3.11 or newer is required)")


def _module_version(name: str, attr: str = "__version__") -> Check:
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        return Check(name, False, f"cannot import: {exc}")
    return Check(name, True, str(getattr(module, attr, "?")))


def _vocal_native() -> Check:
    try:
        from vocal import _native
    except ImportError as exc:
        return Check("vocal._native", False, f"cannot import: {exc}")
    return Check("vocal._native", True, f"{_native.version()} at {_native.__file__}")


def _feature_rows() -> Check:
    """The NPC models' compiled feature rows (without them numpy gathers, ~10x slower)."""
    try:
        from engine_bridge.models import _feature_rows
    except ImportError as exc:
        return Check("models._feature_rows", False, f"cannot import: {exc}")
    return Check("models._feature_rows", True, f"at {_feature_rows.__file__}")


def _libaicore() -> Check:
    try:
        lib = native.load_library()
    except OSError as exc:
        return Check("libaicore", False, str(exc))
    return Check(
        "libaicore",
        True,
        f"{lib.version} (C ABI {lib.api_version}, embeds Python {lib.python_version}) "
        f"at {lib.path}",
    )


def _host() -> Check:
    path = native.host_executable()
    if not path.exists():
        return Check("aicore-host", False, f"{path}: not found")
    try:
        out = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as exc:
        return Check("aicore-host", False, f"{path}: cannot run: {exc}")
    if out.returncode != 0:
        return Check("aicore-host", False, f"{path}: {out.stderr.strip() or out.returncode}")
    return Check("aicore-host", True, f"{out.stdout.strip()} at {path}")


def _onnxruntime() -> Check:
    try:
        import onnxruntime
    except ImportError as exc:
        # An extra (models): a game installed without it plays on scripted decisions.
        hint = install_hint("onnxruntime")
        return Check("onnxruntime", False, f"cannot import: {exc} ({hint})", required=False)
    providers = ", ".join(onnxruntime.get_available_providers())
    return Check("onnxruntime", True, f"{onnxruntime.__version__} ({providers})")


def _zeromq() -> Check:
    try:
        import zmq
    except ImportError as exc:
        # An extra (sync): a game installed without it plays offline.
        hint = install_hint("zmq")
        return Check("zeromq", False, f"cannot import pyzmq: {exc} ({hint})", required=False)
    detail = f"libzmq {zmq.zmq_version()}, pyzmq {zmq.pyzmq_version()}"
    if not zmq.has("curve"):
        return Check("zeromq", False, f"{detail}, but no CURVE security (required by sync)")
    return Check("zeromq", True, f"{detail}, CURVE available")


def _sqlite() -> Check:
    detail = f"SQLite {sqlite3.sqlite_version}"
    try:
        with sqlite3.connect(":memory:") as db:
            db.execute("CREATE VIRTUAL TABLE probe USING fts5(body)")
    except sqlite3.OperationalError as exc:
        return Check("sqlite", False, f"{detail} without FTS5 ({exc})")
    return Check("sqlite", True, f"{detail} with FTS5")


def _soundfile() -> Check:
    try:
        import soundfile
    except (ImportError, OSError) as exc:
        return Check("soundfile", False, f"cannot import: {exc}")
    return Check("soundfile", True, f"{soundfile.__version__} ({soundfile.__libsndfile_version__})")


def _audio_output() -> Check:
    # Optional: tests and the demo write WAV files; playback is a bonus.
    try:
        import sounddevice
    except ImportError as exc:
        detail = f"none (cannot import: {exc}; {install_hint('sounddevice')})"
        return Check("audio output", False, detail, required=False)
    except OSError as exc:
        return Check("audio output", False, f"none (PortAudio unavailable: {exc})", required=False)
    try:
        device = sounddevice.query_devices(kind="output")
    except Exception as exc:  # PortAudio reports "no device" as a generic error
        return Check("audio output", False, f"none ({exc})", required=False)
    return Check("audio output", True, f"{device['name']}", required=False)


def content_systems(content_roots: Sequence[Path] | None = None) -> list[Check]:
    """One line per optional runtime system (voice lines, dialogue, story, knowledge),
    started the way the game starts them over ``content_roots`` (default: the shipped
    content; the lore index in memory): which is off and why, and which content files
    a running system left out."""
    from engine_bridge.content.systems import ContentSystems

    if content_roots is None:
        from vocal.content import content_root

        content_roots = [content_root()]
    # The report below says what the log would: keep the log out of the doctor's output.
    content_log = logging.getLogger("aicore.content")
    was_disabled, content_log.disabled = content_log.disabled, True
    try:
        systems = ContentSystems(content_roots)
    finally:
        content_log.disabled = was_disabled
    try:
        checks = []
        for name, status in systems.status.items():
            label = name.replace("_", " ")
            if not status.on:
                checks.append(
                    Check(label, False, f"off: {status.reason}", required=False, system=True)
                )
                continue
            detail = _system_detail(name, systems)
            if status.errors:
                left_out = "; ".join(f"{e.file}: {e.reason}" for e in status.errors)
                detail += f"; {len(status.errors)} file(s) left out: {left_out}"
            checks.append(Check(label, not status.errors, detail, required=False, system=True))
        return checks
    finally:
        systems.close()


def _system_detail(name: str, systems: ContentSystems) -> str:
    if name == "voice_lines":
        return f"{len(systems.lines)} lines"
    if name == "dialogue" and systems.dialogue is not None:
        return f"tables for {', '.join(sorted(systems.dialogue.kinds()))}"
    if name == "story" and systems.story is not None:
        return f"{len(systems.story.stories)} story file(s): {', '.join(systems.story.stories)}"
    if name == "knowledge" and systems.knowledge is not None:
        return f"{len(systems.knowledge.entries())} lore entries indexed"
    return "on"


CHECKS: tuple[Callable[[], Check], ...] = (
    _python,
    _vocal_native,
    _feature_rows,
    _libaicore,
    _host,
    lambda: _module_version("numpy"),
    _onnxruntime,
    _zeromq,
    _sqlite,
    lambda: _module_version("msgpack"),
    _soundfile,
    _audio_output,
)


def run_checks(content_roots: Sequence[Path] | None = None) -> list[Check]:
    """Run every check, in a fixed order, then start the content systems over
    ``content_roots`` (default: the shipped content)."""
    checks = [check() for check in CHECKS]
    try:
        checks += content_systems(content_roots)
    except Exception as exc:  # the report on the machine must survive a broken runtime
        reason = f"cannot start: {type(exc).__name__}: {exc}"
        checks.append(Check("content", False, reason, required=False, system=True))
    return checks
