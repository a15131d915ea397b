"""The UE5 plugin cannot be built here (no engine), so this proves it thin instead: every
``aicore_*`` call in its sources and in the engine glue it calls through exists in
``aicore.h`` with that many arguments, and aicore-host, which the other tests run, makes
every one of those calls too (through its own sources or the same glue). A drifted copy of
a plugin source shows that a wrong argument count, an unknown function or a call the host
never makes is caught."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

from abi_calls import Call, blank_literals, calls_in, calls_in_tree, count_arguments, prototypes

ROOT = Path(__file__).resolve().parents[1]


def _stage_tool() -> ModuleType:
    """tools/stage_ue5_plugin.py, loaded by path (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "stage_ue5_plugin", ROOT / "tools" / "stage_ue5_plugin.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HEADER = ROOT / "cpp" / "bridge" / "include" / "aicore" / "aicore.h"
PLUGIN_SOURCE = ROOT / "ue5_plugin" / "AICore" / "Source"
GLUE = ROOT / "cpp" / "engine_glue"
GLUE_SOURCES = (GLUE / "src", GLUE / "include")
HOST_SOURCES = (ROOT / "cpp" / "host" / "src",)


def abi_drift(plugin: list[Call], host: list[Call], declared: dict[str, int]) -> list[str]:
    """Each way the plugin's calls leave the C ABI or what the host exercises, in words."""
    problems = []
    for call in plugin:
        where = f"{call.file}:{call.line}"
        if call.name not in declared:
            problems.append(f"{where}: {call.name} is not in aicore.h")
        elif declared[call.name] != call.arguments:
            problems.append(
                f"{where}: {call.name} takes {declared[call.name]} arguments, "
                f"called with {call.arguments}"
            )
    exercised = {call.name for call in host}
    for name in sorted({call.name for call in plugin} - exercised):
        problems.append(f"{name}: the plugin calls it, aicore-host never does")
    return problems


def test_the_plugin_calls_only_the_abi_right_and_the_host_makes_every_call() -> None:
    declared = prototypes(HEADER)
    assert len(declared) >= 25, "the header's prototypes were not found"
    plugin = calls_in_tree(PLUGIN_SOURCE, *GLUE_SOURCES)
    host = calls_in_tree(*HOST_SOURCES, *GLUE_SOURCES)
    # The plugin does the whole job of an engine: it cannot do it in fewer calls.
    called = {call.name for call in plugin}
    for essential in (
        "aicore_runtime_create",
        "aicore_tick",
        "aicore_push_events",
        "aicore_drain_commands",
        "aicore_audio_render",
        "aicore_npc_spawn",
        "aicore_save",
        "aicore_load",
    ):
        assert essential in called, essential
    # The plugin's own sources call the ABI, not only the glue.
    assert any(str(PLUGIN_SOURCE) in call.file for call in plugin)
    assert abi_drift(plugin, host, declared) == []


def test_a_drifted_plugin_source_fails_the_check(tmp_path: Path) -> None:
    declared = prototypes(HEADER)
    copy = tmp_path / "Source"
    shutil.copytree(PLUGIN_SOURCE, copy)
    host = calls_in_tree(*HOST_SOURCES, *GLUE_SOURCES)
    assert abi_drift(calls_in_tree(copy, *GLUE_SOURCES), host, declared) == []

    subsystem = next(copy.rglob("AICoreSubsystem.cpp"))
    text = subsystem.read_text(encoding="utf-8")
    assert "aicore_save(Runtime.get(), " in text
    text = text.replace("aicore_save(Runtime.get(), ", "aicore_save(Runtime.get(), 0, ", 1)
    text += '\nstatic void Drift() { aicore_quest_get(nullptr, "met"); }\n'
    subsystem.write_text(text, encoding="utf-8")

    problems = abi_drift(calls_in_tree(copy, *GLUE_SOURCES), host, declared)
    assert any("aicore_save takes 2 arguments, called with 3" in p for p in problems), problems
    assert any("aicore_quest_get is not in aicore.h" in p for p in problems), problems
    assert any(
        "aicore_quest_get: the plugin calls it, aicore-host never does" in p for p in problems
    )

    # A call the plugin makes and the host does not is caught even when the ABI has it.
    host_without_save = [call for call in host if call.name != "aicore_save"]
    problems = abi_drift(calls_in_tree(PLUGIN_SOURCE, *GLUE_SOURCES), host_without_save, declared)
    assert problems == ["aicore_save: the plugin calls it, aicore-host never does"]


def test_the_scanner_counts_arguments_past_strings_comments_nesting_and_templates() -> None:
    source = r"""
    aicore_version();
    aicore_api_version( /* none, ( */ );
    aicore_push_events(rt, reinterpret_cast<const uint8_t*>(Bytes.GetData()), f(a, b));
    aicore_save(rt, TEXT("slot, (1)"));  // aicore_tick(rt) in a comment
    aicore_kind_find(rt, R"x(kind", ")x", &archetype);
    aicore_tick(rt, std::pair<int, int>{1, 2}.first < 3 ? 1.0 : 2.0);
    aicore_npc_spawn(rt, [&](int a, int b) { return a, b; }(1, 2) ? "x" : "y", &slot);
    aicore_audio_render(rt, L[0], R[1], N > 2 ? 1'000 : 2);
    ::aicore_runtime_destroy(Runtime.Release());
    object.aicore_not_a_call(1, 2);
    const char* c = "aicore_fake(1)";
    char q = ',';
    """
    found = [(call.name, call.arguments) for call in calls_in(source)]
    assert found == [
        ("aicore_version", 0),
        ("aicore_api_version", 0),
        ("aicore_push_events", 3),
        ("aicore_save", 2),
        ("aicore_kind_find", 3),
        ("aicore_tick", 2),
        ("aicore_npc_spawn", 3),
        ("aicore_audio_render", 4),
        ("aicore_runtime_destroy", 1),
    ]
    clean = blank_literals("f(\"a,b\", '(')")
    assert count_arguments(clean, 1) == (2, len(clean) - 1)
    assert prototypes(HEADER)["aicore_api_version"] == 0
    assert prototypes(HEADER)["aicore_audio_render"] == 4


def test_staging_gives_the_plugin_its_glue_and_the_check_still_holds(tmp_path: Path) -> None:
    stage_sources = _stage_tool().stage_sources
    plugin = tmp_path / "AICore"
    shutil.copytree(PLUGIN_SOURCE.parent, plugin)
    written = stage_sources(plugin)
    glue = plugin / "Source" / "AICore" / "Private" / "Glue"
    for name in (
        "src/frame_driver.cpp",
        "src/msgpack_reader.cpp",
        "include/aicore/protocol_schema.h",
        "include/aicore/engine_glue/slot_map.h",
    ):
        assert (glue / name).is_file(), name
    assert (plugin / "ThirdParty" / "AICore" / "include" / "aicore" / "aicore.h").is_file()
    assert len(written) > 10
    # The staged tree is what UBT compiles: it calls the ABI exactly as the sources here do.
    declared = prototypes(HEADER)
    host = calls_in_tree(*HOST_SOURCES, *GLUE_SOURCES)
    assert abi_drift(calls_in_tree(plugin / "Source"), host, declared) == []
