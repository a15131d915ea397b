"""Turns lines into playable clips on a worker thread: a shipped recording is read, a new
text is synthesised (``vocal.tts``: Flite in-process unless ``AICORE_TTS_BACKEND`` says
otherwise), then normalised to the documented loudness as its monster will say it
(``vocal.loudness``: -23 LUFS at 1 m) and analysed for the voice engine — never on the
game thread, never on the audio thread. Clips are cached by line and archetype, so a
line said twice by one monster is prepared once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from vocal.background_worker import BackgroundWorker

__all__ = ["ClipLoader"]

log = logging.getLogger("aicore.voice")

ClipHandle = tuple[int, int]


class ClipLoader:
    """The runtime's clips, each prepared once on the clip worker's thread."""

    def __init__(
        self,
        bridge: Any,
        lines: dict[str, Any],
        *,
        content_root: Path | None = None,
        on_thread_start: Callable[[], None] | None = None,
    ) -> None:
        """``content_root``: where the voice engine reads the archetype presets, so a
        clip is measured through the chain it plays through (None:
        :func:`vocal.content.content_root`, which a packaged game does not have).
        ``on_thread_start`` runs first on the
        worker thread (the runtime routes the thread's log records to its own sink there:
        engine_bridge.core.log_routing)."""
        self.bridge = bridge
        self.lines = lines
        self.content_root = content_root
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
        background."""
        return self.worker.submit((line, archetype))

    def _prepare(self, key: tuple[str, str | None]) -> ClipHandle | None:
        return self._load(*key)

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
        handle = self.bridge.add_clip(samples, float(rate))
        if handle is None:
            log.warning("no room in the clip bank for %r", line)
        return handle

    def close(self) -> None:
        """Cancel the clips not yet prepared, wait for the one being prepared, stop."""
        self.worker.close()


def _import_loaders() -> None:
    import vocal.loudness
    import vocal.tts
    import vocal.voice_lines  # noqa: F401
