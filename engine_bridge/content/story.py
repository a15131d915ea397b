"""The story as data: beats in quests, gated by flags and earlier beats, completed by engine
events, by flags or by scripts. ``content/story/aethelred.toml`` is the story the game ships;
every ``story/*.toml`` of every content root loads, and :class:`StoryBook` is them all.

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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self, TypeVar

from engine_bridge.content.layers import (
    ContentError,
    layered_files,
    normalize_roots,
    toml_error_line,
)
from engine_bridge.protocol.messages import EVENT_FIELDS

__all__ = [
    "STORY_DIR",
    "STORY_PATH",
    "Beat",
    "EventTrigger",
    "FlagTrigger",
    "FlagValue",
    "ManualTrigger",
    "Quest",
    "Story",
    "StoryBook",
    "Trigger",
]

STORY_DIR: Path = Path("story")
"""Where the story files live, relative to the content root; every ``*.toml`` loads."""

STORY_PATH: Path = STORY_DIR / "aethelred.toml"
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
            ContentError: (a ``ValueError``) the file is not valid TOML; a field is missing,
                unknown or of the wrong type; a requires, sets, trigger, next or ending names
                an undefined beat, flag or NPC kind; beats require each other in a cycle;
                or a quest has no beats. It names the file and the field.
        """
        path = Path(path)
        try:
            return cls(**_parse(path))
        except _StoryError as exc:
            raise ContentError(
                path, exc.reason, field=exc.field, line=exc.line, table_id=exc.table_id
            ) from exc

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


