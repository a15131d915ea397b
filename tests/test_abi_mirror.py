"""``engine_bridge/native/abi.py`` mirrors ``aicore.h``: each struct's fields in order,
every result code, and a declared signature for every function. A field appended to the
header but not to the ctypes mirror would shift nothing in C and silently truncate the
Python side's structs; this test makes it fail instead."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine_bridge.native import abi

HEADER = Path(__file__).resolve().parents[1] / "cpp" / "bridge" / "include" / "aicore" / "aicore.h"
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_STRUCT = re.compile(r"typedef struct (\w+) \{(.*?)\} \1;", re.S)
_FIELD = re.compile(r"(\w+)\s*;\s*$")
_RESULT = re.compile(r"\b(AICORE_[A-Z_]+)\s*=\s*(\d+)")
_FUNCTION = re.compile(r"AICORE_API\s+[\w\s\*]+?\b(aicore_\w+)\s*\(")

TEXT = _COMMENT.sub("", HEADER.read_text())
MIRRORS = {
    "aicore_runtime_config": abi.RuntimeConfig,
    "aicore_content_problem": abi.ContentProblem,
    "aicore_world": abi.World,
    "aicore_metrics": abi.Metrics,
    "aicore_save_info": abi.SaveInfo,
    "aicore_story_flag": abi.StoryFlag,
}


def _struct_fields() -> dict[str, list[str]]:
    found = {}
    for name, body in _STRUCT.findall(TEXT):
        names = []
        for line in body.splitlines():
            if (field := _FIELD.search(line.strip())) is not None:
                names.append(field.group(1))
        found[name] = names
    return found


def test_every_struct_of_the_header_has_a_mirror() -> None:
    assert set(_struct_fields()) == set(MIRRORS)


@pytest.mark.parametrize("name", sorted(MIRRORS))
def test_each_mirror_has_the_header_s_fields_in_order(name: str) -> None:
    mirrored = [field[0] for field in MIRRORS[name]._fields_]
    assert mirrored == _struct_fields()[name]


def test_the_result_codes_are_the_header_s() -> None:
    enum = TEXT[TEXT.index("typedef enum aicore_result") : TEXT.index("} aicore_result;")]
    declared = {name.removeprefix("AICORE_"): int(value) for name, value in _RESULT.findall(enum)}
    assert declared == {member.name: member.value for member in abi.Result}


def test_every_function_of_the_header_has_a_declared_signature() -> None:
    lib = abi.load()
    functions = set(_FUNCTION.findall(TEXT))
    assert "aicore_save_info_get" in functions  # the pattern reads the header at all
    # The argument-less version queries are declared by library.load_library (restype only).
    no_arguments = {"aicore_version", "aicore_api_version", "aicore_python_version"}
    for name in sorted(functions - no_arguments):
        assert getattr(lib, name).argtypes is not None, f"{name} has no signature in abi.py"
    assert no_arguments <= functions


def test_result_strings_name_the_save_codes() -> None:
    lib = abi.load()
    assert b"disk" in lib.aicore_result_string(abi.Result.IO_ERROR)
    assert b"damaged" in lib.aicore_result_string(abi.Result.CORRUPT)


def test_the_story_flag_types_are_the_header_s() -> None:
    declared = dict(re.findall(r"\bAICORE_STORY_FLAG_([A-Z]+)\s*=\s*(\d+)", TEXT))
    assert {name: int(value) for name, value in declared.items()} == {
        member.name: member.value for member in abi.StoryFlagType
    }
