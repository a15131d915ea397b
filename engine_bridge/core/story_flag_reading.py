"""A story flag as the engine reads it through ``aicore_story_flag_get``: its type, its value
as a 64-bit integer (bool and int flags) and as text (every flag), or why it cannot be read.

Flags are bool, int or str (``engine_bridge.content.story``). The C ABI names the type with
the strings of :data:`FLAG_TYPES`, which ``cpp/bridge/src/python_names.h`` spells too
(``tests/test_embedding_names.py`` holds the two equal)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine_bridge.core.runtime import Runtime

__all__ = ["FLAG_TYPES", "StoryFlagNotFoundError", "StoryFlagReading", "read_story_flag"]

FLAG_TYPES: tuple[str, ...] = ("bool", "int", "str")
"""The type names a reading carries, one per story flag type."""

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class StoryFlagNotFoundError(LookupError):
    """No loaded story declares the flag, or the story system is off (the message says
    which, and lists the flags there are)."""


@dataclass(frozen=True)
class StoryFlagReading:
    """One flag's value: ``type`` is one of :data:`FLAG_TYPES`; ``integer`` is 0 or 1 for a
    bool, the value of an int, 0 for a str; ``text`` is "true"/"false", the int in decimal,
    or the str itself."""

    type: str
    integer: int
    text: str


def read_story_flag(runtime: Runtime, name: str) -> StoryFlagReading:
    """The current value of the story flag ``name``.

    Raises:
        StoryFlagNotFoundError: no story declares ``name``, or the story system is off.
        OverflowError: an int flag a script set outside the signed 64-bit range (a story
            file's own ints are TOML's, always inside it).
    """
    story = runtime.content.story
    if story is None:
        why = runtime.content.off.get("story", "")
        raise StoryFlagNotFoundError(f"the story system is off ({why}); no flag {name!r} to read")
    try:
        value = story.flag(name)
    except KeyError as error:
        raise StoryFlagNotFoundError(str(error.args[0]) if error.args else name) from None
    # type(), not isinstance(): True is an int in Python, but a flag is not a count.
    if type(value) is bool:
        return StoryFlagReading("bool", int(value), "true" if value else "false")
    if type(value) is int:
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise OverflowError(f"flag {name!r} holds {value}, outside the signed 64-bit range")
        return StoryFlagReading("int", value, str(value))
    return StoryFlagReading("str", 0, str(value))