class StoryBook:
    """Every story the game loaded, one per ``story/*.toml`` over the content roots, seen
    as one: this is ``self.story`` in a script.

    Flag and beat names are unique across the stories, so each call goes to the story that
    declares the name: ``self.story.flag("full_moon")``, ``self.story.set_flag(name,
    value)``, ``self.story.complete(beat)``, ``self.story.add_hook(beat, fn)``. Every engine
    event is fed to every story. Build it with :meth:`load`.
    """

    def __init__(self, stories: Mapping[str, Story], errors: Iterable[ContentError] = ()) -> None:
        self.stories: Mapping[str, Story] = MappingProxyType(dict(stories))
        """Each loaded story by its file's name without ``.toml`` (``"aethelred"``)."""
        self.errors: tuple[ContentError, ...] = tuple(errors)
        """The story files that did not load, one error each; every other file did."""
        self._by_name: dict[str, Story] = {}
        for story in self.stories.values():
            for name in (*story.flag_defaults, *story.beats, *story.quests):
                self._by_name.setdefault(name, story)
        # Scripts probe for flags and catch the KeyError every tick: keep that path cheap.
        self._known = {
            "flag": ", ".join(sorted(f for s in self.stories.values() for f in s.flag_defaults)),
            "beat": ", ".join(sorted(b for s in self.stories.values() for b in s.beats)),
        }

    @classmethod
    def load(cls, *content_roots: str | Path) -> StoryBook:
        """Load every ``story/*.toml`` of ``content_roots`` (a later root's file replaces
        an earlier root's file of the same name; other files are added).

        A file that does not load — see :meth:`Story.load`, or it declares a flag, beat or
        quest another loaded story already has — is left out, with one
        :class:`ContentError` in :attr:`errors`. The other stories load.

        Raises:
            FileNotFoundError: no content root has a story file.
        """
        roots = normalize_roots(content_roots)
        files = layered_files(roots, STORY_DIR)
        if not files:
            shown = ", ".join(str(root / STORY_DIR) for root in roots)
            raise FileNotFoundError(f"{shown}: no story file in the content root")
        stories: dict[str, Story] = {}
        owners: dict[str, Story] = {}
        errors: list[ContentError] = []
        for name, (_root, path) in files.items():
            try:
                story = Story.load(path)
                _check_unique(story, owners)
            except ContentError as exc:
                errors.append(exc)
                continue
            for declared in (*story.flag_defaults, *story.beats, *story.quests):
                owners[declared] = story
            stories[name.removesuffix(".toml")] = story
        return cls(stories, errors)

    # -- state, across every story -----------------------------------------------------

    @property
    def flags(self) -> dict[str, FlagValue]:
        """A copy of every story's flags and their current values."""
        merged: dict[str, FlagValue] = {}
        for story in self.stories.values():
            merged.update(story.flags)
        return merged

    @property
    def beats(self) -> Mapping[str, Beat]:
        """Every story's beats by id."""
        return MappingProxyType({k: v for s in self.stories.values() for k, v in s.beats.items()})

    @property
    def quests(self) -> Mapping[str, Quest]:
        """Every story's quests by id."""
        return MappingProxyType({k: v for s in self.stories.values() for k, v in s.quests.items()})

    @property
    def completed(self) -> list[str]:
        """The completed beats of every story (each story's in the order they completed)."""
        return [beat for story in self.stories.values() for beat in story.completed]

    @property
    def ended(self) -> bool:
        """Whether every story reached its ending."""
        return bool(self.stories) and all(story.ended for story in self.stories.values())

    def flag(self, name: str) -> FlagValue:
        """The current value of the flag ``name``, whichever story declares it.

        Raises:
            KeyError: no story declares it (the message lists the flags there are).
        """
        return self._owner(name, "flag").flag(name)

    def active(self) -> list[str]:
        """Every story's active beats."""
        return [beat for story in self.stories.values() for beat in story.active()]

    def progress(self) -> dict[str, dict[str, Any]]:
        """Every story's :meth:`Story.progress`, merged (quest ids are unique)."""
        merged: dict[str, dict[str, Any]] = {}
        for story in self.stories.values():
            merged.update(story.progress())
        return merged

    # -- changes -----------------------------------------------------------------------

    def set_flag(self, name: str, value: FlagValue) -> list[str]:
        """:meth:`Story.set_flag` on the story that declares ``name``."""
        return self._owner(name, "flag").set_flag(name, value)

    def complete(self, beat_id: str) -> dict[str, FlagValue]:
        """:meth:`Story.complete` on the story that has ``beat_id``."""
        return self._owner(beat_id, "beat").complete(beat_id)

    def observe(self, event: Mapping[str, Any], *, kind: str | None = None) -> list[str]:
        """Feed one engine event to every story; the beats it completed, story by story."""
        return [beat for story in self.stories.values() for beat in story.observe(event, kind=kind)]

    def add_hook(self, beat_id: str, fn: Callable[[Story], object]) -> None:
        """:meth:`Story.add_hook` on the story that has ``beat_id``."""
        self._owner(beat_id, "beat").add_hook(beat_id, fn)

    def on_beat(self, beat_id: str) -> Callable[[_HookT], _HookT]:
        """:meth:`Story.on_beat` on the story that has ``beat_id``."""
        return self._owner(beat_id, "beat").on_beat(beat_id)

    # -- saves -------------------------------------------------------------------------

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Each story's :meth:`Story.snapshot`, by story name."""
        return {name: story.snapshot() for name, story in self.stories.items()}

    def restore(self, snapshot: Mapping[str, Mapping[str, Any]]) -> None:
        """:meth:`Story.restore` for each story the snapshot has; a story it lacks (one
        added since the save) starts from its defaults.

        Raises:
            ValueError: the snapshot names a story that is not loaded, or one story's
                snapshot does not fit it (see :meth:`Story.restore`).
        """
        unknown = set(snapshot) - set(self.stories)
        if unknown:
            raise ValueError(f"snapshot: names no loaded story {sorted(unknown)[0]!r}")
        for name, story in self.stories.items():
            if name in snapshot:
                story.restore(snapshot[name])

    def _owner(self, name: str, what: str) -> Story:
        story = self._by_name.get(name)
        if story is None or name not in (story.flag_defaults if what == "flag" else story.beats):
            raise KeyError(f"no {what} {name!r} in any story; known: {self._known[what]}")
        return story


