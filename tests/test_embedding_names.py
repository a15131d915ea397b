"""The names libaicore uses of Python, held to the Python side: the bridge imports one
module, ``engine_bridge/native/embedding.py``, and takes every other name through it, all
of them spelled in ``cpp/bridge/src/python_names.h``. This test reads that header and checks
each name where the C++ looks for it, so a rename in Python that the header does not mirror
fails here instead of at a game's startup."""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import pytest

from engine_bridge.core.budget import Deadline
from engine_bridge.core.runtime import AudioBridge, Runtime, SpawnRefusal
from engine_bridge.core.script_reload import ScriptsReloaded
from engine_bridge.core.story_flag_reading import FLAG_TYPES, StoryFlagReading
from engine_bridge.core.world import World
from engine_bridge.store import FaultKind, SaveInfo, StoreError
from engine_bridge.sync.cloud_save_errors import CloudSaveError, CloudSaveRefusal

HEADER = Path(__file__).resolve().parents[1] / "cpp" / "bridge" / "src" / "python_names.h"
_NAMESPACE = re.compile(r"^namespace (\w+) \{")
_NAME = re.compile(r'^inline constexpr char (k\w+)\[\] = "([^"]*)";')


def _read_header() -> dict[str, dict[str, str]]:
    """The header's names, by namespace: {namespace: {constant: value}}."""
    groups: dict[str, dict[str, str]] = {}
    current: str | None = None
    for number, line in enumerate(HEADER.read_text().splitlines(), start=1):
        if (opened := _NAMESPACE.match(line)) is not None:
            current = opened.group(1)
            continue
        if (named := _NAME.match(line)) is not None:
            assert current is not None, f"python_names.h:{number}: a name outside a namespace"
            groups.setdefault(current, {})[named.group(1)] = named.group(2)
        elif line.startswith("inline constexpr"):
            pytest.fail(f"python_names.h:{number}: not in the form this test reads: {line!r}")
    return groups


NAMES = _read_header()
# Every group the header has is checked below: a new group needs a check here.
CHECKED_GROUPS = {
    "embedding",
    "world",
    "runtime_arguments",
    "sync_config_arguments",
    "runtime",
    "spawn_refusal",
    "spawn_refusal_codes",
    "bridge_module",
    "bridge",
    "world_buffers",
    "save_info",
    "store_error",
    "fault_kinds",
    "cloud_save_error",
    "cloud_save_codes",
    "story_flag_reading",
    "story_flag_types",
    "scripts_reloaded",
}


def _values(group: str) -> list[str]:
    return list(NAMES[group].values())


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """A Runtime as the bridge makes one, with one script that fails to load."""
    scripts = tmp_path_factory.mktemp("scripts")
    (scripts / "broken.py").write_text(
        "from engine_bridge.api import Npc\n\n\n"
        "class Broken(Npc):\n"
        '    kind = "broken"\n\n\n'
        'raise RuntimeError("broken on purpose")\n'
    )
    rt = Runtime(World.allocate(4), script_dirs=[scripts], watch=False, manage_gc=False)
    yield rt
    rt.close()


def test_every_group_of_the_header_is_checked() -> None:
    assert set(NAMES) == CHECKED_GROUPS


def test_the_bridge_imports_one_module_that_exports_exactly_what_it_uses() -> None:
    names = dict(NAMES["embedding"])
    module_name = names.pop("kModule")
    assert module_name == "engine_bridge.native.embedding"
    module = importlib.import_module(module_name)
    for name in names.values():
        assert hasattr(module, name), f"{module_name} has no {name!r} (python_names.h)"
    assert sorted(module.__all__) == sorted(names.values())


def test_the_package_dir_is_engine_bridges_folder() -> None:
    module = importlib.import_module(NAMES["embedding"]["kModule"])
    package_dir = Path(getattr(module, NAMES["embedding"]["kPackageDir"]))
    assert package_dir == Path(importlib.import_module("engine_bridge").__file__).parent


def test_what_the_bridge_calls_on_world_exists() -> None:
    for name in _values("world"):
        assert callable(getattr(World, name, None)), f"World has no {name!r}"


def test_the_runtime_takes_every_keyword_the_bridge_passes() -> None:
    parameters = inspect.signature(Runtime).parameters
    for name in _values("runtime_arguments"):
        assert name in parameters, f"Runtime() takes no {name!r}"
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY


def test_sync_config_takes_every_keyword_the_bridge_passes() -> None:
    from engine_bridge.native.embedding import SyncConfig

    parameters = inspect.signature(SyncConfig).parameters
    assert next(iter(parameters)) == "endpoint"  # the one positional argument
    for name in _values("sync_config_arguments"):
        assert name in parameters, f"SyncConfig() takes no {name!r}"


