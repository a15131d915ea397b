"""ctypes declarations of the C ABI (cpp/bridge/include/aicore/aicore.h), for tools and
tests that drive libaicore from Python the way an engine does from C."""

from __future__ import annotations

import ctypes
import sys
from enum import IntEnum
from pathlib import Path

from engine_bridge.native import library as native

__all__ = [
    "ContentProblem",
    "Metrics",
    "Result",
    "RuntimeConfig",
    "SaveInfo",
    "StoryFlag",
    "StoryFlagType",
    "World",
    "default_config",
    "load",
]


class Result(IntEnum):
    """aicore_result: what every call returns."""

    OK = 0
    ERROR = 1
    INVALID_ARGUMENT = 2
    OUT_OF_MEMORY = 3
    NOT_FOUND = 4
    BAD_MESSAGE = 5
    FULL = 6
    SCRIPT_ERROR = 7
    PYTHON_ERROR = 8
    BUSY = 9
    INCOMPLETE = 10
    IO_ERROR = 11
    CORRUPT = 12
    UNAVAILABLE = 13


class StoryFlagType(IntEnum):
    """AICORE_STORY_FLAG_*: the type aicore_story_flag_get says a flag holds."""

    BOOL = 1
    INT = 2
    STRING = 3


LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p)


class RuntimeConfig(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_uint32),
        ("content_root", ctypes.c_char_p),
        ("save_dir", ctypes.c_char_p),
        ("script_dirs", ctypes.POINTER(ctypes.c_char_p)),
        ("script_dir_count", ctypes.c_uint32),
        ("python_home", ctypes.c_char_p),
        ("python_venv", ctypes.c_char_p),
        ("log", LOG_FN),
        ("log_user", ctypes.c_void_p),
        ("max_npcs", ctypes.c_uint32),
        ("custom_channels", ctypes.c_uint32),
        ("frame_budget_ms", ctypes.c_double),
        ("handler_budget_ms", ctypes.c_double),
        ("debug_port", ctypes.c_uint32),
        ("content_roots", ctypes.POINTER(ctypes.c_char_p)),
        ("content_root_count", ctypes.c_uint32),
        ("profile", ctypes.c_char_p),
        ("autosave_seconds", ctypes.c_double),
        ("sync_endpoint", ctypes.c_char_p),
        ("sync_keys_dir", ctypes.c_char_p),
    ]


class ContentProblem(ctypes.Structure):
    _fields_ = [
        ("system", ctypes.c_char_p),
        ("file", ctypes.c_char_p),
        ("line", ctypes.c_uint32),
        ("field", ctypes.c_char_p),
        ("reason", ctypes.c_char_p),
    ]


class SaveInfo(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_uint32),
        ("slot", ctypes.c_char_p),
        ("label", ctypes.c_char_p),
        ("problem", ctypes.c_char_p),
        ("saved_at_unix", ctypes.c_double),
        ("schema_version", ctypes.c_uint32),
        ("previous", ctypes.c_uint32),
    ]


class StoryFlag(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_uint32),
        ("type", ctypes.c_uint32),
        ("value", ctypes.c_int64),
        ("text", ctypes.c_char_p),
        ("text_size", ctypes.c_size_t),
    ]


class World(ctypes.Structure):
    _fields_ = [
        ("capacity", ctypes.c_uint32),
        ("custom_channels", ctypes.c_uint32),
        ("position", ctypes.POINTER(ctypes.c_float)),
        ("velocity", ctypes.POINTER(ctypes.c_float)),
        ("heading", ctypes.POINTER(ctypes.c_float)),
        ("health", ctypes.POINTER(ctypes.c_float)),
        ("perception", ctypes.POINTER(ctypes.c_uint32)),
        ("custom", ctypes.POINTER(ctypes.c_float)),
        ("alive", ctypes.POINTER(ctypes.c_uint8)),
        ("player_position", ctypes.POINTER(ctypes.c_float)),
    ]