def _check_unique(story: Story, owners: Mapping[str, Story]) -> None:
    for field, names in (
        ("flags", story.flag_defaults),
        ("beat", story.beats),
        ("quest", story.quests),
    ):
        for name in names:
            other = owners.get(name)
            if other is not None:
                raise ContentError(
                    story.path,
                    f"{field} {name!r}: the name is already taken by {other.path}; flag, beat "
                    "and quest names are unique across the stories",
                    field=f"flags.{name}" if field == "flags" else field,
                )


# -- loading ---------------------------------------------------------------------------


class _StoryError(Exception):
    """A story file's problem while it is parsed; :meth:`Story.load` raises it as a
    :class:`ContentError` with the file."""

    def __init__(self, reason: str, field: str | None, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.line = line
        self.table_id: str | None = None  # the beat or quest, set where it is known


def _parse(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        try:
            document = tomllib.load(f)
        except tomllib.TOMLDecodeError as exc:
            raise _StoryError(f"not valid TOML: {exc}", None, toml_error_line(exc)) from exc

    for field in ("title", "ending", "flags", "quest", "beat"):
        if field not in document:
            raise _StoryError(f"field {field!r} is missing", field)
    extra = set(document) - _TOP_FIELDS
    if extra:
        raise _StoryError(f"unknown top-level field {sorted(extra)[0]!r}", sorted(extra)[0])
    title = _text("top level", "title", document["title"])
    kinds = _kinds(path, document.get("kinds", []))
    flags = _flags(path, document["flags"])

    quests = _quests(path, document["quest"])
    beats = _beats(path, document["beat"], quests, flags, kinds)
    for quest_id, quest in quests.items():
        quest["beats"] = tuple(b.id for b in beats.values() if b.quest == quest_id)
        if not quest["beats"]:
            raise _StoryError(
                f"quest {quest_id!r} has no beats (no [[beat]] has field 'quest' = {quest_id!r})",
                "quest",
            )
    _check_cycles(path, beats)
    _check_order(path, beats)
    ending = document["ending"]
    if not isinstance(ending, str) or ending not in beats:
        raise _StoryError(f"field 'ending' must name a beat, got {ending!r}", "ending")

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
        raise _StoryError("field 'quest' must be one or more [[quest]] tables", "quest")
    quests: dict[str, dict[str, Any]] = {}
    for number, table in enumerate(quest_tables, start=1):
        try:
            quest = _quest(path, number, table)
        except _StoryError as exc:
            if isinstance(table, dict) and isinstance(table.get("id"), str):
                exc.table_id = table["id"]
            raise
        if quest["id"] in quests:
            raise _StoryError(f"quest {quest['id']!r}: field 'id' repeats an earlier quest", "id")
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
        raise _StoryError("field 'beat' must be one or more [[beat]] tables", "beat")
    # Ids first: a beat may require or point to one defined further down.
    beat_ids: list[str] = []
    for number, table in enumerate(beat_tables, start=1):
        where = f"beat {number}"
        if not isinstance(table, dict):
            raise _StoryError(f"{where}: must be a [[beat]] table", None)
        beat_id = _identifier(where, "id", table.get("id"))
        where = f"beat {beat_id!r}"
        if beat_id in beat_ids:
            raise _StoryError(f"{where}: field 'id' repeats an earlier beat", "id")
        if beat_id in flags:
            raise _StoryError(
                f"{where}: field 'id' is also a flag's name; requires could not tell them apart",
                "id",
            )
        beat_ids.append(beat_id)
    beats: dict[str, Beat] = {}
    for beat_id, table in zip(beat_ids, beat_tables, strict=True):
        try:
            beats[beat_id] = _beat(f"beat {beat_id!r}", table, quests, set(beat_ids), flags, kinds)
        except _StoryError as exc:
            exc.table_id = beat_id
            raise
    return beats


def _type_of(value: FlagValue) -> str:
    return {bool: "a bool", int: "an int", str: "a str"}[type(value)]


def _text(where: str, field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _StoryError(
            f"{where}: field {field!r} must be a non-empty string, got {value!r}", field
        )
    return value


def _identifier(where: str, field: str, value: Any) -> str:
    if not isinstance(value, str) or not _ID_PATTERN.fullmatch(value):
        raise _StoryError(
            f"{where}: field {field!r} must be lower_snake_case, got {value!r}", field
        )
    return value


def _kinds(path: Path, value: Any) -> frozenset[str]:
    if not isinstance(value, list):
        raise _StoryError("field 'kinds' must be a list of NPC kinds", "kinds")
    for kind in value:
        _identifier("top level", "kinds", kind)
    return frozenset(value)


def _flags(path: Path, value: Any) -> dict[str, FlagValue]:
    if not isinstance(value, dict):
        raise _StoryError("field 'flags' must be a [flags] table of name = default", "flags")
    for name, default in value.items():
        _identifier("top level", f"flags.{name}", name)
        if not isinstance(default, bool | int | str):
            raise _StoryError(
                f"field 'flags.{name}' must default to a bool, int or str, got {default!r}",
                f"flags.{name}",
            )
    return dict(value)


def _quest(path: Path, number: int, table: Any) -> dict[str, Any]:
    where = f"quest {number}"
    if not isinstance(table, dict):
        raise _StoryError(f"{where}: must be a [[quest]] table", None)
    quest_id = _identifier(where, "id", table.get("id"))
    where = f"quest {quest_id!r}"
    extra = set(table) - _QUEST_FIELDS
    if extra:
        raise _StoryError(f"{where}: unknown field {sorted(extra)[0]!r}", sorted(extra)[0])
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
            raise _StoryError(f"{where}: field {field!r} is missing", field)
    extra = set(table) - _BEAT_FIELDS
    if extra:
        raise _StoryError(f"{where}: unknown field {sorted(extra)[0]!r}", sorted(extra)[0])
    quest = table["quest"]
    if not isinstance(quest, str) or quest not in quests:
        raise _StoryError(
            f"{where}: field 'quest' names an undefined quest {quest!r} "
            f"(defined: {', '.join(quests)})",
            "quest",
        )

    requires = _names(where, "requires", table.get("requires", []))
    for name in requires:
        if name not in beat_ids and name not in flags:
            raise _StoryError(
                f"{where}: field 'requires' names {name!r}, neither a beat nor a flag", "requires"
            )
    next_hints = _names(where, "next", table.get("next", []))
    for name in next_hints:
        if name not in beat_ids:
            raise _StoryError(f"{where}: field 'next' names an undefined beat {name!r}", "next")

    sets = table.get("sets", {})
    if not isinstance(sets, dict):
        raise _StoryError(f"{where}: field 'sets' must be a table of flag = value", "sets")
    for name, value in sets.items():
        _check_flag_value(where, f"sets.{name}", flags, name, value)

    trigger = _trigger(where, table["trigger"], flags, kinds)
    if isinstance(trigger, FlagTrigger) and not requires and trigger.holds(flags):
        raise _StoryError(
            f"{where}: field 'trigger' already holds on the flags' defaults, so the beat "
            "would complete before play begins; give it requires or another trigger",
            "trigger",
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
        raise _StoryError(f"{where}: field {field!r} must be a list of names, got {value!r}", field)
    if len(set(value)) != len(value):
        raise _StoryError(f"{where}: field {field!r} repeats a name", field)
    return value


def _check_flag_value(
    where: str, field: str, flags: Mapping[str, FlagValue], name: str, value: Any
) -> None:
    if name not in flags:
        raise _StoryError(
            f"{where}: field {field!r} names an undefined flag {name!r} (declare it in [flags])",
            field,
        )
    default = flags[name]
    if type(value) is not type(default):
        raise _StoryError(
            f"{where}: field {field!r} must be {_type_of(default)} like the flag's default, "
            f"got {value!r}",
            field,
        )


def _trigger(
    where: str, table: Any, flags: Mapping[str, FlagValue], kinds: frozenset[str]
) -> Trigger:
    if not isinstance(table, dict):
        raise _StoryError(
            f"{where}: field 'trigger' must be a table such as {{manual = true}}", "trigger"
        )
    if "event" in table:
        return _event_trigger(where, table, kinds)
    if "flag" in table:
        extra = set(table) - _FLAG_TRIGGER_FIELDS
        if extra:
            raise _StoryError(
                f"{where}: field 'trigger' has unknown key {sorted(extra)[0]!r}", "trigger"
            )
        name = table["flag"]
        if not isinstance(name, str) or name not in flags:
            raise _StoryError(
                f"{where}: field 'trigger.flag' names an undefined flag {name!r} "
                "(declare it in [flags])",
                "trigger.flag",
            )
        if "value" in table:
            _check_flag_value(where, "trigger.value", flags, name, table["value"])
        return FlagTrigger(flag=name, value=table.get("value"))
    if "manual" in table:
        if set(table) != {"manual"} or table["manual"] is not True:
            raise _StoryError(
                f"{where}: field 'trigger' must be exactly {{manual = true}}", "trigger"
            )
        return ManualTrigger()
    raise _StoryError(
        f"{where}: field 'trigger' needs one of 'event', 'flag' or 'manual', got {table!r}",
        "trigger",
    )


def _event_trigger(where: str, table: dict[str, Any], kinds: frozenset[str]) -> EventTrigger:
    extra = set(table) - _EVENT_TRIGGER_FIELDS
    if extra:
        raise _StoryError(
            f"{where}: field 'trigger' has unknown key {sorted(extra)[0]!r}", "trigger"
        )
    event = table["event"]
    if not isinstance(event, str) or event not in EVENT_FIELDS:
        raise _StoryError(
            f"{where}: field 'trigger.event' must be one of {', '.join(EVENT_FIELDS)}, "
            f"got {event!r}",
            "trigger.event",
        )
    name = table.get("name")
    if name is not None:
        if event != "custom":
            raise _StoryError(
                f"{where}: field 'trigger.name' is only for custom events", "trigger.name"
            )
        _text(where, "trigger.name", name)
    kind = table.get("kind")
    if kind is not None and (not isinstance(kind, str) or kind not in kinds):
        raise _StoryError(
            f"{where}: field 'trigger.kind' must be one of the story's kinds "
            f"({', '.join(sorted(kinds))}), got {kind!r}",
            "trigger.kind",
        )
    count = table.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise _StoryError(
            f"{where}: field 'trigger.count' must be a positive integer, got {count!r}",
            "trigger.count",
        )
    return EventTrigger(event=event, name=name, kind=kind, count=count)


def _check_order(path: Path, beats: Mapping[str, Beat]) -> None:
    position = {beat_id: index for index, beat_id in enumerate(beats)}
    for beat in beats.values():
        for required in beat.requires:
            other = beats.get(required)
            if other and other.quest == beat.quest and position[required] > position[beat.id]:
                raise _StoryError(
                    f"beat {beat.id!r}: field 'requires' names {required!r}, which "
                    f"comes later in quest {beat.quest!r}; list a quest's beats in the order "
                    "they happen",
                    "requires",
                )


def _check_cycles(path: Path, beats: Mapping[str, Beat]) -> None:
    done: set[str] = set()

    def visit(beat_id: str, trail: list[str]) -> None:
        if beat_id in trail:
            cycle = [*trail[trail.index(beat_id) :], beat_id]
            raise _StoryError(
                f"beat {beat_id!r}: field 'requires' makes a cycle: {' -> '.join(cycle)}",
                "requires",
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
