"""Every story the game loaded, seen as one (:class:`StoryBook`): ``self.story`` in a
script."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from engine_bridge.content.layers import ContentError, layered_files, normalize_roots
from engine_bridge.content.story.loading import read_story
from engine_bridge.content.story.model import STORY_DIR, Beat, FlagValue, Quest
from engine_bridge.content.story.progress import HookT, Story
from vocal.content_fields import ContentFile

__all__ = ["StoryBook"]


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
                fields, file = read_story(path)
                story = Story(**fields)
                _check_unique(story, file, owners)
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

    def on_beat(self, beat_id: str) -> Callable[[HookT], HookT]:
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


def _check_unique(story: Story, file: ContentFile, owners: Mapping[str, Story]) -> None:
    top = file.top()
    flags = top.table_of("flags", what="a [flags] table")
    tables = {
        what: {fields.table_id: fields for fields in file.tables(what)}
        for what in ("beat", "quest")
    }
    declared = (("flag", story.flag_defaults), ("beat", story.beats), ("quest", story.quests))
    for what, names in declared:
        for name in names:
            other = owners.get(name)
            if other is None:
                continue
            reason = (
                f"{what} {name!r}: the name is already taken by {other.path}; flag, beat "
                "and quest names are unique across the stories"
            )
            if what == "flag":
                raise flags.error(name, f"field {flags.field_name(name)!r}: {reason}")
            raise tables[what][name].error("id", f"field 'id': {reason}")
