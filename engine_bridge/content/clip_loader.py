"""Turns lines into playable clips on a worker thread: a shipped recording is read, a new
text is synthesised (espeak-ng), then normalised to the documented loudness as its monster
will say it (``vocal.loudness``: -23 LUFS at 1 m) and analysed for the voice engine — never
on the game thread, never on the audio thread. Clips are cached by line and archetype, so a
line said twice by one monster is prepared once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

__all__ = ["ClipLoader"]

log = logging.getLogger("aicore.voice")

ClipHandle = tuple[int, int]


class ClipLoader:
    def __init__(
        self,
        bridge: Any,
        lines: dict[str, Any],
        *,
        on_thread_start: Callable[[], None] | None = None,
    ) -> None:
        """``on_thread_start`` runs first on the worker thread (the runtime routes the
        thread's log records to its own sink there: engine_bridge.core.log_routing)."""
        self.bridge = bridge
        self.lines = lines
        self._pool = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="aicore-clips", initializer=on_thread_start
        )
        self._clips: dict[tuple[str, str | None], Future[ClipHandle | None]] = {}
        # The pool starts its thread at the first submit: do it now, on the thread that
        # creates the runtime, with the modules the worker needs imported up front.
        self._pool.submit(_import_loaders).result()

    def clip(self, line: str, archetype: str | None = None) -> Future[ClipHandle | None]:
        """The clip of a shipped line id or a text, as ``archetype`` says it (its loudness
        is set through that archetype's chain; None: the dry line's); prepared once, in the
        background."""
        key = (line, archetype)
        future = self._clips.get(key)
        if future is None:
            future = self._pool.submit(self._load, line, archetype)
            self._clips[key] = future
        return future

    def _load(self, line: str, archetype: str | None) -> ClipHandle | None:
        known = self.lines.get(line)
        if known is not None:
            from vocal.voice_lines import load_line

            samples, rate = load_line(known), known.sample_rate
        else:
            from vocal.tts import synthesize

            samples, rate = synthesize(line)
        from vocal.loudness import normalise_loudness

        samples = normalise_loudness(samples, rate, archetype)
        handle = self.bridge.add_clip(samples, float(rate))
        if handle is None:
            log.warning("no room in the clip bank for %r", line)
        return handle

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _import_loaders() -> None:
    import vocal.loudness
    import vocal.tts
    import vocal.voice_lines  # noqa: F401
