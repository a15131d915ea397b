"""The story as data: beats in quests, gated by flags and earlier beats, completed by engine
events, by flags or by scripts. ``content/story/aethelred.toml`` is the story the game ships.

A story file (TOML) holds::

    title = "Aethelred's — the body broker"
    ending = "the_reckoning"           # the beat that ends the story
    kinds = ["aethelred", "vampire"]   # the NPC kinds a trigger may name (optional)

    [flags]                            # every flag, with its default: a bool, int or str
    knows_of_ledger = false

    [[quest]]                          # quests in the order the journal lists them
    id = "cold_trade"                  # lower_snake_case, unique
    title = "The Cold Trade"
    summary = "Aethelred takes you on."

    [[beat]]                           # beats in the order they happen within their quest
    id = "stock_for_the_cellar"        # lower_snake_case, unique among beats and flags
    quest = "cold_trade"
    title = "Stock for the Cellar"
    summary = "Carry three bodies down to the cold cellar."
    requires = ["the_paupers_field"]   # optional: beats that must be complete and flags
                                       # that must be truthy (true, non-zero, non-empty)
    trigger = {event = "custom", name = "body_delivered", count = 3}
    sets = {knows_of_ledger = true}    # optional: flags set when the beat completes
    next = ["the_ledger"]              # optional: hints for the journal

A beat is *active* while everything it requires holds and it is not complete. Its trigger
says what completes it while it is active:

- ``{event = TYPE}``: an engine event of that type (docs/protocol.md), optionally only a
  custom event of one ``name``, only one involving an NPC of one ``kind``, and only on the
  ``count``-th such event (default 1). Events are counted only while the beat is active.
- ``{flag = NAME}``: the flag is truthy, or with ``value = V`` equals ``V``.
- ``{manual = true}``: a script calls :meth:`Story.complete`.

Completing a beat sets its flags, which may complete flag-triggered beats in turn; then the
hooks of every beat completed run, in order.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self, TypeVar

from engine_bridge.protocol import EVENT_FIELDS

__all__ = [
    "STORY_PATH",
    "Beat",
    "EventTrigger",
    "FlagTrigger",
    "FlagValue",
    "ManualTrigger",
    "Quest",
    "Story",
    "Trigger",
]

STORY_PATH: Path = Path("story") / "aethelred.toml"
"""The shipped story, relative to the content root."""

_SNAPSHOT_VERSION = 1

FlagValue = bool | int | str

_log = logging.getLogger("aicore.story")

_ID_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
_TOP_FIELDS = frozenset({"title", "ending", "kinds", "flags", "quest", "beat"})
_QUEST_FIELDS = frozenset({"id", "title", "summary"})
_BEAT_FIELDS = frozenset({"id", "quest", "title", "summary", "requires", "trigger", "sets", "next"})
_EVENT_TRIGGER_FIELDS = frozenset({"event", "name", "kind", "count"})
_FLAG_TRIGGER_FIELDS = frozenset({"flag", "value"})
_SNAPSHOT_FIELDS = frozenset({"v", "story", "flags", "completed", "counts"})

_HookT = TypeVar("_HookT", bound=Callable[["Story"], object])


@dataclass(frozen=True)
class EventTrigger:
    """Completes a beat on the ``count``-th matching engine event while it is active."""

    event: str
    name: str | None = None
    """Only a custom event of this name."""
    kind: str | None = None
    """Only an event involving an NPC of this kind."""
    count: int = 1

    def matches(self, event: Mapping[str, Any], kind: str | None) -> bool:
        return (
            event.get("type") == self.event
            and (self.name is None or event.get("name") == self.name)
            and (self.kind is None or kind == self.kind)
        )


@dataclass(frozen=True)
class FlagTrigger:
    """Completes a beat as soon as it is active and the flag is truthy (or equals ``value``)."""

    flag: str
    value: FlagValue | None = None

    def holds(self, flags: Mapping[str, FlagValue]) -> bool:
        current = flags[self.flag]
        return bool(current) if self.value is None else current == self.value


@dataclass(frozen=True)
class ManualTrigger:
    """Completes a beat only when a script calls :meth:`Story.complete`."""


Trigger = EventTrigger | FlagTrigger | ManualTrigger


@dataclass(frozen=True)
class Quest:
    id: str
    title: str
    summary: str
    beats: tuple[str, ...]
    """Its beats' ids, in the order they happen."""


