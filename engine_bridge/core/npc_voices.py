"""What NPCs say, heard: subtitles as ``say`` commands, clips played by the voice engine,
dialogue tables chosen from, and the voice engine's line events back as NPC events.

Clips are prepared on the clip loader's worker (``engine_bridge.content.clip_loader``) and
started between frames once ready; a line that cannot be voiced still showed its subtitle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from engine_bridge.api import Event, Npc
from engine_bridge.content.clip_loader import (
    CLIP_BUDGET_BYTES,
    ClipKey,
    ClipLoader,
    clip_budget_from_environment,
)
from engine_bridge.scripting.npc_memory import Memorable
from engine_bridge.scripting.services import Voice

if TYPE_CHECKING:
    from engine_bridge.content.dialogue import DialogueTables
    from engine_bridge.core.scheduler import Scheduler

__all__ = ["AudioBridge", "NpcVoices"]

log = logging.getLogger("aicore.runtime")


class AudioBridge(Protocol):
    """What the runtime needs from the native voice engine (the bridge's ``Bridge``)."""

    def add_clip(self, samples: Any, sample_rate: float) -> tuple[int, int] | None: ...

    def play_clip(
        self,
        clip: tuple[int, int],
        archetype: str,
        position: tuple[float, float, float],
        intensity: float,
        priority: int,
        seed: int,
    ) -> int: ...

    def line_events(self) -> list[tuple[str, int, int]]: ...

    def retire_clip(self, clip: tuple[int, int]) -> None: ...

    def clip_count(self) -> int: ...


class NpcVoices:
    """The ``say`` and ``speak`` of one runtime's NPCs (:attr:`service`), over its
    ``scheduler``, voice ``lines``, ``dialogue`` tables and ``audio`` (None: subtitles only)."""

    def __init__(
        self,
        scheduler: Scheduler,
        audio: AudioBridge | None,
        lines: dict[str, Any],
        dialogue: DialogueTables | None,
        *,
        content_root: Path | None = None,
        on_thread_start: Callable[[], None] | None = None,
    ) -> None:
        """``content_root``: the root the voice engine reads its archetype presets from
        (the clips are normalised through them)."""
        self._scheduler = scheduler
        self.audio = audio
        self.lines = lines
        self.dialogue = dialogue
        self._voicing: dict[int, tuple[int, ClipKey]] = {}  # voice id -> NPC slot, its clip
        self._speech: list[tuple[Npc, ClipKey, Future[Any], float | None]] = []
        self._clips: ClipLoader | None = None
        if audio is not None and hasattr(audio, "add_clip"):
            # Started here, not at the first say(): a thread started inside a handler could
            # be hit by that handler's budget interrupt before it runs (CPython raises it by
            # thread id, which a new thread shares with its creator until it starts), and
            # Thread.start() would then wait for it forever. Its imports happen now too, not
            # in the middle of a frame.
            try:
                budget = clip_budget_from_environment()
            except ValueError as exc:
                log.error("%s; the default clip budget is used", exc)
                budget = CLIP_BUDGET_BYTES
            self._clips = ClipLoader(
                audio,
                lines,
                content_root=content_root,
                on_thread_start=on_thread_start,
                budget_bytes=budget,
            )

    @property
    def playing(self) -> dict[int, int]:
        """The voices playing a line now: voice id -> the speaking NPC's slot."""
        return {voice: slot for voice, (slot, _) in self._voicing.items()}

    @property
    def clip_loader(self) -> ClipLoader | None:
        """The clip loader (None without a voice engine): its budget and what it keeps."""
        return self._clips

    @property
    def service(self) -> Voice:
        """The NPCs' voice service (``NpcServices.voice``)."""
        return Voice(say=self.say, speak=self.speak)

    def say(self, npc: Npc, line: str, intensity: float | None) -> None:
        """The subtitle now; the clip (loaded, or synthesised for new text, on the clip
        worker) started by :meth:`start_ready_lines` once ready."""
        known = self.lines.get(line)
        text = known.text if known is not None else line
        command: dict[str, Any] = {"type": "say", "npc": npc.slot, "text": text}
        if known is not None:
            command["line"] = line
        self._scheduler.emit(command)
        if self._clips is None or not type(npc).archetype:  # no voice engine, or a human
            return
        key = (line, str(type(npc).archetype))
        self._speech.append((npc, key, self._clips.clip(*key), intensity))

    def speak(self, npc: Npc, topic: str, variables: dict[str, Memorable]) -> bool:
        """Say the line the dialogue tables choose for ``npc`` on ``topic``; False when no
        line fits (or its kind has no table)."""
        tables = self.dialogue
        if tables is None or npc.kind not in tables.kinds():
            return False  # a kind without a dialogue table has nothing to say
        story = self._scheduler.story
        flags = frozenset(k for k, v in (story.flags.items() if story else ()) if v)
        line = tables.choose(
            npc.kind,
            topic,
            mood=npc.mood,
            flags=flags,
            memory=self._scheduler.memory.view(npc.slot),
            variables=variables,
        )
        if line is None:
            return False
        self.say(npc, line.voice_line or line.text, None)
        return True

    def start_ready_lines(self, frame: int) -> None:
        """Play the clips prepared since the last frame (seeded by ``frame`` and slot)."""
        clips = self._clips
        if clips is None:  # no voice engine: say() queued nothing
            return
        pending, self._speech = self._speech, []
        for npc, key, future, intensity in pending:
            if not future.done():
                self._speech.append((npc, key, future, intensity))
                continue
            try:
                handle = future.result()
            except Exception as exc:  # synthesis failed or a bad file: the subtitle still showed
                log.warning("a line could not be voiced: %s", exc)
                clips.release(*key)
                continue
            if handle is None or npc.slot not in self._scheduler.npcs:
                clips.release(*key)
                continue
            voice = self.audio.play_clip(  # type: ignore[union-attr]
                handle,
                str(type(npc).archetype),
                npc.position,
                -1.0 if intensity is None else float(intensity),
                0,
                frame * 1024 + npc.slot,
            )
            if voice > 0:
                self._voicing[voice] = (npc.slot, key)
            else:
                clips.release(*key)

    def line_events(self) -> list[Event]:
        """The voice engine's finished, stolen and rejected lines as ``line_finished``
        events to their NPCs."""
        if self.audio is None:
            return []
        out = []
        for kind, voice, sample in self.audio.line_events():
            if kind not in ("finished", "stolen", "rejected"):
                continue
            ended = self._voicing.pop(voice, None)
            if ended is None:
                continue
            slot, key = ended
            if self._clips is not None:
                self._clips.release(*key)
            out.append(
                Event("line_finished", slot, {"voice": voice, "how": kind, "sample": sample})
            )
        return out

    def close(self) -> None:
        """Stop the clip worker."""
        if self._clips is not None:
            self._clips.close()
