"""What NPCs say: line tables per NPC kind, chosen by topic, mood, story flags and memory.

``content/dialogue/<kind>.toml`` holds one ``[[line]]`` table per line of that kind (any
kind a script defines: the file name is the kind)::

    [[line]]
    id = "ghoul_bargain_gate"        # lower_snake_case, unique across every table
    topic = "bargain"                # greeting, threat, bargain, flee, idle, ...
    text = "Leave the body at the gate, and I will leave you be."
    voice_line = "ghoul_bargain"     # optional: a recording in voice_lines/lines.toml of
                                     # this kind whose text is exactly `text`
    mood = ["hungry", "calm"]        # optional: said only in one of these moods
    requires_flags = ["met_broker"]  # optional: story flags that must all be set
    forbids_flags = ["ghoul_fed"]    # optional: story flags that must all be unset
    memory = { times_met = { min = 1 }, owes_body = true }
                                     # optional: memory key -> required value, or a
                                     # numeric range {min = .., max = ..} (inclusive)
    weight = 2.0                     # optional, default 1: how often, among the fitting

``text`` may hold ``{variables}`` (``{player}``, ``{npc}``, ``{price}``, ...), filled in
from :meth:`DialogueTables.choose`'s ``variables``; a brace that is not part of a
``{lower_snake_case}`` variable is an error.

Translations live in ``content/dialogue/locale/<lang>/<kind>.toml``, one
``line_id = "text"`` per line; a line without one is said in English.

The package, by job: :mod:`.model` (a line and its conditions), :mod:`.loading` (reading
and checking a kind's table), :mod:`.translations` (the locale files) and :mod:`.tables`
(:class:`DialogueTables`: every table loaded, and the choice of a line).
"""

from engine_bridge.content.dialogue.model import DIALOGUE_DIR, DialogueLine
from engine_bridge.content.dialogue.tables import DialogueTables

__all__ = ["DIALOGUE_DIR", "DialogueLine", "DialogueTables"]