@dataclass(frozen=True)
class Beat:
    id: str
    quest: str
    title: str
    summary: str
    requires: tuple[str, ...]
    """Beat ids that must be complete and flag names that must be truthy."""
    trigger: Trigger
    sets: Mapping[str, FlagValue]
    next: tuple[str, ...]
    """Hints: the beats that usually follow."""


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

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Read and check a story file; the story starts with every flag at its default.

        Raises:
            FileNotFoundError: there is no such file.
            ValueError: the file is not valid TOML; a field is missing, unknown or of the
                wrong type; a requires, sets, trigger, next or ending names an undefined
                beat, flag or NPC kind; beats require each other in a cycle; or a quest has
                no beats. The message names the file and the field.
        """
        return cls(**_parse(Path(path)))

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
            raise TypeError(f"flag {name!r} holds {_type_of(default)}, got {value!r}")
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
        finished: list[str] = []
        changed: dict[str, FlagValue] = {}
        for beat_id in self.active():
            beat = self.beats[beat_id]
            trigger = beat.trigger
            # A beat completed a moment ago may have unset a flag this one requires.
            if not isinstance(trigger, EventTrigger) or not self._is_active(beat):
                continue
            if not trigger.matches(event, kind):
                continue
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

    def on_beat(self, beat_id: str) -> Callable[[_HookT], _HookT]:
        """Decorator form of :meth:`add_hook`::

        @story.on_beat("the_ledger")
        def ledger_seen(story): ...
        """
        self._beat(beat_id)

        def register(fn: _HookT) -> _HookT:
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
                except Exception:
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
                    f"{where}: field 'flags': flag {name!r} must be {_type_of(default)}, "
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


# -- loading ---------------------------------------------------------------------------


def _parse(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        try:
            document = tomllib.load(f)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: not valid TOML: {exc}") from exc

    for field in ("title", "ending", "flags", "quest", "beat"):
        if field not in document:
            raise ValueError(f"{path}: field {field!r} is missing")
    extra = set(document) - _TOP_FIELDS
    if extra:
        raise ValueError(f"{path}: unknown top-level field {sorted(extra)[0]!r}")
    title = _text(str(path), "title", document["title"])
    kinds = _kinds(path, document.get("kinds", []))
    flags = _flags(path, document["flags"])

    quests = _quests(path, document["quest"])
    beats = _beats(path, document["beat"], quests, flags, kinds)
    for quest_id, quest in quests.items():
        quest["beats"] = tuple(b.id for b in beats.values() if b.quest == quest_id)
        if not quest["beats"]:
            raise ValueError(
                f"{path}: quest {quest_id!r} has no beats (no [[beat]] has field "
                f"'quest' = {quest_id!r})"
            )
    _check_cycles(path, beats)
    _check_order(path, beats)
    ending = document["ending"]
    if not isinstance(ending, str) or ending not in beats:
        raise ValueError(f"{path}: field 'ending' must name a beat, got {ending!r}")

    return {
        "path": path,
        "title": title,
        "ending": ending,
        "kinds": kinds,
        "flag_defaults": flags,
        "quests": {quest_id: Quest(**quest) for quest_id, quest in quests.items()},
        "beats": beats,
    }


def _quests(path: Path, quest_tables: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(quest_tables, list) or not quest_tables:
        raise ValueError(f"{path}: field 'quest' must be one or more [[quest]] tables")
    quests: dict[str, dict[str, Any]] = {}
    for number, table in enumerate(quest_tables, start=1):
        quest = _quest(path, number, table)
        if quest["id"] in quests:
            raise ValueError(f"{path}: quest {quest['id']!r}: field 'id' repeats an earlier quest")
        quests[quest["id"]] = quest
    return quests


def _beats(
    path: Path,
    beat_tables: Any,
    quests: Mapping[str, Any],
    flags: Mapping[str, FlagValue],
    kinds: frozenset[str],
) -> dict[str, Beat]:
    if not isinstance(beat_tables, list) or not beat_tables:
        raise ValueError(f"{path}: field 'beat' must be one or more [[beat]] tables")
    # Ids first: a beat may require or point to one defined further down.
    beat_ids: list[str] = []
    for number, table in enumerate(beat_tables, start=1):
        where = f"{path}: beat {number}"
        if not isinstance(table, dict):
            raise ValueError(f"{where}: must be a [[beat]] table")
        beat_id = _identifier(where, "id", table.get("id"))
        where = f"{path}: beat {beat_id!r}"
        if beat_id in beat_ids:
            raise ValueError(f"{where}: field 'id' repeats an earlier beat")
        if beat_id in flags:
            raise ValueError(
                f"{where}: field 'id' is also a flag's name; requires could not tell them apart"
            )
        beat_ids.append(beat_id)
    return {
        beat_id: _beat(f"{path}: beat {beat_id!r}", table, quests, set(beat_ids), flags, kinds)
        for beat_id, table in zip(beat_ids, beat_tables, strict=True)
    }


def _type_of(value: FlagValue) -> str:
    return {bool: "a bool", int: "an int", str: "a str"}[type(value)]


def _text(where: str, field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: field {field!r} must be a non-empty string, got {value!r}")
    return value


def _identifier(where: str, field: str, value: Any) -> str:
    if not isinstance(value, str) or not _ID_PATTERN.fullmatch(value):
        raise ValueError(f"{where}: field {field!r} must be lower_snake_case, got {value!r}")
    return value


def _kinds(path: Path, value: Any) -> frozenset[str]:
    if not isinstance(value, list):
        raise ValueError(f"{path}: field 'kinds' must be a list of NPC kinds")
    for kind in value:
        _identifier(str(path), "kinds", kind)
    return frozenset(value)


def _flags(path: Path, value: Any) -> dict[str, FlagValue]:
    if not isinstance(value, dict):
        raise ValueError(f"{path}: field 'flags' must be a [flags] table of name = default")
    for name, default in value.items():
        _identifier(str(path), f"flags.{name}", name)
        if not isinstance(default, bool | int | str):
            raise ValueError(
                f"{path}: field 'flags.{name}' must default to a bool, int or str, got {default!r}"
            )
    return dict(value)


def _quest(path: Path, number: int, table: Any) -> dict[str, Any]:
    where = f"{path}: quest {number}"
    if not isinstance(table, dict):
        raise ValueError(f"{where}: must be a [[quest]] table")
    quest_id = _identifier(where, "id", table.get("id"))
    where = f"{path}: quest {quest_id!r}"
    extra = set(table) - _QUEST_FIELDS
    if extra:
        raise ValueError(f"{where}: unknown field {sorted(extra)[0]!r}")
    return {
        "id": quest_id,
        "title": _text(where, "title", table.get("title")),
        "summary": _text(where, "summary", table.get("summary")),
    }


def _beat(
    where: str,
    table: dict[str, Any],
    quests: Mapping[str, Any],
    beat_ids: set[str],
    flags: Mapping[str, FlagValue],
    kinds: frozenset[str],
) -> Beat:
    for field in ("quest", "title", "summary", "trigger"):
        if field not in table:
            raise ValueError(f"{where}: field {field!r} is missing")
    extra = set(table) - _BEAT_FIELDS
    if extra:
        raise ValueError(f"{where}: unknown field {sorted(extra)[0]!r}")
    quest = table["quest"]
    if not isinstance(quest, str) or quest not in quests:
        raise ValueError(
            f"{where}: field 'quest' names an undefined quest {quest!r} "
            f"(defined: {', '.join(quests)})"
        )

    requires = _names(where, "requires", table.get("requires", []))
    for name in requires:
        if name not in beat_ids and name not in flags:
            raise ValueError(f"{where}: field 'requires' names {name!r}, neither a beat nor a flag")
    next_hints = _names(where, "next", table.get("next", []))
    for name in next_hints:
        if name not in beat_ids:
            raise ValueError(f"{where}: field 'next' names an undefined beat {name!r}")

    sets = table.get("sets", {})
    if not isinstance(sets, dict):
        raise ValueError(f"{where}: field 'sets' must be a table of flag = value")
    for name, value in sets.items():
        _check_flag_value(where, f"sets.{name}", flags, name, value)

    trigger = _trigger(where, table["trigger"], flags, kinds)
    if isinstance(trigger, FlagTrigger) and not requires and trigger.holds(flags):
        raise ValueError(
            f"{where}: field 'trigger' already holds on the flags' defaults, so the beat "
            "would complete before play begins; give it requires or another trigger"
        )
    return Beat(
        id=table["id"],
        quest=quest,
        title=_text(where, "title", table["title"]),
        summary=_text(where, "summary", table["summary"]),
        requires=tuple(requires),
        trigger=trigger,
        sets=MappingProxyType(dict(sets)),
        next=tuple(next_hints),
    )


def _names(where: str, field: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise ValueError(f"{where}: field {field!r} must be a list of names, got {value!r}")
    if len(set(value)) != len(value):
        raise ValueError(f"{where}: field {field!r} repeats a name")
    return value


def _check_flag_value(
    where: str, field: str, flags: Mapping[str, FlagValue], name: str, value: Any
) -> None:
    if name not in flags:
        raise ValueError(
            f"{where}: field {field!r} names an undefined flag {name!r} (declare it in [flags])"
        )
    default = flags[name]
    if type(value) is not type(default):
        raise ValueError(
            f"{where}: field {field!r} must be {_type_of(default)} like the flag's default, "
            f"got {value!r}"
        )


def _trigger(
    where: str, table: Any, flags: Mapping[str, FlagValue], kinds: frozenset[str]
) -> Trigger:
    if not isinstance(table, dict):
        raise ValueError(f"{where}: field 'trigger' must be a table such as {{manual = true}}")
    if "event" in table:
        return _event_trigger(where, table, kinds)
    if "flag" in table:
        extra = set(table) - _FLAG_TRIGGER_FIELDS
        if extra:
            raise ValueError(f"{where}: field 'trigger' has unknown key {sorted(extra)[0]!r}")
        name = table["flag"]
        if not isinstance(name, str) or name not in flags:
            raise ValueError(
                f"{where}: field 'trigger.flag' names an undefined flag {name!r} "
                "(declare it in [flags])"
            )
        if "value" in table:
            _check_flag_value(where, "trigger.value", flags, name, table["value"])
        return FlagTrigger(flag=name, value=table.get("value"))
    if "manual" in table:
        if set(table) != {"manual"} or table["manual"] is not True:
            raise ValueError(f"{where}: field 'trigger' must be exactly {{manual = true}}")
        return ManualTrigger()
    raise ValueError(
        f"{where}: field 'trigger' needs one of 'event', 'flag' or 'manual', got {table!r}"
    )


def _event_trigger(where: str, table: dict[str, Any], kinds: frozenset[str]) -> EventTrigger:
    extra = set(table) - _EVENT_TRIGGER_FIELDS
    if extra:
        raise ValueError(f"{where}: field 'trigger' has unknown key {sorted(extra)[0]!r}")
    event = table["event"]
    if not isinstance(event, str) or event not in EVENT_FIELDS:
        raise ValueError(
            f"{where}: field 'trigger.event' must be one of {', '.join(EVENT_FIELDS)}, "
            f"got {event!r}"
        )
    name = table.get("name")
    if name is not None:
        if event != "custom":
            raise ValueError(f"{where}: field 'trigger.name' is only for custom events")
        _text(where, "trigger.name", name)
    kind = table.get("kind")
    if kind is not None and (not isinstance(kind, str) or kind not in kinds):
        raise ValueError(
            f"{where}: field 'trigger.kind' must be one of the story's kinds "
            f"({', '.join(sorted(kinds))}), got {kind!r}"
        )
    count = table.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(
            f"{where}: field 'trigger.count' must be a positive integer, got {count!r}"
        )
    return EventTrigger(event=event, name=name, kind=kind, count=count)


def _check_order(path: Path, beats: Mapping[str, Beat]) -> None:
    position = {beat_id: index for index, beat_id in enumerate(beats)}
    for beat in beats.values():
        for required in beat.requires:
            other = beats.get(required)
            if other and other.quest == beat.quest and position[required] > position[beat.id]:
                raise ValueError(
                    f"{path}: beat {beat.id!r}: field 'requires' names {required!r}, which "
                    f"comes later in quest {beat.quest!r}; list a quest's beats in the order "
                    "they happen"
                )


def _check_cycles(path: Path, beats: Mapping[str, Beat]) -> None:
    done: set[str] = set()

    def visit(beat_id: str, trail: list[str]) -> None:
        if beat_id in trail:
            cycle = [*trail[trail.index(beat_id) :], beat_id]
            raise ValueError(
                f"{path}: beat {beat_id!r}: field 'requires' makes a cycle: {' -> '.join(cycle)}"
            )
        if beat_id in done:
            return
        trail.append(beat_id)
        for required in beats[beat_id].requires:
            if required in beats:
                visit(required, trail)
        trail.pop()
        done.add(beat_id)

    for beat_id in beats:
        visit(beat_id, [])


def _hook_key(fn: Callable[..., object]) -> tuple[str, str] | None:
    """(module, qualified name) of a named function; None for lambdas and callables."""
    module, name = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not module or not name or "<lambda>" in name:
        return None
    return (module, name)