class Metrics(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_uint32),
        ("frames", ctypes.c_uint64),
        ("script_errors", ctypes.c_uint64),
        ("rejected_messages", ctypes.c_uint64),
        ("events_in", ctypes.c_uint64),
        ("commands_out", ctypes.c_uint64),
        ("last_tick_us", ctypes.c_double),
        ("last_bridge_us", ctypes.c_double),
        ("npcs", ctypes.c_uint32),
        ("active_voices", ctypes.c_uint32),
        ("last_gc_us", ctypes.c_double),
        ("incomplete_ticks", ctypes.c_uint64),
        ("pending_events", ctypes.c_uint32),
        ("dropped_events", ctypes.c_uint64),
        ("busy_renders", ctypes.c_uint64),
        ("store_held_frames", ctypes.c_uint64),
        ("store_faults", ctypes.c_uint64),
        ("unjournalled_messages", ctypes.c_uint64),
    ]


def load(path: Path | None = None) -> ctypes.CDLL:
    """libaicore with every function's signature declared."""
    lib = native.load_library(path).handle
    rt = ctypes.c_void_p
    u8p = ctypes.POINTER(ctypes.c_uint8)
    sigs: dict[str, tuple[object, list[object]]] = {
        "aicore_runtime_config_init": (None, [ctypes.POINTER(RuntimeConfig)]),
        "aicore_runtime_create": (
            ctypes.c_int,
            [ctypes.POINTER(RuntimeConfig), ctypes.POINTER(rt)],
        ),
        "aicore_runtime_destroy": (None, [rt]),
        "aicore_last_create_error": (ctypes.c_char_p, []),
        "aicore_runtime_last_error": (ctypes.c_char_p, [rt]),
        "aicore_world_get": (ctypes.c_int, [rt, ctypes.POINTER(World)]),
        "aicore_npc_spawn": (ctypes.c_int, [rt, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint32)]),
        "aicore_npc_despawn": (ctypes.c_int, [rt, ctypes.c_uint32]),
        "aicore_kind_find": (
            ctypes.c_int,
            [rt, ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p)],
        ),
        "aicore_tick": (ctypes.c_int, [rt, ctypes.c_double]),
        "aicore_push_events": (ctypes.c_int, [rt, u8p, ctypes.c_size_t]),
        "aicore_drain_commands": (
            ctypes.c_int,
            [rt, u8p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)],
        ),
        "aicore_audio_prepare": (ctypes.c_int, [rt, ctypes.c_double, ctypes.c_uint32]),
        "aicore_audio_render": (
            ctypes.c_int,
            [rt, ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_float), ctypes.c_uint32],
        ),
        "aicore_metrics_get": (ctypes.c_int, [rt, ctypes.POINTER(Metrics)]),
        "aicore_runtime_content_problem_count": (ctypes.c_uint32, [rt]),
        "aicore_runtime_content_problem": (
            ctypes.c_int,
            [rt, ctypes.c_uint32, ctypes.POINTER(ContentProblem)],
        ),
        "aicore_result_string": (ctypes.c_char_p, [ctypes.c_int]),
        "aicore_save": (ctypes.c_int, [rt, ctypes.c_char_p]),
        "aicore_load": (ctypes.c_int, [rt, ctypes.c_char_p]),
        "aicore_save_delete": (ctypes.c_int, [rt, ctypes.c_char_p]),
        "aicore_saves_refresh": (ctypes.c_int, [rt, ctypes.POINTER(ctypes.c_uint32)]),
        "aicore_saves_pull": (ctypes.c_int, [rt, ctypes.c_char_p, ctypes.POINTER(SaveInfo)]),
        "aicore_save_info_get": (
            ctypes.c_int,
            [rt, ctypes.c_uint32, ctypes.POINTER(SaveInfo)],
        ),
        "aicore_story_flag_get": (
            ctypes.c_int,
            [rt, ctypes.c_char_p, ctypes.POINTER(StoryFlag)],
        ),
        "aicore_scripts_reload": (ctypes.c_int, [rt, ctypes.POINTER(ctypes.c_uint32)]),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


def default_config(lib: ctypes.CDLL) -> RuntimeConfig:
    """A config for this interpreter's environment (the one running the caller)."""
    config = RuntimeConfig()
    lib.aicore_runtime_config_init(ctypes.byref(config))
    config.python_home = sys.base_prefix.encode()
    config.python_venv = sys.prefix.encode()
    return config
