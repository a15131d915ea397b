"""One play-through of a story: its flags, completed beats, event counts and hooks, and
the rules by which beats become active and complete (:class:`Story`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self, TypeVar

from engine_bridge.content.story.loading import read_story
from engine_bridge.content.story.model import (
    Beat,
    EventTrigger,
    FlagTrigger,
    FlagValue,
    Quest,
    type_of,
)

__all__ = ["HookT", "Story"]

_SNAPSHOT_VERSION = 1
_SNAPSHOT_FIELDS = frozenset({"v", "story", "flags", "completed", "counts"})

_log = logging.getLogger("aicore.story")

HookT = TypeVar("HookT", bound=Callable[["Story"], object])
"""A story hook: called with the story when its beat completes."""


class Story:
    """One play-through of a loaded story: its flags, completed beats and hooks.

    Build it with :meth:`Story.load`. Not thread-safe: the game thread owns it.
    """

    def __init__(
        self,
        *,
        path: Path,
        title: str,
        ending: str,
        kinds: frozenset[str],
        flag_defaults: Mapping[str, FlagValue],
        quests: Mapping[str, Quest],
        beats: Mapping[str, Beat],
    ) -> None:
        self.path = path
        self.title = title
        self.ending = ending
        """The id of the beat that ends the story."""
        self.kinds = kinds
        self.quests: Mapping[str, Quest] = MappingProxyType(dict(quests))
        self.beats: Mapping[str, Beat] = MappingProxyType(dict(beats))
        self.flag_defaults: Mapping[str, FlagValue] = MappingProxyType(dict(flag_defaults))
        self._flags: dict[str, FlagValue] = dict(flag_defaults)
        self._completed: list[str] = []
        self._done: set[str] = set()
        self._counts: dict[str, int] = {}
        self._hooks: dict[str, list[Callable[[Story], object]]] = {}
        # The beats an engine event of each type can count toward, in quest order: an
        # event is matched against those, not against every beat (observe runs for each
        # event of every frame).
        self._by_event: dict[str, tuple[Beat, ...]] = {}
        for beat in self.beats.values():
            if isinstance(beat.trigger, EventTrigger):
                event_type = beat.trigger.event
                self._by_event[event_type] = (*self._by_event.get(event_type, ()), beat)

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Read and check a story file; the story starts with every flag at its default.

        Raises:
            FileNotFoundError: there is no such file.
            ContentError: (a ``ValueError``) the file is not valid TOML; a field is missing,
                unknown or of the wrong type; a requires, sets, trigger, next or ending names
                an undefined beat, flag or NPC kind; beats require each other in a cycle;
                or a quest has no beats. It names the file and the field.
        """
        story, _file = read_story(Path(path))
        return cls(**story)

    # -- state ------------------------------------------------------------------------

    @property
    def flags(self) -> dict[str, FlagValue]:
        """A copy of every flag's current value; change one with :meth:`set_flag`."""
        return dict(self._flags)

    @property
    def completed(self) -> list[str]:
        """The ids of the completed beats, in the order they completed."""
        return list(self._completed)

    @property
    def ended(self) -> bool:
        return self.ending in self._done

    def flag(self, name: str) -> FlagValue:
        self._check_flag(name)
        return self._flags[name]

    def active(self) -> list[str]:
        """The ids of the beats whose requirements hold and that are not complete, in quest
        order."""
        return [beat_id for beat_id, beat in self.beats.items() if self._is_active(beat)]

    def progress(self) -> dict[str, dict[str, Any]]:
        """Per quest id: ``title``, ``done`` and ``total`` beats, and ``current`` (the titles
        of its active beats)."""
        return {
            quest.id: {
                "title": quest.title,
                "done": sum(beat_id in self._done for beat_id in quest.beats),
                "total": len(quest.beats),
                "current": [
                    self.beats[beat_id].title
                    for beat_id in quest.beats
                    if self._is_active(self.beats[beat_id])
                ],
            }
            for quest in self.quests.values()
        }

    # -- changes ----------------------------------------------------------------------

    def set_flag(self, name: str, value: FlagValue) -> list[str]:
        """Set a flag; returns the ids of the flag-triggered beats this completed.

        Raises:
            KeyError: the story declares no such flag (the message lists those it does).
            TypeError: ``value`` is not of the type of the flag's default.
        """
        self._check_flag(name)
        default = self.flag_defaults[name]
        # type(), not isinstance(): True is an int in Python, but a flag is not a count.
        if type(value) is not type(default):
            raise TypeError(f"flag {name!r} holds {type_of(default)}, got {value!r}")
        self._flags[name] = value
        finished: list[str] = []
        self._cascade(finished, {})
        self._run_hooks(finished)
        return finished

    def complete(self, beat_id: str) -> dict[str, FlagValue]:
        """Complete an active beat, whatever its trigger (usually a manual one).

        Returns the flags set by it and by the flag-triggered beats it completed in turn.
        A beat that is not active (already complete, or still waiting on its requirements)
        is left alone and ``{}`` returned: scripts may call this whenever the moment comes.

        Raises:
            KeyError: there is no such beat.
        """
        beat = self._beat(beat_id)
        if not self._is_active(beat):
            _log.debug("story: beat %r is not active; not completed", beat_id)
            return {}
        finished: list[str] = []
        changed: dict[str, FlagValue] = {}
        self._finish(beat, finished, changed)
        self._cascade(finished, changed)
        self._run_hooks(finished)
        return changed

    def observe(self, event: Mapping[str, Any], *, kind: str | None = None) -> list[str]:
        """Feed one engine event (a decoded message of docs/protocol.md) to the triggers.

        ``kind`` is the kind of the NPC involved, when known. The event counts once toward
        each beat that is active when it arrives and whose trigger it matches. Returns the
        ids of the beats it completed, then of the flag-triggered beats those completed.
        """
        if not isinstance(event, Mapping):
            raise TypeError(f"an event is a map, got {type(event).__name__}")
        event_type = event.get("type")
        candidates = self._by_event.get(event_type) if isinstance(event_type, str) else None
        if not candidates:
            return []
        finished: list[str] = []
        changed: dict[str, FlagValue] = {}
        # The beats active when the event arrives; one a beat completed a moment ago
        # activates waits for the next event.
        for beat in [b for b in candidates if self._is_active(b)]:
            trigger = beat.trigger
            assert isinstance(trigger, EventTrigger)  # _by_event holds event-triggered beats
            # A beat completed a moment ago may have unset a flag this one requires.
            if not self._is_active(beat) or not trigger.matches(event, kind):
                continue
            beat_id = beat.id
            seen = self._counts.get(beat_id, 0) + 1
            if seen >= trigger.count:
                self._finish(beat, finished, changed)
            else:
                self._counts[beat_id] = seen
        if finished:
            self._cascade(finished, changed)
            self._run_hooks(finished)
        return finished

    # -- hooks ------------------------------------------------------------------------

    def add_hook(self, beat_id: str, fn: Callable[[Story], object]) -> None:
        """Call ``fn(story)`` when ``beat_id`` completes, once its flags are set and the
        beats they trigger are complete too. A hook added after its beat completed never runs.

        Adding the same function twice adds it once, and a function with the same module and
        qualified name replaces the earlier one: a hot-reloaded script's hook takes the place
        of its old version instead of running beside it. A hook that raises is logged and the
        story goes on: a script cannot break the story.

        Raises:
            KeyError: there is no such beat.
        """
        self._beat(beat_id)
        hooks = self._hooks.setdefault(beat_id, [])
        key = _hook_key(fn)
        hooks[:] = [h for h in hooks if h is not fn and (key is None or _hook_key(h) != key)]
        hooks.append(fn)

    def on_beat(self, beat_id: str) -> Callable[[HookT], HookT]:
        """Decorator form of :meth:`add_hook`::

        @story.on_beat("the_ledger")
        def ledger_seen(story): ...
        """
        self._beat(beat_id)

        def register(fn: HookT) -> HookT:
            self.add_hook(beat_id, fn)
            return fn

        return register

    # -- saves ------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The play-through's state as plain JSON-serialisable data, for a save."""
        return {
            "v": _SNAPSHOT_VERSION,
            "story": self.title,
            "flags": dict(self._flags),
            "completed": list(self._completed),
            "counts": dict(self._counts),
        }

    def restore(self, snapshot: Mapping[str, Any]) -> None:
        """Replace the state with a :meth:`snapshot`'s, after checking it fits this story.

        A flag the snapshot lacks takes its default, so saves survive a story update that
        adds flags. Hooks are not run.

        Raises:
            ValueError: the snapshot is of another version or story, names an unknown flag
                or beat, holds a flag of the wrong type, repeats a beat, lists a beat before
                one it requires, or holds an impossible count. Nothing is changed then.
        """
        where = f"{self.path}: snapshot"
        if not isinstance(snapshot, Mapping):
            raise ValueError(f"{where}: must be a map, got {type(snapshot).__name__}")
        missing = _SNAPSHOT_FIELDS - set(snapshot)
        if missing:
            raise ValueError(f"{where}: field {sorted(missing)[0]!r} is missing")
        extra = set(snapshot) - _SNAPSHOT_FIELDS
        if extra:
            raise ValueError(f"{where}: unknown field {sorted(extra)[0]!r}")
        if snapshot["v"] != _SNAPSHOT_VERSION:
            raise ValueError(
                f"{where}: field 'v' is {snapshot['v']!r}; this runtime reads {_SNAPSHOT_VERSION}"
            )
        if snapshot["story"] != self.title:
            raise ValueError(f"{where}: field 'story' is {snapshot['story']!r}, not {self.title!r}")
        flags = self._restored_flags(where, snapshot["flags"])
        completed = self._restored_completed(where, snapshot["completed"])
        counts = self._restored_counts(where, snapshot["counts"], set(completed))
        self._flags = flags
        self._completed = completed
        self._done = set(completed)
        self._counts = counts

    # -- private ----------------------------------------------------------------------

    def _beat(self, beat_id: str) -> Beat:
        try:
            return self.beats[beat_id]
        except KeyError:
            raise KeyError(f"no beat {beat_id!r} in {self.path.name}") from None

    def _check_flag(self, name: str) -> None:
        if name not in self._flags:
            raise KeyError(f"no flag {name!r} in {self.path.name}; known: {', '.join(self._flags)}")

    def _holds(self, requirement: str) -> bool:
        if requirement in self.beats:
            return requirement in self._done
        return bool(self._flags[requirement])

    def _is_active(self, beat: Beat) -> bool:
        return beat.id not in self._done and all(map(self._holds, beat.requires))

    def _finish(self, beat: Beat, finished: list[str], changed: dict[str, FlagValue]) -> None:
        self._completed.append(beat.id)
        self._done.add(beat.id)
        self._counts.pop(beat.id, None)
        self._flags.update(beat.sets)
        changed.update(beat.sets)
        finished.append(beat.id)
        _log.info("story: beat %r complete", beat.id)

    def _cascade(self, finished: list[str], changed: dict[str, FlagValue]) -> None:
        # Each completion may activate or satisfy others, so look again after every one.
        while True:
            for beat_id in self.active():
                beat = self.beats[beat_id]
                if isinstance(beat.trigger, FlagTrigger) and beat.trigger.holds(self._flags):
                    self._finish(beat, finished, changed)
                    break
            else:
                return

    def _run_hooks(self, finished: list[str]) -> None:
        # Hooks run once the story has settled, so each sees a consistent state and may
        # itself set flags or complete beats.
        for beat_id in finished:
            for hook in list(self._hooks.get(beat_id, ())):
                try:
                    hook(self)
                except (Exception, SystemExit, KeyboardInterrupt):  # not a budget interrupt
                    _log.exception(
                        "story: hook %s for beat %r raised; the story goes on",
                        getattr(hook, "__qualname__", repr(hook)),
                        beat_id,
                    )

    def _restored_flags(self, where: str, value: Any) -> dict[str, FlagValue]:
        if not isinstance(value, Mapping):
            raise ValueError(f"{where}: field 'flags' must be a map of flag names to values")
        flags = dict(self.flag_defaults)
        for name, flag_value in value.items():
            if name not in flags:
                raise ValueError(f"{where}: field 'flags' names an unknown flag {name!r}")
            default = self.flag_defaults[name]
            if type(flag_value) is not type(default):
                raise ValueError(
                    f"{where}: field 'flags': flag {name!r} must be {type_of(default)}, "
                    f"got {flag_value!r}"
                )
            flags[name] = flag_value
        return flags

    def _restored_completed(self, where: str, value: Any) -> list[str]:
        if not isinstance(value, list):
            raise ValueError(f"{where}: field 'completed' must be a list of beat ids")
        seen: set[str] = set()
        for beat_id in value:
            if not isinstance(beat_id, str) or beat_id not in self.beats:
                raise ValueError(f"{where}: field 'completed' names an unknown beat {beat_id!r}")
            if beat_id in seen:
                raise ValueError(f"{where}: field 'completed' repeats beat {beat_id!r}")
            for required in self.beats[beat_id].requires:
                if required in self.beats and required not in seen:
                    raise ValueError(
                        f"{where}: field 'completed' lists beat {beat_id!r} before "
                        f"{required!r}, which it requires"
                    )
            seen.add(beat_id)
        return list(value)

    def _restored_counts(self, where: str, value: Any, completed: set[str]) -> dict[str, int]:
        if not isinstance(value, Mapping):
            raise ValueError(f"{where}: field 'counts' must be a map of beat ids to counts")
        counts: dict[str, int] = {}
        for beat_id, count in value.items():
            beat = self.beats.get(beat_id)
            if beat is None or not isinstance(beat.trigger, EventTrigger):
                raise ValueError(
                    f"{where}: field 'counts' names {beat_id!r}, which is not an "
                    "event-triggered beat"
                )
            if beat_id in completed:
                raise ValueError(
                    f"{where}: field 'counts' counts beat {beat_id!r}, which is complete"
                )
            limit = beat.trigger.count
            if isinstance(count, bool) or not isinstance(count, int) or not 0 < count < limit:
                raise ValueError(
                    f"{where}: field 'counts': beat {beat_id!r} must have a count from 1 to "
                    f"{limit - 1}, got {count!r}"
                )
            counts[beat_id] = count
        return counts


def _hook_key(fn: Callable[..., object]) -> tuple[str, str] | None:
    """(module, qualified name) of a named function; None for lambdas and callables."""
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not module or not name or "<lambda>" in name:
        return None
    return (module, name)
