"""Reading a story file and checking it: every field through the shared readers
(:mod:`vocal.content_fields`), then what ties the fields together (requires, triggers,
sets and next name real beats and flags; no cycles; a quest's beats in order)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from engine_bridge.content.story.model import (
    Beat,
    EventTrigger,
    FlagTrigger,
    FlagValue,
    ManualTrigger,
    Quest,
    Trigger,
    type_of,
)
from engine_bridge.protocol.messages import EVENT_FIELDS
from vocal.content_fields import ID_PATTERN, ContentFile, Fields

__all__ = ["read_story"]

_TOP_FIELDS = frozenset({"title", "ending", "kinds", "flags", "quest", "beat"})
_QUEST_FIELDS = frozenset({"id", "title", "summary"})
_BEAT_FIELDS = frozenset({"id", "quest", "title", "summary", "requires", "trigger", "sets", "next"})
_EVENT_TRIGGER_FIELDS = frozenset({"event", "name", "kind", "count"})
_FLAG_TRIGGER_FIELDS = frozenset({"flag", "value"})


def read_story(path: Path) -> tuple[dict[str, Any], ContentFile]:
    """The keyword arguments of :class:`~engine_bridge.content.story.Story` for the story
    file at ``path``, and the parsed file (for errors found later, across stories).

    Raises:
        FileNotFoundError: there is no such file.
        ContentError: the file does not hold a valid story (see :meth:`Story.load`).
    """
    file = ContentFile.parse(path, path.read_bytes())
    top = file.top()
    top.require("title", "ending", "flags", "quest", "beat")
    top.allow_only(_TOP_FIELDS)
    title = top.text("title")
    kinds = frozenset(top.names("kinds", default=[], what="a list of NPC kinds"))
    flags = _flags(top.table_of("flags", what="a [flags] table of name = default"))

    quests = _quests(file)
    beats, beat_fields = _beats(file, quests, flags, kinds)
    for quest_id, (fields, quest) in quests.items():
        quest["beats"] = tuple(b.id for b in beats.values() if b.quest == quest_id)
        if not quest["beats"]:
            raise fields.error(
                "id",
                f"has no beats (no [[beat]] has field 'quest' = {quest_id!r})",
            )
    _check_cycles(beats, beat_fields)
    _check_order(beats, beat_fields)
    ending = top.get("ending")
    if not isinstance(ending, str) or ending not in beats:
        raise top.error("ending", f"field 'ending' must name a beat, got {ending!r}")

    story = {
        "path": path,
        "title": title,
        "ending": ending,
        "kinds": kinds,
        "flag_defaults": flags,
        "quests": {quest_id: Quest(**quest) for quest_id, (_, quest) in quests.items()},
        "beats": beats,
    }
    return story, file


def _flags(flags: Fields) -> dict[str, FlagValue]:
    for name, default in flags.items():
        if not ID_PATTERN.fullmatch(name):
            raise flags.error(
                name, f"field {flags.field_name(name)!r} must be named in lower_snake_case"
            )
        if not isinstance(default, bool | int | str):
            raise flags.error(
                name,
                f"field {flags.field_name(name)!r} must default to a bool, int or str, "
                f"got {default!r}",
            )
    return dict(flags.items())


def _quests(file: ContentFile) -> dict[str, tuple[Fields, dict[str, Any]]]:
    quests: dict[str, tuple[Fields, dict[str, Any]]] = {}
    for fields in file.tables("quest"):
        quest_id = fields.identifier("id")
        fields.allow_only(_QUEST_FIELDS)
        if quest_id in quests:
            raise fields.error("id", "field 'id' repeats an earlier quest")
        quest = {"id": quest_id, "title": fields.text("title"), "summary": fields.text("summary")}
        quests[quest_id] = (fields, quest)
    return quests


def _beats(
    file: ContentFile,
    quests: Mapping[str, Any],
    flags: Mapping[str, FlagValue],
    kinds: frozenset[str],
) -> tuple[dict[str, Beat], dict[str, Fields]]:
    # Ids first: a beat may require or point to one defined further down.
    tables: dict[str, Fields] = {}
    for fields in file.tables("beat"):
        beat_id = fields.identifier("id")
        if beat_id in tables:
            raise fields.error("id", "field 'id' repeats an earlier beat")
        if beat_id in flags:
            raise fields.error(
                "id", "field 'id' is also a flag's name; requires could not tell them apart"
            )
        tables[beat_id] = fields
    beats = {
        beat_id: _beat(fields, quests, set(tables), flags, kinds)
        for beat_id, fields in tables.items()
    }
    return beats, tables


def _beat(
    fields: Fields,
    quests: Mapping[str, Any],
    beat_ids: set[str],
    flags: Mapping[str, FlagValue],
    kinds: frozenset[str],
) -> Beat:
    fields.require("quest", "title", "summary", "trigger")
    fields.allow_only(_BEAT_FIELDS)
    quest = fields.get("quest")
    if not isinstance(quest, str) or quest not in quests:
        raise fields.error(
            "quest",
            f"field 'quest' names an undefined quest {quest!r} (defined: {', '.join(quests)})",
        )

    requires = fields.names("requires", default=[], snake_case=False, unique=True)
    for name in requires:
        if name not in beat_ids and name not in flags:
            raise fields.error(
                "requires", f"field 'requires' names {name!r}, neither a beat nor a flag"
            )
    next_hints = fields.names("next", default=[], snake_case=False, unique=True)
    for name in next_hints:
        if name not in beat_ids:
            raise fields.error("next", f"field 'next' names an undefined beat {name!r}")

    sets = fields.table_of("sets", default={}, what="a table of flag = value")
    for name, value in sets.items():
        _check_flag_value(sets, name, flags, name, value)

    trigger_fields = fields.table_of("trigger", what="a table such as {manual = true}")
    trigger = _trigger(trigger_fields, flags, kinds)
    if isinstance(trigger, FlagTrigger) and not requires and trigger.holds(flags):
        raise fields.error(
            "trigger",
            "field 'trigger' already holds on the flags' defaults, so the beat would "
            "complete before play begins; give it requires or another trigger",
        )
    return Beat(
        id=fields.table["id"],
        quest=quest,
        title=fields.text("title"),
        summary=fields.text("summary"),
        requires=tuple(requires),
        trigger=trigger,
        sets=MappingProxyType(dict(sets.items())),
        next=tuple(next_hints),
    )


def _check_flag_value(
    fields: Fields, key: str, flags: Mapping[str, FlagValue], name: str, value: Any
) -> None:
    field = fields.field_name(key)
    if name not in flags:
        raise fields.error(
            key, f"field {field!r} names an undefined flag {name!r} (declare it in [flags])"
        )
    default = flags[name]
    if type(value) is not type(default):
        raise fields.error(
            key,
            f"field {field!r} must be {type_of(default)} like the flag's default, got {value!r}",
        )


def _trigger(trigger: Fields, flags: Mapping[str, FlagValue], kinds: frozenset[str]) -> Trigger:
    if "event" in trigger:
        return _event_trigger(trigger, kinds)
    if "flag" in trigger:
        _only(trigger, _FLAG_TRIGGER_FIELDS)
        name = trigger.get("flag")
        if not isinstance(name, str) or name not in flags:
            raise trigger.error(
                "flag",
                f"field 'trigger.flag' names an undefined flag {name!r} (declare it in [flags])",
            )
        if "value" in trigger:
            _check_flag_value(trigger, "value", flags, name, trigger.get("value"))
        return FlagTrigger(flag=name, value=trigger.get("value"))
    if "manual" in trigger:
        if set(trigger.table) != {"manual"} or trigger.get("manual") is not True:
            raise trigger.error(
                None, "field 'trigger' must be exactly {manual = true}", field="trigger"
            )
        return ManualTrigger()
    raise trigger.error(
        None,
        f"field 'trigger' needs one of 'event', 'flag' or 'manual', got {trigger.table!r}",
        field="trigger",
    )


def _only(trigger: Fields, allowed: frozenset[str]) -> None:
    # The trigger's own message: a wrong key is a wrong trigger, reported at 'trigger'.
    extra = sorted(set(trigger.table) - allowed)
    if extra:
        raise trigger.error(
            extra[0], f"field 'trigger' has unknown key {extra[0]!r}", field="trigger"
        )


def _event_trigger(trigger: Fields, kinds: frozenset[str]) -> EventTrigger:
    _only(trigger, _EVENT_TRIGGER_FIELDS)
    event = trigger.get("event")
    if not isinstance(event, str) or event not in EVENT_FIELDS:
        raise trigger.invalid("event", f"one of {', '.join(EVENT_FIELDS)}", event)
    name = trigger.get("name")
    if name is not None:
        if event != "custom":
            raise trigger.error("name", "field 'trigger.name' is only for custom events")
        trigger.text("name")
    kind = trigger.get("kind")
    if kind is not None and (not isinstance(kind, str) or kind not in kinds):
        raise trigger.invalid(
            "kind", f"one of the story's kinds ({', '.join(sorted(kinds))})", kind
        )
    count = trigger.integer("count", low=1, default=1)
    return EventTrigger(event=event, name=name, kind=kind, count=count)


def _check_order(beats: Mapping[str, Beat], tables: Mapping[str, Fields]) -> None:
    position = {beat_id: index for index, beat_id in enumerate(beats)}
    for beat in beats.values():
        for required in beat.requires:
            other = beats.get(required)
            if other and other.quest == beat.quest and position[required] > position[beat.id]:
                raise tables[beat.id].error(
                    "requires",
                    f"field 'requires' names {required!r}, which comes later in quest "
                    f"{beat.quest!r}; list a quest's beats in the order they happen",
                )


def _check_cycles(beats: Mapping[str, Beat], tables: Mapping[str, Fields]) -> None:
    done: set[str] = set()

    def visit(beat_id: str, trail: list[str]) -> None:
        if beat_id in trail:
            cycle = [*trail[trail.index(beat_id) :], beat_id]
            raise tables[beat_id].error(
                "requires", f"field 'requires' makes a cycle: {' -> '.join(cycle)}"
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
