"""Turns lines into playable clips on a worker thread: a shipped recording is read, a new
text is synthesised (``vocal.tts``: Flite in-process unless ``AICORE_TTS_BACKEND`` says
otherwise), then normalised to the documented loudness as its monster will say it
(``vocal.loudness``: -23 LUFS at 1 m) and analysed for the voice engine — never on the
game thread, never on the audio thread. Clips are cached by line and archetype, so a
line said twice by one monster is prepared once.

The clips kept are bounded (docs/vocal.md, "Clip memory"): past :data:`CLIP_BUDGET_BYTES`
of samples or :data:`CLIP_BUDGET_COUNT` clips, the least recently asked clip that no line
holds (asked and not yet ended) is retired from the voice engine's bank and forgotten, so
a game whose lines carry changing ``{variables}`` plays for hours in bounded memory; a
forgotten line said again is prepared again."""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from vocal.background_worker import BackgroundWorker

__all__ = ["CLIP_BUDGET_BYTES", "CLIP_BUDGET_COUNT", "ClipLoader", "clip_budget_from_environment"]

log = logging.getLogger("aicore.voice")

ClipHandle = tuple[int, int]
ClipKey = tuple[str, str | None]

CLIP_BUDGET_BYTES = 64 * 1024 * 1024
"""The clips' samples kept by default (float32: about 6 minutes of 48 kHz speech, 17 of
16 kHz); ``AICORE_CLIP_BUDGET_MB`` sets it."""
CLIP_BUDGET_COUNT = 448
"""Clips kept at most: the bank holds 512, and a retired clip keeps its slot until the
voice still playing it has faded out."""
_BUDGET_VARIABLE = "AICORE_CLIP_BUDGET_MB"


def clip_budget_from_environment() -> int:
    """The clips' byte budget: ``AICORE_CLIP_BUDGET_MB`` (megabytes, a number above 0), or
    :data:`CLIP_BUDGET_BYTES`. Raises ValueError naming the variable when it is not one."""
    text = os.environ.get(_BUDGET_VARIABLE, "").strip()
    if not text:
        return CLIP_BUDGET_BYTES
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = float("nan")
    if not megabytes > 0 or megabytes == float("inf"):
        raise ValueError(f"{_BUDGET_VARIABLE}={text!r}: megabytes above 0 expected")
    return int(megabytes * 1024 * 1024)