def test_the_runtime_has_every_method_and_attribute_the_bridge_uses(runtime: Runtime) -> None:
    for name in _values("runtime"):
        assert hasattr(runtime, name), f"Runtime has no {name!r}"


def test_a_spawn_refusal_has_the_fields_and_code_the_bridge_reads(runtime: Runtime) -> None:
    declared = {f.name for f in fields(SpawnRefusal)}
    for name in _values("spawn_refusal"):
        assert name in declared, f"SpawnRefusal has no {name!r}"
    refusal = getattr(runtime, NAMES["runtime"]["kSpawnRefusal"])("broken")
    assert refusal is not None
    code = getattr(refusal, NAMES["spawn_refusal"]["kCode"])
    assert code == NAMES["spawn_refusal_codes"]["kScriptError"]


def test_the_bridge_offers_every_member_the_runtime_asks_of_it() -> None:
    # The Bridge object is the Runtime's audio and deadline: the protocols say what those
    # need, and the bridge module must define each under the same name.
    offered = set(_values("bridge"))
    for protocol in (AudioBridge, Deadline):
        wanted = {name for name in vars(protocol) if not name.startswith("_")}
        missing = wanted - offered
        assert not missing, f"{protocol.__name__} needs {sorted(missing)}: the bridge lacks them"


def test_world_from_buffers_reads_every_buffer_the_bridge_hands_over_and_no_other() -> None:
    capacity, channels = 4, 2
    sizes = {
        "kPosition": capacity * 3 * 4,
        "kVelocity": capacity * 3 * 4,
        "kHeading": capacity * 4,
        "kHealth": capacity * 4,
        "kPerception": capacity * 4,
        "kCustom": capacity * channels * 4,
        "kAlive": capacity,
        "kPlayerPosition": 3 * 4,
    }
    keys = NAMES["world_buffers"]
    assert set(keys) == set(sizes)
    buffers = {keys[k]: memoryview(bytearray(size)) for k, size in sizes.items()}
    from_buffers = getattr(World, NAMES["world"]["kFromBuffers"])
    world = from_buffers(buffers, capacity, channels)
    assert world.position.shape == (capacity, 3)
    for key in buffers:
        fewer = {k: v for k, v in buffers.items() if k != key}
        with pytest.raises(KeyError):
            from_buffers(fewer, capacity, channels)


def test_a_save_info_has_every_field_the_listing_reads() -> None:
    declared = {f.name for f in fields(SaveInfo)}
    for name in _values("save_info"):
        assert name in declared, f"SaveInfo has no {name!r}"


def test_a_store_error_has_what_the_save_calls_read() -> None:
    for name in _values("store_error"):
        assert isinstance(getattr(StoreError, name, None), property) or name in (
            inspect.signature(StoreError).parameters
        ), f"StoreError has no {name!r}"


def test_the_header_maps_every_fault_kind_and_no_other() -> None:
    # save_calls.cpp maps each of these to a result code: a new FaultKind needs a row there.
    assert sorted(_values("fault_kinds")) == sorted(kind.value for kind in FaultKind)


def test_a_cloud_save_error_has_what_the_pull_reads() -> None:
    error = CloudSaveError(CloudSaveRefusal.UNAVAILABLE, "offline", "hero")
    for name in _values("cloud_save_error"):
        assert getattr(error, name) == CloudSaveRefusal.UNAVAILABLE, name


def test_the_header_maps_every_cloud_save_code_and_no_other() -> None:
    # save_calls.cpp maps each of these to a result code: a new code needs a row there.
    assert sorted(_values("cloud_save_codes")) == sorted(code.value for code in CloudSaveRefusal)


def test_a_story_flag_reading_has_the_fields_the_bridge_reads() -> None:
    declared = {f.name for f in fields(StoryFlagReading)}
    for name in _values("story_flag_reading"):
        assert name in declared, f"StoryFlagReading has no {name!r}"


def test_the_header_maps_every_story_flag_type_and_no_other() -> None:
    # story_calls.cpp maps each of these to an AICORE_STORY_FLAG_*: a new type needs a row.
    assert sorted(_values("story_flag_types")) == sorted(FLAG_TYPES)


def test_a_reload_outcome_has_the_fields_the_bridge_reads() -> None:
    declared = {f.name for f in fields(ScriptsReloaded)}
    for name in _values("scripts_reloaded"):
        assert name in declared, f"ScriptsReloaded has no {name!r}"
