"""Every ``aicore_*(...)`` call in C and C++ sources, with its argument count, and the C ABI's
prototypes from ``aicore.h``: what tests/test_ue5_plugin_abi.py checks the UE5 plugin and
aicore-host against.

A small scanner rather than a compiler (the plugin cannot be compiled here): comments and
string or character literals (raw strings and UE's ``TEXT("...")`` included) are blanked
first, so a ``(`` or ``,`` inside them counts for nothing; then each call's arguments are
counted at its own nesting level of ``()``, ``[]``, ``{}`` (lambdas, braced initialisers)
and template argument lists (``std::pair<int, int>{}``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Call", "blank_literals", "calls_in", "calls_in_tree", "count_arguments", "prototypes"]

_CALL = re.compile(r"(?<![\w.>])(aicore_\w+)\s*\(")
_PROTOTYPE = re.compile(r"AICORE_API\s+[\w\s\*]+?\b(aicore_\w+)\s*\(([^)]*)\)\s*;", re.S)
# One alternation, so whichever starts first wins: a "//" inside a string is string, a
# quote inside a comment is comment. A digit separator (1'000) reads as a character literal
# and is blanked: harmless, it holds no comma or parenthesis.
_LITERAL = re.compile(
    r"//[^\n]*"
    r"|/\*.*?(?:\*/|\Z)"
    r'|\bR"(?P<delim>[^(\s"]{0,16})\(.*?\)(?P=delim)"'
    r'|"(?:\\.|[^"\\\n])*"'
    r"|'(?:\\.|[^'\\\n])*'",
    re.S,
)
_NOT_NEWLINE = re.compile(r"[^\n]")
_SOURCE_SUFFIXES = {".c", ".cpp", ".cc", ".h", ".hpp", ".inl"}


@dataclass(frozen=True)
class Call:
    """One call: the function, how many arguments it is given, and where it is."""

    name: str
    arguments: int
    file: str
    line: int


def blank_literals(text: str) -> str:
    """``text`` with every comment and string or character literal replaced by spaces
    (newlines kept, so offsets and line numbers stay those of the source)."""
    return _LITERAL.sub(lambda m: _NOT_NEWLINE.sub(" ", m.group()), text)


def _template_end(text: str, start: int, limit: int) -> int | None:
    """Where the template argument list opened at ``text[start] == '<'`` closes, or None
    when the ``<`` is a comparison (the list would hold something no type holds)."""
    depth = 0
    for k in range(start, limit):
        ch = text[k]
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
            if depth == 0:
                return k
        elif not (ch.isalnum() or ch in "_:,*& \t\n()[]"):
            return None
    return None


def count_arguments(text: str, open_paren: int) -> tuple[int, int]:
    """The number of arguments of the call whose ``(`` is at ``open_paren`` in literal-free
    ``text``, and the offset of its closing ``)``."""
    depth = 0
    commas = 0
    saw_token = False
    i = open_paren
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return (commas + 1 if saw_token else 0), i
        elif depth == 1 and ch == ",":
            commas += 1
        elif ch == "<" and i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_"):
            end = _template_end(text, i, n)
            if end is not None:
                saw_token = True
                i = end + 1
                continue
        if depth == 1 and i > open_paren and not ch.isspace():
            saw_token = True
        i += 1
    raise ValueError(f"unclosed call at offset {open_paren}")


def calls_in(text: str, file: str = "<text>") -> list[Call]:
    """Every ``aicore_*(`` call in C or C++ source ``text`` (not declarations of aicore.h)."""
    clean = blank_literals(text)
    found = []
    for match in _CALL.finditer(clean):
        open_paren = match.end() - 1
        arguments, _ = count_arguments(clean, open_paren)
        line = clean.count("\n", 0, match.start()) + 1
        found.append(Call(match.group(1), arguments, file, line))
    return found


def calls_in_tree(*roots: Path) -> list[Call]:
    """The calls of every C and C++ source under ``roots`` (files or folders)."""
    found = []
    for root in roots:
        files = [root] if root.is_file() else sorted(root.rglob("*"))
        for path in files:
            if path.suffix in _SOURCE_SUFFIXES and path.is_file():
                found.extend(calls_in(path.read_text(encoding="utf-8"), str(path)))
    return found


def prototypes(header: Path) -> dict[str, int]:
    """Each function ``aicore.h`` declares, with its parameter count (``(void)`` is 0)."""
    text = blank_literals(header.read_text(encoding="utf-8"))
    found = {}
    for name, params in _PROTOTYPE.findall(text):
        flat = " ".join(params.split())
        found[name] = 0 if flat in ("", "void") else flat.count(",") + 1
    return found