class ClipLoader:
    """The runtime's clips, each prepared once on the clip worker's thread."""

    def __init__(
        self,
        bridge: Any,
        lines: dict[str, Any],
        *,
        content_root: Path | None = None,
        on_thread_start: Callable[[], None] | None = None,
        budget_bytes: int = CLIP_BUDGET_BYTES,
        budget_count: int = CLIP_BUDGET_COUNT,
    ) -> None:
        """``content_root``: where the voice engine reads the archetype presets, so a
        clip is measured through the chain it plays through (None:
        :func:`vocal.content.content_root`, which a packaged game does not have).
        ``on_thread_start`` runs first on the
        worker thread (the runtime routes the thread's log records to its own sink there:
        engine_bridge.core.log_routing). ``budget_bytes`` and ``budget_count``: the samples
        and clips kept before the least recently asked unheld clip is retired."""
        if budget_bytes <= 0 or budget_count <= 0:
            raise ValueError(
                f"a clip budget above 0 expected, got {budget_bytes} bytes, {budget_count} clips"
            )
        self.bridge = bridge
        self.lines = lines
        self.content_root = content_root
        self.budget_bytes = budget_bytes
        self.budget_count = budget_count
        # The lock guards the three below: clip() and release() run on the game thread,
        # the budget is kept on the worker's.
        self._lock = threading.Lock()
        self._holds: dict[ClipKey, int] = {}
        self._recent: OrderedDict[ClipKey, None] = OrderedDict()  # least recently asked first
        self._kept: dict[ClipKey, tuple[ClipHandle, int]] = {}  # handle, sample bytes
        self._kept_bytes = 0
        self.retired = 0
        """Clips retired to stay within the budget (for tests and metrics)."""
        # Every clip is kept, a failed one too: a line that could not be voiced (a bad
        # file, a failed synthesis) is not read or synthesised again each time it is said.
        self.worker: BackgroundWorker[tuple[str, str | None], ClipHandle | None] = BackgroundWorker(
            self._prepare,
            name="aicore-clips",
            cache_size=None,
            keep_failures=True,
            on_thread_start=on_thread_start,
        )
        # The worker starts its thread at the first work: do it now, on the thread that
        # creates the runtime, with the modules the worker needs imported up front.
        self.worker.call(_import_loaders).result()

    def clip(self, line: str, archetype: str | None = None) -> Future[ClipHandle | None]:
        """The clip of a shipped line id or a text, as ``archetype`` says it (its loudness
        is set through that archetype's chain; None: the dry line's); prepared once, in the
        background. The clip is held (never retired) until :meth:`release` is called for
        it once: when its line has ended, or will not play."""
        key = (line, archetype)
        with self._lock:
            self._holds[key] = self._holds.get(key, 0) + 1
            self._recent[key] = None
            self._recent.move_to_end(key)
        return self.worker.submit(key)

    def release(self, line: str, archetype: str | None = None) -> None:
        """One hold of :meth:`clip` ends: the line ended, or will not be played."""
        key = (line, archetype)
        with self._lock:
            held = self._holds.get(key, 0) - 1
            if held > 0:
                self._holds[key] = held
            else:
                self._holds.pop(key, None)

    def kept(self) -> tuple[int, int]:
        """(clips kept, their samples' bytes)."""
        with self._lock:
            return len(self._kept), self._kept_bytes

    def _prepare(self, key: ClipKey) -> ClipHandle | None:
        return self._load(*key)

    def _make_room(self, incoming: int) -> None:
        """Worker thread: retire the least recently asked unheld clips until one of
        ``incoming`` bytes fits (or nothing unheld is left: the budget is then exceeded
        for as long as those lines play)."""
        with self._lock:
            # A line that got no clip (it failed, or the bank was full) and that no one
            # waits on is not remembered here: lines with changing text must not pile up.
            for key in [k for k in self._recent if k not in self._kept and k not in self._holds]:
                del self._recent[key]
            victims = []
            count, total = len(self._kept), self._kept_bytes
            for key in self._recent:
                if count < self.budget_count and total + incoming <= self.budget_bytes:
                    break
                if key in self._holds or key not in self._kept:
                    continue
                victims.append(key)
                count -= 1
                total -= self._kept[key][1]
            for key in victims:
                handle, size = self._kept.pop(key)
                self._kept_bytes -= size
                del self._recent[key]
                # Forgotten first: a later ask prepares the line again instead of being
                # handed a retired clip.
                self.worker.forget(key)
                self.bridge.retire_clip(handle)
                self.retired += 1
        if victims:
            log.debug("retired %d clip(s) to stay within the clip budget", len(victims))

    def _load(self, line: str, archetype: str | None) -> ClipHandle | None:
        known = self.lines.get(line)
        if known is not None:
            from vocal.voice_lines import load_line

            samples, rate = load_line(known), known.sample_rate
        else:
            from vocal.tts import synthesize

            samples, rate = synthesize(line)
        from vocal.loudness import normalise_loudness

        samples = normalise_loudness(samples, rate, archetype, root=self.content_root)
        size = len(samples) * 4  # the bank stores float32
        self._make_room(size)
        handle = self.bridge.add_clip(samples, float(rate))
        if handle is None:
            log.warning("no room in the clip bank for %r", line)
            return None
        with self._lock:
            self._kept[(line, archetype)] = (handle, size)
            self._kept_bytes += size
        return handle

    def close(self) -> None:
        """Cancel the clips not yet prepared, wait for the one being prepared, stop."""
        self.worker.close()


def _import_loaders() -> None:
    import vocal.loudness
    import vocal.tts
    import vocal.voice_lines  # noqa: F401
