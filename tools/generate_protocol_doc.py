"""Writes the tables of docs/protocol.md (events, commands, limits) from the one schema,
engine_bridge/protocol/schema.toml, between the doc's marker comments.

    python tools/generate_protocol_doc.py           rewrite the tables in place
    python tools/generate_protocol_doc.py --check   exit 1 if the doc is not up to date

tests/test_protocol_schema.py runs the check, so a table edited by hand (or a schema
change without this run) fails `make test`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from engine_bridge.protocol import schema as protocol_schema
from engine_bridge.protocol.schema import Field, Message, Schema

DOC = Path(__file__).resolve().parent.parent / "docs" / "protocol.md"

_BEGIN = (
    "<!-- BEGIN {name}: generated from engine_bridge/protocol/schema.toml"
    " by tools/generate_protocol_doc.py -->"
)
_END = "<!-- END {name} -->"


def grouped(n: int) -> str:
    """1048576 -> "1 048 576", as the doc writes numbers."""
    return f"{n:,}".replace(",", " ")


def _kind_words(field: Field, schema: Schema) -> str:
    lo, hi = schema.unit_range
    words = {
        "unit": f"number {lo:g}..{hi:g}",
        "target": '`"player"` or uint slot',
    }.get(field.kind, field.kind)
    return words + (f" {field.note}" if field.note else "")


def _fields_cell(message: Message, schema: Schema) -> str:
    return ", ".join(
        ("optional " if f.optional else "") + f"`{f.name}`: {_kind_words(f, schema)}"
        for f in message.fields
    )


_DURABLE = " (durable: journalled to the outbox, bound for the cloud)"


def _message_table(messages: tuple[Message, ...], schema: Schema, last: str) -> list[str]:
    rows = [f"| type | fields | {last} |", "|---|---|---|"]
    rows += [
        f"| `{m.type}` | {_fields_cell(m, schema)} | {m.meaning}{_DURABLE if m.durable else ''} |"
        for m in messages
    ]
    return rows


def _limits_table(schema: Schema) -> list[str]:
    limits = schema.limits
    return [
        "| limit | value |",
        "|---|---|",
        f"| bytes per push | {grouped(limits.push_bytes)} |",
        f"| events per push (array elements) | {grouped(limits.events_per_push)} |",
        f"| nesting of maps and arrays | {limits.depth} levels, the event map being the first |",
        f"| one string or binary value | {grouped(limits.string_bytes)} bytes (UTF-8 bytes for"
        " a string) |",
        f"| `npc` | 0 .. {grouped(schema.uint_max)} |",
    ]


def tables(schema: Schema) -> dict[str, list[str]]:
    """Each generated section's lines, by marker name."""
    return {
        "events": _message_table(schema.events, schema, "meaning"),
        "commands": _message_table(schema.commands, schema, "the engine should"),
        "limits": _limits_table(schema),
    }


def render(doc: str, schema: Schema) -> str:
    """``doc`` with every marked section replaced by its table from ``schema``."""
    for name, lines in tables(schema).items():
        begin, end = _BEGIN.format(name=name), _END.format(name=name)
        pattern = re.compile(re.escape(begin) + r"\n.*?" + re.escape(end), re.S)
        if len(pattern.findall(doc)) != 1:
            raise ValueError(f"docs/protocol.md must hold the markers of '{name}' once")
        body = "\n".join([begin, *lines, end])
        doc = pattern.sub(lambda _: body, doc)  # noqa: B023 - used at once
    return doc


def main(argv: list[str]) -> int:
    text = DOC.read_text()
    want = render(text, protocol_schema.load())
    if argv[1:] == ["--check"]:
        if want != text:
            print(f"{DOC} is out of date: run python tools/generate_protocol_doc.py")
            return 1
        return 0
    if want != text:
        DOC.write_text(want)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
