"""``aicore_story_flag_get`` and ``aicore_scripts_reload`` through the real libaicore, as an
engine calls them: the shipped story's flags read back typed (a string holding a NUL by its
size), a flag a script set in a frame and one put back by a load read as the game left
them, bad names refused without a crash, and a reload reported by its result code."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from pathlib import Path

import pytest
from native_runtime import config_with_scripts, create_runtime

from engine_bridge.native import abi

SETTER = """
from engine_bridge.api import Npc

class Setter(Npc):
    kind = "setter"

    def on_tick(self, dt):
        self.story.set_flag("wraith_name", "Ys\\x00olde")
        self.story.set_flag("lives_owed", {lives})
"""


@pytest.fixture(scope="module")
def lib() -> ctypes.CDLL:
    return abi.load()


@pytest.fixture
def runtime(lib: ctypes.CDLL, tmp_path: Path) -> Iterator[ctypes.c_void_p]:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "setter.py").write_text(SETTER.format(lives=3))
    config = config_with_scripts(lib, scripts, save_dir=str(tmp_path / "save").encode())
    rt = create_runtime(lib, config)
    yield rt
    lib.aicore_runtime_destroy(rt)


def _flag(lib: ctypes.CDLL, rt: ctypes.c_void_p, name: bytes) -> tuple[int, abi.StoryFlag]:
    flag = abi.StoryFlag(struct_size=ctypes.sizeof(abi.StoryFlag))
    return lib.aicore_story_flag_get(rt, name, ctypes.byref(flag)), flag


def _text(flag: abi.StoryFlag) -> bytes:
    # The pointer itself: ctypes reads a c_char_p field only up to its first NUL.
    address = ctypes.c_void_p.from_buffer(flag, abi.StoryFlag.text.offset).value
    return ctypes.string_at(address, flag.text_size)


def test_story_flags_read_typed_as_scripts_and_loads_leave_them(
    lib: ctypes.CDLL, runtime: ctypes.c_void_p
) -> None:
    result, flag = _flag(lib, runtime, b"met_broker")
    assert result == abi.Result.OK
    assert (flag.type, flag.value, _text(flag)) == (abi.StoryFlagType.BOOL, 0, b"false")
    assert flag.struct_size == ctypes.sizeof(abi.StoryFlag)
    result, flag = _flag(lib, runtime, b"wraith_name")
    assert (result, flag.type, _text(flag)) == (abi.Result.OK, abi.StoryFlagType.STRING, b"")

    assert lib.aicore_save(runtime, b"before") == abi.Result.OK
    slot = ctypes.c_uint32()
    assert lib.aicore_npc_spawn(runtime, b"setter", ctypes.byref(slot)) == abi.Result.OK
    assert lib.aicore_tick(runtime, 1 / 60) == abi.Result.OK
    result, flag = _flag(lib, runtime, b"wraith_name")
    assert (result, flag.type, flag.value) == (abi.Result.OK, abi.StoryFlagType.STRING, 0)
    assert _text(flag) == b"Ys\x00olde"  # by its size: the NUL is the string's own
    result, flag = _flag(lib, runtime, b"lives_owed")
    assert (flag.type, flag.value, _text(flag)) == (abi.StoryFlagType.INT, 3, b"3")

    assert lib.aicore_npc_despawn(runtime, slot.value) == abi.Result.OK
    assert lib.aicore_load(runtime, b"before") == abi.Result.OK
    result, flag = _flag(lib, runtime, b"lives_owed")
    assert (result, flag.value, _text(flag)) == (abi.Result.OK, 0, b"0")


@pytest.mark.parametrize(
    ("name", "expected", "said"),
    [
        (b"no_such_flag", abi.Result.NOT_FOUND, b"no flag 'no_such_flag'"),
        (b"", abi.Result.NOT_FOUND, b"no flag ''"),
        (b"met_\xff", abi.Result.INVALID_ARGUMENT, b"\\xff"),
        (None, abi.Result.INVALID_ARGUMENT, b"name is NULL"),
    ],
)
def test_a_bad_flag_name_is_refused_with_a_reason(
    lib: ctypes.CDLL, runtime: ctypes.c_void_p, name: bytes | None, expected: int, said: bytes
) -> None:
    result, flag = _flag(lib, runtime, name)  # type: ignore[arg-type]
    assert result == expected
    assert said in lib.aicore_runtime_last_error(runtime)
    assert (flag.type, flag.text) == (0, None)  # *out untouched


def test_a_struct_too_small_or_missing_is_refused(
    lib: ctypes.CDLL, runtime: ctypes.c_void_p
) -> None:
    flag = abi.StoryFlag(struct_size=abi.StoryFlag.text_size.offset)
    assert lib.aicore_story_flag_get(runtime, b"met_broker", ctypes.byref(flag)) == 2
    assert lib.aicore_story_flag_get(runtime, b"met_broker", None) == 2
    assert lib.aicore_story_flag_get(None, b"met_broker", ctypes.byref(flag)) == 2


def test_a_reload_says_how_many_loaded_and_names_a_broken_script(
    lib: ctypes.CDLL, runtime: ctypes.c_void_p, tmp_path: Path
) -> None:
    script = tmp_path / "scripts" / "setter.py"
    reloaded = ctypes.c_uint32(99)
    assert lib.aicore_scripts_reload(runtime, ctypes.byref(reloaded)) == abi.Result.OK
    assert reloaded.value == 0
    script.write_text(SETTER.format(lives=5))
    assert lib.aicore_scripts_reload(runtime, ctypes.byref(reloaded)) == abi.Result.OK
    assert reloaded.value == 1
    slot = ctypes.c_uint32()
    assert lib.aicore_npc_spawn(runtime, b"setter", ctypes.byref(slot)) == abi.Result.OK
    assert lib.aicore_tick(runtime, 1 / 60) == abi.Result.OK
    assert _flag(lib, runtime, b"lives_owed")[1].value == 5

    script.write_text("def broken(:\n")
    assert lib.aicore_scripts_reload(runtime, ctypes.byref(reloaded)) == abi.Result.SCRIPT_ERROR
    assert reloaded.value == 0
    error = lib.aicore_runtime_last_error(runtime)
    assert f"{script}:1: SyntaxError".encode() in error
    assert b"last good version" in error
    assert lib.aicore_tick(runtime, 1 / 60) == abi.Result.OK  # the old version runs on
    assert lib.aicore_scripts_reload(runtime, None) == abi.Result.OK
    assert lib.aicore_scripts_reload(None, None) == abi.Result.INVALID_ARGUMENT
