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

The package, by job: :mod:`.model` (quests, beats, triggers), :mod:`.loading` (reading
and checking a story file), :mod:`.progress` (:class:`Story`, one play-through: the rules
by which beats complete, hooks, saves) and :mod:`.book` (:class:`StoryBook`, every
story loaded over the content roots, seen as one).
"""

from engine_bridge.content.story.book import StoryBook
from engine_bridge.content.story.model import (
    STORY_DIR,
    STORY_PATH,
    Beat,
    EventTrigger,
    FlagTrigger,
    FlagValue,
    ManualTrigger,
    Quest,
    Trigger,
)
from engine_bridge.content.story.progress import Story

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
